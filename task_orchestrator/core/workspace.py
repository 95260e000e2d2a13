"""Workspace resolution: which project a directory belongs to.

Tasks are always written under the workspace the caller resolved. The reference
implementation wrote them under the server's own cwd, which for a GUI client is ``/`` or the
home folder; everything here takes the directory as an argument for that reason.
"""

from __future__ import annotations

import os

# Checked in order at each level, walking up. A VCS root wins over a build file because
# monorepos carry a pyproject.toml or package.json in every package.
VCS_MARKERS = (".git", ".hg", ".svn", ".jj")
PROJECT_MARKERS = (
    "pyproject.toml",
    "package.json",
    "Cargo.toml",
    "go.mod",
    "pom.xml",
    "build.gradle",
    "Gemfile",
    "composer.json",
    "setup.py",
    ".mcp.json",
    ".claude",
)


def normalize_str(path: str | os.PathLike[str]) -> str:
    """Absolute, symlinks resolved, ``~`` expanded; the form stored in the database. Plain
    ``os.path``: the hooks call this on every event and pathlib costs them about 4 ms."""
    return os.path.realpath(os.path.expanduser(os.fspath(path)))


def find_workspace(directory: str | os.PathLike[str]) -> str:
    """The project root that contains ``directory``, as a string.

    The nearest VCS top-level; failing that, the nearest folder with a project marker; failing
    that, the directory itself. The home folder and ``/`` are never chosen because of a
    marker found there (a dotfiles repo in ``~`` would otherwise swallow every project).

    A linked git worktree (``git worktree add``) belongs to its main repository's workspace:
    it is the same project on another branch. That is read from its ``.git`` file and the
    ``commondir`` beside its git dir, without a git process (the hooks call this on every
    event).
    """
    start = normalize_str(directory)
    if os.path.isfile(start):
        start = os.path.dirname(start)
    levels = []
    level = start
    while True:
        levels.append(level)
        parent = os.path.dirname(level)
        if parent == level:
            break
        level = parent
    stop = {normalize_str(os.path.expanduser("~")), levels[-1]}
    levels = [p for p in levels if p not in stop]
    for markers in (VCS_MARKERS, PROJECT_MARKERS):
        for level in levels:
            if any(os.path.exists(os.path.join(level, marker)) for marker in markers):
                return _main_worktree(level) if markers is VCS_MARKERS else level
    return start


def _main_worktree(level: str) -> str:
    """The main work tree of the linked worktree at ``level``; ``level`` for anything else."""
    if not os.path.isfile(os.path.join(level, ".git")):
        return level
    from .gitstate import find_repo

    repo = find_repo(level)
    main = repo.main_top if repo is not None and repo.linked else None
    return normalize_str(main) if main and os.path.isdir(main) else level


# Folders that hold a system or many people's folders, never one project: a workspace here
# would mix unrelated work, and documents written "into the project" would land among system
# or personal settings. Only the folders themselves; a project under /srv or /opt is fine.
_SYSTEM_FOLDERS = {
    "posix": (
        "/",
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib32",
        "/lib64",
        "/media",
        "/mnt",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/srv",
        "/sys",
        "/tmp",
        "/usr",
        "/usr/local",
        "/var",
        "/var/tmp",
        "/Applications",
        "/Library",
        "/System",
        "/Users",
        "/Volumes",
        "/private",
        "/private/tmp",
        "/private/var",
    ),
    "nt": ("Windows", "Program Files", "Program Files (x86)", "ProgramData", "Users"),
}
# Never a workspace, nor anything inside them: kernel and device views, not folders of files.
_PSEUDO_TREES = ("/proc", "/sys", "/dev")


def unsuitable_workspace(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` (already normalized) cannot be a workspace, or None when it can: the
    file system root, the home folder itself, and system folders are refused."""
    norm = normalize_str(path)
    home = normalize_str(os.path.expanduser("~"))
    if os.path.dirname(norm) == norm:
        return f"{norm} is the root of the file system"
    if norm == home:
        return f"{norm} is your home folder"
    if os.name == "nt":
        rest = os.path.splitdrive(norm)[1].strip("\\/")
        if rest in _SYSTEM_FOLDERS["nt"]:
            return f"{norm} is a system folder"
        return None
    if norm in _SYSTEM_FOLDERS["posix"] or any(
        norm.startswith(tree + "/") for tree in _PSEUDO_TREES
    ):
        return f"{norm} is a system folder"
    return None
