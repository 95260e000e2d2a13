"""Real client CLIs (installed from npm by scripts/install-clients) read what we wrote.

They run whenever TASK_ORCHESTRATOR_CLIENTS is set (scripts/test sets it) and fail, not
skip, when it is set but a binary is missing. Each runs in the isolated temporary HOME. The
Claude Code ones run once per Claude Code version the tests pin (tests/claude_versions.py).
"""

from __future__ import annotations

import json
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
        ("copilot", "copilot-cli", "COPILOT_HOME"),
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


def _round_trip(
    client: str,
    exe: str,
    listing: list[str],
    env: Env,
    config: Path,
    original: str,
    *,
    same_bytes: bool = True,
) -> str:
    """Install into ``config`` (holding ``original``), return what the client lists, then
    check that uninstall takes it out of the listing and gives back the original bytes."""
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(original, encoding="utf-8")
    [change] = install([CATALOG[client]], "user", env, dry_run=False, hooks=False)
    assert change.action == "installed" and change.path == str(config), change
    listed = _run([exe, *listing], env)
    uninstall([CATALOG[client]], "user", env, dry_run=False, hooks=False)
    after = _run([exe, *listing], env)
    assert NAME not in after, after
    if same_bytes:
        assert config.read_text(encoding="utf-8") == original
    else:
        assert NAME not in config.read_text(encoding="utf-8")
    return listed


def test_copilot_cli_lists_it(program: Path, client_env: Callable[[str], tuple[Path, Env]]) -> None:
    copilot, env = client_env("copilot")
    config = env.home / ".copilot" / "mcp-config.json"
    original = (
        '{\n  "mcpServers": {\n    "other": {"type": "local", "command": "/bin/true"}\n  }\n}\n'
    )
    install([CATALOG["copilot-cli"]], "user", env, dry_run=False, hooks=False)
    got = _run([str(copilot), "mcp", "get", NAME], env)
    assert f"Command: {program} serve" in got and "Status: Enabled" in got, got
    uninstall([CATALOG["copilot-cli"]], "user", env, dry_run=False, hooks=False)
    listed = _round_trip("copilot-cli", str(copilot), ["mcp", "list"], env, config, original)
    assert f"{NAME} (local)" in listed and "other (local)" in listed, listed


def test_qwen_code_lists_it(program: Path, client_env: Callable[[str], tuple[Path, Env]]) -> None:
    qwen, env = client_env("qwen")
    config = env.home / ".qwen" / "settings.json"
    original = '{\n  "mcpServers": {}\n}\n'
    # Qwen Code migrates its own settings file when it runs (it adds "$version" and moves
    # keys), so the bytes after uninstall are Qwen's, not the original's.
    listed = _round_trip(
        "qwen-code", str(qwen), ["mcp", "list"], env, config, original, same_bytes=False
    )
    assert f"{NAME}: {program} serve" in listed, listed


def test_auggie_lists_it(program: Path, client_env: Callable[[str], tuple[Path, Env]]) -> None:
    auggie, env = client_env("auggie")
    config = env.home / ".augment" / "settings.json"
    original = '{\n  "model": "sonnet"\n}\n'
    listed = _round_trip("auggie", str(auggie), ["mcp", "list", "--json"], env, config, original)
    # Without a login it warns that it cannot fetch the account's servers, then lists ours.
    servers = json.JSONDecoder().raw_decode(listed, listed.index("{"))[0]["servers"]
    assert {"name": NAME, "transport": "stdio", "command": f"{program} serve"}.items() <= next(
        s for s in servers if s["name"] == NAME
    ).items(), listed


def test_amp_lists_it(program: Path, client_env: Callable[[str], tuple[Path, Env]]) -> None:
    """Amp's key is the single string "amp.mcpServers"; its settings file is JSONC."""
    amp, env = client_env("amp")
    config = env.home / ".config" / "amp" / "settings.json"
    original = '// mine\n{\n  "amp.notifications.enabled": false, // quiet\n}\n'
    listed = _round_trip("amp", str(amp), ["mcp", "list"], env, config, original)
    line = next((ln for ln in listed.splitlines() if NAME in ln), "")
    assert f"{program} serve" in line, listed


def test_opencode_lists_it(program: Path, client_env: Callable[[str], tuple[Path, Env]]) -> None:
    """opencode's command is one list, program first, under `mcp`; the file is JSONC."""
    opencode, env = client_env("opencode")
    config = env.home / ".config" / "opencode" / "opencode.json"
    original = (
        '{\n  "$schema": "https://opencode.ai/config.json",\n  // mine\n'
        '  "mcp": {\n    "other": {"type": "local", "command": ["/bin/true"], "enabled": false},\n'
        "  },\n}\n"
    )
    listed = _round_trip("opencode", str(opencode), ["mcp", "list"], env, config, original)
    block = listed[listed.index(NAME) :] if NAME in listed else listed
    assert f"{program} serve" in block, listed
