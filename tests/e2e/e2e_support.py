"""A new user's machine for the end-to-end tests: a wheel built from the checkout and
installed with pipx, a HOME full of other people's config, and the real client CLIs."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from process_support import run

ROOT = Path(__file__).resolve().parents[2]
# Captured at import, before the autouse fixture moves HOME: pip and pipx keep their download
# cache in the real one, or every run would fetch mcp, pydantic, ... again.
TOOL_ENV = dict(os.environ)
NAME = "task-orchestrator"
# Variables of the developer's own that would point a client or us somewhere else.
_DROPPED = ("ANTHROPIC_", "CLAUDE_", "TASK_ORCHESTRATOR_", "XDG_", "CODEX_", "GEMINI_", "PIPX_")
_DROPPED_EXACT = ("VIRTUAL_ENV", "VSCODE_PORTABLE", "PYTHONPATH", "PYTHONHOME", "USERPROFILE")

OTHER_SERVER = {
    "command": "npx",
    "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/src"],
}


@dataclass(frozen=True)
class Machine:
    home: Path
    project: Path  # a git project folder inside HOME
    pipx_home: Path
    pipx_bin: Path
    clients: Path  # the folder with the real claude, codex and gemini
    env: dict[str, str]  # what the user's shell has: HOME, PATH with pipx's bin and the CLIs

    def script(self, name: str) -> Path:
        return self.pipx_bin / name

    @property
    def venv_script(self) -> Path:
        """What pipx's link points at: the console script inside the pipx venv."""
        return self.pipx_home / "venvs" / NAME / "bin" / NAME

    @property
    def db(self) -> Path:
        return self.home / ".local" / "share" / NAME / "data" / "tasks.db"


def build_and_pipx_install(base: Path) -> tuple[Path, Path]:
    """One wheel from the checkout, pipx-installed into PIPX_HOME/PIPX_BIN_DIR under base."""
    tools = base / "tools"
    run([sys.executable, "-m", "venv", tools], TOOL_ENV)
    tool_python = tools / "bin" / "python"
    run([tool_python, "-m", "pip", "install", "--quiet", "pipx"], TOOL_ENV)
    wheels = base / "wheels"
    run([tool_python, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, ROOT], TOOL_ENV)
    (wheel,) = wheels.glob("task_orchestrator-*.whl")
    pipx_home, pipx_bin = base / "pipx-home", base / "pipx-bin"
    env = {
        **TOOL_ENV,
        "PIPX_HOME": str(pipx_home),
        "PIPX_BIN_DIR": str(pipx_bin),
        "PIPX_MAN_DIR": str(base / "pipx-man"),
    }
    run([tool_python, "-m", "pipx", "install", wheel], env)
    return pipx_home, pipx_bin


def user_env(home: Path, pipx_bin: Path, clients: Path) -> dict[str, str]:
    env = {
        k: v for k, v in TOOL_ENV.items() if not k.startswith(_DROPPED) and k not in _DROPPED_EXACT
    }
    env.update(
        HOME=str(home),
        PATH=os.pathsep.join([str(pipx_bin), str(clients), "/usr/local/bin", "/usr/bin", "/bin"]),
        # Claude Code offline: no telemetry, no update check.
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
        DISABLE_AUTOUPDATER="1",
    )
    return env


CODEX_TOML = """\
# My Codex settings -- keep these comments
model = "o3"  # the default model
approval_policy = "on-request"

[mcp_servers.filesystem]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/src"]

[mcp_servers.filesystem.env]
LOG_LEVEL = "warn"  # quiet please

[profiles.fast]
model = "o4-mini"
"""

CURSOR_JSONC = """\
// Cursor MCP servers (my notes stay here)
{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/src"], // mine
    },
  },
}
"""


def user_files(home: Path, project: Path) -> dict[Path, str]:
    """Every client's config as a user who already uses other servers would have it."""
    # As Claude Code 2.1.197 leaves it after its own one-time migrations (it rewrites older
    # keys, e.g. moves "autoUpdates" into settings.json, the first time it runs).
    claude_json = {
        "numStartups": 42,
        "installMethod": "npm",
        "hasCompletedOnboarding": True,
        "firstStartTime": "2026-09-01T08:00:00.000Z",
        "opusProMigrationComplete": True,
        "sonnet1m45MigrationComplete": True,
        "migrationVersion": 13,
        "mcpServers": {"filesystem": {"type": "stdio", **OTHER_SERVER, "env": {}}},
        "projects": {
            str(project): {
                "allowedTools": [],
                "mcpServers": {"postgres": {"type": "stdio", "command": "pg-mcp", "args": []}},
                "hasTrustDialogAccepted": True,
            },
            "/home/me/src/other": {"allowedTools": ["Bash(ls:*)"], "mcpServers": {}},
        },
    }
    claude_settings = {
        "cleanupPeriodDays": 60,
        "includeCoAuthoredBy": False,
        "permissions": {"allow": ["Bash(git status:*)"]},
        "hooks": {
            "Notification": [
                {"matcher": "", "hooks": [{"type": "command", "command": "notify-send Claude"}]}
            ]
        },
    }
    windsurf = {"mcpServers": {"github": {"command": "/usr/bin/gh-mcp", "env": {"T": "x"}}}}
    desktop = {
        "globalShortcut": "Ctrl+Space",
        "mcpServers": {"fichiers": {**OTHER_SERVER, "env": {"LANG": "fr_FR.UTF-8"}}},
        "note": "réglages ✓",
    }
    gemini = {
        "theme": "GitHub",
        "selectedAuthType": "gemini-api-key",
        "mcpServers": {"filesystem": OTHER_SERVER},
    }
    return {
        home / ".claude.json": json.dumps(claude_json, indent=2) + "\n",
        home / ".claude" / "settings.json": json.dumps(claude_settings, indent=2) + "\n",
        home / ".cursor" / "mcp.json": CURSOR_JSONC,
        home / ".codeium" / "windsurf" / "mcp_config.json": json.dumps(windsurf, indent="\t"),
        home / ".config" / "Claude" / "claude_desktop_config.json": json.dumps(
            desktop, indent=4, ensure_ascii=False
        )
        + "\n",
        home / ".codex" / "config.toml": CODEX_TOML,
        home / ".gemini" / "settings.json": json.dumps(gemini, indent=2) + "\n",
    }
