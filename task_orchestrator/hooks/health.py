"""SessionStart's health check: is our server registered for this Claude Code?

The store half of the check (opens, schema current, quick_check) lives in session_start.py
because it needs the store open anyway. Claude Code reads MCP servers from ``~/.claude.json``
(or ``$CLAUDE_CONFIG_DIR/.claude.json``): top-level ``mcpServers`` for user scope and
``projects[<path>].mcpServers`` for local scope, plus ``.mcp.json`` in the project (DESIGN.md
section 6). ``~/.claude.json`` is rewritten by Claude Code all the time and can be large, so
it is searched as text first and parsed only when our name appears in it.
"""

from __future__ import annotations

import json
import os

from .. import SERVER_NAME


def claude_json_path(env: dict[str, str] | os._Environ[str] | None = None) -> str:
    environ = os.environ if env is None else env
    base = environ.get("CLAUDE_CONFIG_DIR") or os.path.expanduser("~")
    return os.path.join(base, ".claude.json")


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return ""


def _ours(servers: object) -> bool:
    if not isinstance(servers, dict):
        return False
    if SERVER_NAME in servers:
        return True
    # Registered under another name: recognise our command.
    return any(SERVER_NAME in json.dumps(entry) for entry in servers.values())


def server_registered(cwd: str, workspace: str) -> bool:
    text = _read(claude_json_path())
    if SERVER_NAME in text:
        try:
            doc = json.loads(text)
        except ValueError:
            return True  # mid-rewrite by Claude Code: the text check is the best we have
        if isinstance(doc, dict):
            if _ours(doc.get("mcpServers")):
                return True
            projects = doc.get("projects")
            if isinstance(projects, dict):
                for key in {cwd, workspace}:
                    project = projects.get(key)
                    if isinstance(project, dict) and _ours(project.get("mcpServers")):
                        return True
    for folder in {cwd, workspace}:
        project_text = _read(os.path.join(folder, ".mcp.json"))
        if SERVER_NAME in project_text:
            try:
                doc = json.loads(project_text)
            except ValueError:
                return True
            if isinstance(doc, dict) and _ours(doc.get("mcpServers")):
                return True
    return False
