"""The Claude Code plugin: its files, generated from the package (docs/ARCHITECTURE.md, "The
Claude Code plugin").

One function, :func:`plugin_files`, makes every file of the plugin: the manifest, the hooks
(from ``hooks/spec.py``, exec form through the plugin's launcher), the MCP server, one agent
per specialist (``data/specialists``) and the slash commands and launcher shipped in
``data/plugin``. ``packaging/gen_plugin.py`` writes them into the checkout's ``plugin/``
folder (the repository is a marketplace); setup writes them into a marketplace folder of its
own under the data root, with a ``program`` file naming the installed program.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from .. import __version__
from ..core import enums
from ..core.atomic import replace_file
from ..hooks.spec import HOOK_SPECS, hook_args

NAME = "task-orchestrator"
MARKETPLACE = "task-orchestrator"
PLUGIN_ID = f"{NAME}@{MARKETPLACE}"
SERVER = "task-orchestrator"
#: Where the plugin's files live inside a marketplace folder.
FOLDER = "plugin"
LAUNCHER = "${CLAUDE_PLUGIN_ROOT}/bin/task-orchestrator"
#: Executable files of the plugin (their mode is set when written).
EXECUTABLE = ("bin/task-orchestrator",)
DESCRIPTION = (
    "Plans, tracks and finishes work across sessions: task-orchestrator's hooks mirror your "
    "task lists into a local task store, its MCP server plans and routes work, and its "
    "specialists are subagents."
)

# Which tools each specialist's agent gets: a role that only reads gets no editing tool.
# A specialist not named here (a user's own) gets every tool.
READ = ["Read", "Grep", "Glob"]
EDIT = [*READ, "Edit", "Write", "Bash"]
AGENT_TOOLS: dict[str, list[str]] = {
    "analyst": READ,
    "architect": READ,
    "reviewer": READ,
    "researcher": [*READ, "WebFetch", "WebSearch"],
    "documenter": [*READ, "Edit", "Write"],
    "implementer": EDIT,
    "tester": EDIT,
    "debugger": EDIT,
    "devops": EDIT,
}


def agent_name(specialist: str) -> str:
    """The agent type of a specialist, as its file names it (Claude Code lists a plugin's
    agents as ``task-orchestrator:<name>``)."""
    return f"orchestrator-{specialist}"


def agent_type(specialist: str) -> str:
    """What the Agent tool's ``subagent_type`` must be: plugin agents are namespaced."""
    return enums.agent_type(specialist)


def plugin_manifest() -> dict[str, Any]:
    return {
        "name": NAME,
        "version": __version__,
        "description": DESCRIPTION,
        "author": {"name": "task-orchestrator developers"},
        "license": "MIT",
        "keywords": ["tasks", "planning", "mcp", "hooks", "subagents"],
    }


def marketplace_manifest(source: str = f"./{FOLDER}") -> dict[str, Any]:
    return {
        "name": MARKETPLACE,
        "description": "task-orchestrator for Claude Code: hooks, MCP server, commands, agents",
        "owner": {"name": "task-orchestrator developers"},
        "plugins": [
            {
                "name": NAME,
                "source": source,
                "description": DESCRIPTION,
                "version": __version__,
            }
        ],
    }


def hooks_config() -> dict[str, Any]:
    """Our events in exec form; the same events, matchers and timeouts as settings.json."""
    out: dict[str, Any] = {}
    for spec in HOOK_SPECS:
        hook = {
            "type": "command",
            "command": LAUNCHER,
            "args": hook_args(spec.event),
            "timeout": spec.timeout,
        }
        group: dict[str, Any] = {"matcher": spec.matcher} if spec.matcher else {}
        group["hooks"] = [hook]
        out[spec.event] = [group]
    return {"description": "task-orchestrator: mirror plans, track prompts", "hooks": out}


def mcp_config() -> dict[str, Any]:
    return {"mcpServers": {SERVER: {"type": "stdio", "command": LAUNCHER, "args": ["serve"]}}}


def _bullets(items: Any) -> str:
    return "\n".join(f"- {item}" for item in items)


def agent_file(data: dict[str, Any]) -> str:
    """One specialist as a subagent: when to use it, its approach as its prompt, its tools."""
    name = str(data["name"])
    expertise = ", ".join(data.get("expertise", []))
    keywords = ", ".join(data.get("keywords", [])[:8])
    description = (
        f"The {name} of task-orchestrator's plans ({expertise}). Use it for a subtask that "
        f"orchestrator_execute_task routes to the {name}, or for work about {keywords}. "
        "Put the subtask's id in the prompt."
    )
    front = ["---", f"name: {agent_name(name)}", f"description: {json.dumps(description)}"]
    tools = AGENT_TOOLS.get(name)
    if tools:
        front.append(f"tools: {', '.join(tools)}")
    front.append("---")
    body = [
        str(data["role"]),
        "",
        "Your approach:",
        _bullets(data.get("approach", [])),
        "",
        f"What you hand back: {data.get('expected_output', 'a summary of the work done.')}",
        "",
        "You work on one subtask of a task-orchestrator plan, named in your prompt. Your final "
        "message becomes that subtask's summary when you finish, so make it complete on its "
        "own: what you did, where, and anything left open. Keep it under 2,000 characters.",
    ]
    if tools == READ:
        body += ["", "You read and report; you do not change files."]
    return "\n".join([*front, *body]) + "\n"


def specialists() -> list[dict[str, Any]]:
    folder = resources.files("task_orchestrator") / "data" / "specialists"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            out.append(json.loads(entry.read_text(encoding="utf-8")))
    return out


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def plugin_files() -> dict[str, str]:
    """Every file of the plugin folder, by relative path (``/`` separated)."""
    files = {
        ".claude-plugin/plugin.json": _dump(plugin_manifest()),
        "hooks/hooks.json": _dump(hooks_config()),
        ".mcp.json": _dump(mcp_config()),
    }
    for data in specialists():
        files[f"agents/{agent_name(str(data['name']))}.md"] = agent_file(data)
    shipped = resources.files("task_orchestrator") / "data" / "plugin"
    for sub in ("bin", "commands"):
        for entry in sorted((shipped / sub).iterdir(), key=lambda e: e.name):
            if entry.is_file() and not entry.name.startswith((".", "__")):
                files[f"{sub}/{entry.name}"] = entry.read_text(encoding="utf-8")
    return files


def write_tree(folder: Path, files: dict[str, str]) -> list[str]:
    """Write ``files`` under ``folder``, removing files of ours that are no longer made (a
    specialist dropped); returns the relative paths that changed."""
    changed = []
    for rel in _existing(folder):
        if rel not in files and rel.split("/")[0] in ("agents", "commands", "bin"):
            (folder / rel).unlink()
            changed.append(rel)
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        executable = rel in EXECUTABLE
        if old != text:
            # Atomic: a launcher cut short by a crash or a full disk would break every hook.
            replace_file(path, text.encode("utf-8"), mode=0o755 if executable else None)
            changed.append(rel)
        elif executable:
            path.chmod(0o755)
    return changed


def _existing(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def write_marketplace(folder: Path, program: list[str] | None = None) -> list[str]:
    """A marketplace folder holding the plugin; with ``program`` (the program's path, then
    the interpreter for hooks, if any), the launcher runs that program."""
    changed = write_tree(folder / FOLDER, plugin_files())
    manifest = folder / ".claude-plugin" / "marketplace.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    text = _dump(marketplace_manifest())
    if not manifest.is_file() or manifest.read_text(encoding="utf-8") != text:
        replace_file(manifest, text.encode("utf-8"))
        changed.append(".claude-plugin/marketplace.json")
    if program is not None:
        record = folder / FOLDER / "program"
        text = "".join(line + "\n" for line in program)
        if not record.is_file() or record.read_text(encoding="utf-8") != text:
            replace_file(record, text.encode("utf-8"))
            changed.append(f"{FOLDER}/program")
    return changed
