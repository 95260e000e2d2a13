"""SessionStart's health check: is our server registered for this Claude Code?

The store half of the check (opens, schema current, quick_check) lives in session_start.py
because it needs the store open anyway. Claude Code reads MCP servers from ``~/.claude.json``
(or ``$CLAUDE_CONFIG_DIR/.claude.json``): top-level ``mcpServers`` for user scope and
``projects[<path>].mcpServers`` for local scope, plus ``.mcp.json`` in the project.
``~/.claude.json`` is rewritten by Claude Code all the time and can be large, so
it is searched as text, and only its ``mcpServers`` objects are parsed.
"""

from __future__ import annotations

import os

from .. import SERVER_NAME
from ..core import fastjson


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
    return any(SERVER_NAME in fastjson.dumps(entry) for entry in servers.values())


def _registered_in(text: str) -> bool:
    """Whether some ``"mcpServers"`` object in this JSON text holds our server.

    Each such object is read on its own instead of parsing the whole file: ~/.claude.json
    keeps every project's history and grows to megabytes (1.7 MB takes 7 ms to parse, more
    than all the rest of SessionStart), while the objects we look for are small. This also
    accepts a local registration made for another project: a missed hint is better than a
    wrong "not registered" on every session start.
    """
    if SERVER_NAME not in text:
        return False
    key = '"mcpServers"'
    at = text.find(key)
    while at != -1:
        after = at + len(key)
        colon = after
        while colon < len(text) and text[colon] in " \t\r\n":
            colon += 1
        if colon < len(text) and text[colon] == ":":  # a key, not a string value
            try:
                servers, _ = fastjson.value_at(text, colon + 1)
            except ValueError:
                return True  # mid-rewrite by Claude Code: our name in it is the best we have
            if _ours(servers):
                return True
        at = text.find(key, after)
    return False


def server_registered(cwd: str, workspace: str) -> bool:
    # A hook that our Claude Code plugin runs: the plugin's .mcp.json brings the server, and
    # setup removed the ~/.claude.json entry so it would not start twice (docs/ARCHITECTURE.md,
    # "The Claude Code plugin"). Claude Code sets CLAUDE_PLUGIN_ROOT for a plugin's hooks.
    if os.environ.get("CLAUDE_PLUGIN_ROOT"):
        return True
    if _registered_in(_read(claude_json_path())):
        return True
    return any(_registered_in(_read(os.path.join(f, ".mcp.json"))) for f in {cwd, workspace})
