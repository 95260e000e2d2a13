"""Real client CLIs (installed from npm by scripts/install-clients) read what we wrote.

They run whenever TASK_ORCHESTRATOR_CLIENTS is set (scripts/test sets it) and fail, not
skip, when it is set but a binary is missing. Each runs in the isolated temporary HOME. The
Claude Code ones run once per Claude Code version the tests pin (tests/claude_versions.py).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from claude_versions import ClaudeCode
from installer_support import clients_dir

from task_orchestrator.installer.catalog import Env, load_clients
from task_orchestrator.installer.setup import install, uninstall

pytestmark = [pytest.mark.realclient, pytest.mark.slow]
CATALOG = load_clients()
NAME = "task-orchestrator"


def _bin(name: str) -> Path:
    folder = clients_dir()
    if folder is None:
        pytest.skip("TASK_ORCHESTRATOR_CLIENTS is not set (scripts/test sets it)")
    path = folder / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"TASK_ORCHESTRATOR_CLIENTS={folder} but {name} is missing there")
    return path


def _path_with(folder: Path) -> str:
    return f"{folder}:/usr/local/bin:/usr/bin:/bin"


def _run(argv: list[str], env: Env) -> str:
    proc = subprocess.run(
        argv,
        env=dict(env.environ),
        cwd=env.home,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    return proc.stdout + proc.stderr


@pytest.fixture
def client_env(env_for: Callable[..., Env], isolated_home: Path) -> Callable[..., tuple[Path, Env]]:
    def make(name: str, exe: Path | None = None) -> tuple[Path, Env]:
        exe = exe or _bin(name)
        environ = dict(os.environ)
        environ["PATH"] = _path_with(exe.parent)
        environ["HOME"] = str(isolated_home)
        base = env_for("linux")
        return exe, Env(os="linux", environ=environ, home=isolated_home, project=base.project)

    return make


def test_claude_code_via_its_cli(
    claude_code: ClaudeCode, program: Path, client_env: Callable[..., tuple[Path, Env]]
) -> None:
    claude, env = client_env("claude", claude_code.path)
    [change, hooks] = install([CATALOG["claude-code"]], "user", env, dry_run=False, hooks=True)
    assert change.action == "installed" and change.via == "claude mcp", (
        f"{claude_code}: {change.message}"
    )
    assert hooks.action == "installed"
    listed = _run([str(claude), "mcp", "list"], env)
    assert NAME in listed, f"{claude_code}: claude mcp list does not show it: {listed}"
    got = _run([str(claude), "mcp", "get", NAME], env)
    assert str(program) in got and "serve" in got, f"{claude_code}: claude mcp get: {got}"
    # Re-install: nothing to do, the CLI is not even called.
    [again, _] = install([CATALOG["claude-code"]], "user", env, dry_run=False, hooks=True)
    assert again.action == "unchanged"
    uninstall([CATALOG["claude-code"]], "user", env, dry_run=False, hooks=True)
    assert NAME not in _run([str(claude), "mcp", "list"], env)


def test_claude_code_shows_connected(
    claude_code: ClaudeCode, client_env: Callable[..., tuple[Path, Env]]
) -> None:
    from task_orchestrator.installer import launcher

    claude, env = client_env("claude", claude_code.path)
    install([CATALOG["claude-code"]], "user", env, dry_run=False, hooks=False)
    listed = _run([str(claude), "mcp", "list"], env)
    assert f"{launcher.registered_program()} serve - ✔ Connected" in listed, (
        f"{claude_code}: the server is not shown connected: {listed}"
    )


def test_claude_code_file_edit_is_read_by_claude(
    claude_code: ClaudeCode, program: Path, client_env: Callable[..., tuple[Path, Env]]
) -> None:
    claude, env = client_env("claude", claude_code.path)
    no_cli = Env(
        os="linux",
        environ={**env.environ, "PATH": "/usr/bin:/bin"},
        home=env.home,
        project=env.project,
    )
    (env.home / ".claude.json").write_text(
        '{\n  "numStartups": 1,\n  "projects": {}\n}\n', encoding="utf-8"
    )
    [change] = install([CATALOG["claude-code"]], "user", no_cli, dry_run=False, hooks=False)
    assert change.via == "file"
    got = _run([str(claude), "mcp", "get", NAME], env)
    assert str(program) in got, f"{claude_code}: claude does not read our entry: {got}"
    uninstall([CATALOG["claude-code"]], "user", no_cli, dry_run=False, hooks=False)
    assert NAME not in _run([str(claude), "mcp", "list"], env)


def test_codex_lists_it_enabled(program: Path, client_env: Callable[..., tuple[Path, Env]]) -> None:
    codex, env = client_env("codex")
    config = env.home / ".codex" / "config.toml"
    config.parent.mkdir()
    config.write_text('# mine\nmodel = "o3"\n', encoding="utf-8")
    install([CATALOG["codex"]], "user", env, dry_run=False, hooks=False)
    listed = _run([str(codex), "mcp", "list"], env)
    line = next((ln for ln in listed.splitlines() if ln.startswith(NAME)), "")
    assert str(program) in line and "enabled" in line, listed
    uninstall([CATALOG["codex"]], "user", env, dry_run=False, hooks=False)
    assert NAME not in _run([str(codex), "mcp", "list"], env)
    assert config.read_text(encoding="utf-8") == '# mine\nmodel = "o3"\n'


def test_gemini_lists_it(program: Path, client_env: Callable[..., tuple[Path, Env]]) -> None:
    gemini, env = client_env("gemini")
    install([CATALOG["gemini"]], "user", env, dry_run=False, hooks=False)
    listed = _run([str(gemini), "mcp", "list"], env)
    assert f"{NAME}: {program} serve" in listed, listed
    uninstall([CATALOG["gemini"]], "user", env, dry_run=False, hooks=False)
    assert NAME not in _run([str(gemini), "mcp", "list"], env)


@pytest.mark.parametrize(
    ("exe", "client", "var"),
    [
        ("claude", "claude-code", "CLAUDE_CONFIG_DIR"),
        ("codex", "codex", "CODEX_HOME"),
        ("gemini", "gemini", "GEMINI_CLI_HOME"),
    ],
)
def test_env_override_is_where_the_client_reads(
    exe: str,
    client: str,
    var: str,
    program: Path,
    tmp_path: Path,
    client_env: Callable[..., tuple[Path, Env]],
) -> None:
    """With the client's own override variable set, we write where the client reads."""
    binary, env = client_env(exe)
    folder = tmp_path / f"override-{var.lower()}"
    folder.mkdir()
    environ = {**env.environ, var: str(folder)}
    # The file-edit path for Claude Code too: its CLI would trivially agree with itself.
    no_cli = {**environ, "PATH": "/usr/bin:/bin"}
    write_env = Env(os="linux", environ=no_cli, home=env.home, project=env.project)
    read_env = Env(os="linux", environ=environ, home=env.home, project=env.project)
    [change] = install([CATALOG[client]], "user", write_env, dry_run=False, hooks=False)
    assert change.action == "installed" and change.path.startswith(str(folder)), change
    assert NAME in _run([str(binary), "mcp", "list"], read_env)
    uninstall([CATALOG[client]], "user", write_env, dry_run=False, hooks=False)
    assert NAME not in _run([str(binary), "mcp", "list"], read_env)
