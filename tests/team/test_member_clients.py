"""The real client CLIs read the remote entries ``orchestrator-setup install --team URL``
writes, against a real team server process: Claude Code connects with the token from the
variable the entry names (and not without it), Codex lists the entry with its bearer token
variable, Gemini CLI connects; Claude Code takes the http hooks of ``--hooks http``.

They run whenever TASK_ORCHESTRATOR_CLIENTS is set (scripts/test sets it) and fail, not skip,
when it is set but a binary is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from team_support import Team, TeamServer

from task_orchestrator.__main__ import setup_main
from task_orchestrator.installer import launcher
from task_orchestrator.installer import setup as setup_mod

pytestmark = [pytest.mark.realclient, pytest.mark.slow]
VAR = "ACME_TEAM_TOKEN"


def _clients() -> Path:
    value = os.environ.get("TASK_ORCHESTRATOR_CLIENTS")
    if not value:
        pytest.skip("TASK_ORCHESTRATOR_CLIENTS is not set (scripts/test sets it)")
    folder = Path(value)
    for name in ("claude", "codex", "gemini"):
        if not os.access(folder / name, os.X_OK):
            pytest.fail(f"TASK_ORCHESTRATOR_CLIENTS={folder} but {name} is missing there")
    return folder


@pytest.fixture
def member(
    team: Team, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, dict[str, str]]:
    """A member's shell: the client CLIs on PATH, the token in the environment, no store URL."""
    clients = _clients()
    monkeypatch.setenv("PATH", f"{clients}:/usr/local/bin:/usr/bin:/bin")
    monkeypatch.setenv(VAR, team.tokens["alice"])
    monkeypatch.delenv("TASK_ORCHESTRATOR_STORE_URL", raising=False)
    monkeypatch.setattr(setup_mod, "running_process_names", lambda: set())
    monkeypatch.setattr(launcher, "registered_program", lambda: Path(sys.executable))
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("ANTHROPIC_", "CLAUDE_", "CODEX_", "GEMINI_")):
            del env[name]
    return clients, env


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> str:
    proc = subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return proc.stdout + proc.stderr


def _install(server: TeamServer, *more: str) -> None:
    args = ["install", "--team", server.base, "--token-env", VAR, "--machine", "alice-laptop"]
    assert setup_main([*args, "-c", "claude-code", "-c", "codex", "-c", "gemini", *more]) == 0


def test_claude_code_connects_with_the_token_from_the_variable(
    server: TeamServer, member: tuple[Path, dict[str, str]], isolated_home: Path
) -> None:
    clients, env = member
    _install(server)
    claude = str(clients / "claude")
    listed = _run([claude, "mcp", "list"], env, isolated_home)
    assert f"task-orchestrator: {server.base}/mcp (HTTP) - ✔ Connected" in listed, listed
    got = _run([claude, "mcp", "get", "task-orchestrator"], env, isolated_home)
    assert f"Authorization: Bearer ${{{VAR}}}" in got and "alice-laptop" in got, got
    # Without the variable, or with a wrong token, the server refuses it.
    unset = {k: v for k, v in env.items() if k != VAR}
    listed = _run([claude, "mcp", "list"], unset, isolated_home)
    assert "✔ Connected" not in listed and VAR in listed, listed
    wrong = {**env, VAR: "to_not-a-member"}
    assert "✔ Connected" not in _run([claude, "mcp", "list"], wrong, isolated_home)
    # The token is nowhere in the member's files.
    for folder, _, files in os.walk(isolated_home.parent):
        for name in files:
            path = Path(folder) / name
            if path.is_file() and "pytest" not in name:
                assert env[VAR].encode() not in path.read_bytes(), path


def test_codex_lists_the_remote_entry_with_its_token_variable(
    server: TeamServer, member: tuple[Path, dict[str, str]], isolated_home: Path
) -> None:
    clients, env = member
    _install(server)
    codex = str(clients / "codex")
    listed = _run([codex, "mcp", "list"], env, isolated_home)
    row = next((line for line in listed.splitlines() if "task-orchestrator" in line), "")
    assert f"{server.base}/mcp" in row and VAR in row, listed
    got = _run([codex, "mcp", "get", "task-orchestrator"], env, isolated_home)
    assert "transport: streamable_http" in got and f"bearer_token_env_var: {VAR}" in got, got
    assert "X-Task-Orchestrator-Machine" in got, got


def test_gemini_connects_to_the_team_server(
    server: TeamServer, member: tuple[Path, dict[str, str]], isolated_home: Path
) -> None:
    clients, env = member
    _install(server)
    gemini = str(clients / "gemini")
    trusted = {**env, "GEMINI_CLI_TRUST_WORKSPACE": "true"}
    listed = _run([gemini, "mcp", "list"], trusted, isolated_home)
    assert f"✓ task-orchestrator: {server.base}/mcp (http) - Connected" in listed, listed
    wrong = {**trusted, VAR: "to_not-a-member"}
    assert "- Connected" not in _run([gemini, "mcp", "list"], wrong, isolated_home)


def test_claude_code_takes_the_http_hooks(
    server: TeamServer, member: tuple[Path, dict[str, str]], isolated_home: Path
) -> None:
    """Claude Code reads settings.json with our http hooks and reports no settings error."""
    clients, env = member
    _install(server, "--hooks", "http")
    settings = json.loads((isolated_home / ".claude" / "settings.json").read_text())
    assert settings["hooks"]["Stop"][0]["hooks"][0]["type"] == "http"
    listed = _run([str(clients / "claude"), "mcp", "list"], env, isolated_home)
    assert "✔ Connected" in listed and "Settings Error" not in listed, listed
    assert "Invalid" not in listed and "hooks" not in listed.lower(), listed


def test_team_install_replaces_our_claude_code_plugin(
    server: TeamServer, member: tuple[Path, dict[str, str]], isolated_home: Path
) -> None:
    """A machine set up before with our plugin: --team removes it (its .mcp.json would start
    a local server on a local store) and Claude Code then reaches only the team server."""
    clients, env = member
    assert setup_main(["install", "-c", "claude-code"]) == 0  # the plugin, by default
    claude = str(clients / "claude")
    assert "task-orchestrator" in _run([claude, "plugin", "list"], env, isolated_home)
    _install(server)
    plugins = _run([claude, "plugin", "list"], env, isolated_home)
    assert "task-orchestrator@" not in plugins, plugins
    listed = _run([claude, "mcp", "list"], env, isolated_home)
    assert f"task-orchestrator: {server.base}/mcp (HTTP) - ✔ Connected" in listed, listed
    assert listed.count("task-orchestrator") == 1, listed
