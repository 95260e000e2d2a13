"""A member's folder, named by a team server that cannot see it.

On a team server the paths a client sends (its MCP roots, ``working_directory``, a hook's
``cwd``) are paths on the member's machine. The server never looks at its own disk for them:
it finds the workspace that machine's hooks recorded for the folder or a parent of it
(``workspace_at``), else names the folder ``MACHINE:PATH`` (docs/ARCHITECTURE.md, "The
team"). What can be refused is refused on the string alone: a relative path, the root of a
file system, and a home folder itself.
"""

from __future__ import annotations

from ..core.errors import InvalidInput, shown
from ..core.models import Workspace
from ..core.store import TaskStore

#: Parents of home folders on the systems members use: ``/home/ann``, ``/Users/ann``,
#: ``C:\\Users\\ann``; ``/root`` is root's home.
HOME_PARENTS = ("/home", "/users", "c:/users")


def normalized(path: str) -> str:
    """The path as recorded: no trailing separator, no empty or ``.`` parts on a POSIX
    path; a Windows path (``C:\\...``) only loses its trailing separators. Nothing is
    resolved: the folder is on another machine, and its hooks record it the same way."""
    text = path.strip()
    if len(text) >= 2 and text[1] == ":":
        trimmed = text.rstrip("\\/")
        return trimmed + "\\" if len(trimmed) == 2 else trimmed
    return "/" + "/".join(p for p in text.split("/") if p not in ("", "."))


def remote_path_problem(path: str) -> str | None:
    """Why ``path`` cannot name a member's workspace, or None."""
    text = path.strip()
    windows = len(text) >= 2 and text[1] == ":" and text[0].isalpha()
    if not (text.startswith("/") or (windows and text[2:3] in ("/", "\\"))):
        return (
            f"{shown(path)} is not an absolute path; give the project's absolute path on "
            "your machine (the team server cannot expand ~ or a relative path)"
        )
    norm = normalized(text)
    parts = [p for p in norm.lower().replace("\\", "/").split("/") if p]
    if norm == "/" or (windows and len(parts) == 1):
        return f"{norm} is the root of a file system"
    if norm.lower() == "/root" or (
        len(parts) == 3 - (not windows) and "/".join(parts[:-1]) in _home_parents(windows)
    ):
        return f"{norm} looks like a home folder"
    return None


def _home_parents(windows: bool) -> set[str]:
    return {p.strip("/") for p in HOME_PARENTS if p.startswith("c:") == windows}


def remote_workspace(store: TaskStore, machine: str, path: str, source: str) -> Workspace:
    """The workspace of the folder ``path`` on ``machine`` (``source``: where the path came
    from, for the message when it is refused)."""
    why = remote_path_problem(path)
    if why is not None:
        came_from = "working_directory" if source == "argument" else source
        raise InvalidInput(
            f"{why} (from {came_from}), not a project folder: tasks would land among "
            "unrelated work. Call orchestrator_initialize_session with working_directory "
            "set to the project's own folder on your machine, for example /home/you/code/app"
        )
    norm = normalized(path)
    found = store.workspace_at(machine, norm)
    if found is not None:
        return found
    return store.workspace_by_key(f"{machine}:{norm}", machine=machine, path=norm)
