"""doctor: a real MCP handshake against a tiny server written here (the real server is built
in another issue), plus file, entry, command, hooks and store checks with their fixes."""

from __future__ import annotations

import json
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from task_orchestrator.__main__ import main
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.installer import doctor, launcher
from task_orchestrator.installer.catalog import Env, load_clients
from task_orchestrator.installer.setup import install

TINY_SERVER = '''
from mcp.server.mcpserver import MCPServer

app = MCPServer("tiny")


@app.tool()
def ping() -> str:
    """Answer pong."""
    return "pong"


@app.tool()
def echo(text: str) -> str:
    """Echo the text."""
    return text


app.run()
'''
TINY_TOOLS = 2


@pytest.fixture
def tiny_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A registered program that serves two tools over stdio, started by absolute path."""
    server = tmp_path / "tiny_server.py"
    server.write_text(TINY_SERVER, encoding="utf-8")
    prog = tmp_path / "bin dir" / "task-orchestrator"
    prog.parent.mkdir()
    prog.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{server}"\n', encoding="utf-8")
    prog.chmod(prog.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(launcher, "registered_program", lambda: prog)
    return prog


def test_expected_tools_is_the_products_sixteen() -> None:
    assert doctor.EXPECTED_TOOLS == 16


def test_handshake_with_minimal_path(tiny_program: Path) -> None:
    assert sorted(doctor.handshake(str(tiny_program), ["serve"])) == ["echo", "ping"]


def test_handshake_failures_are_user_errors(tmp_path: Path) -> None:
    from task_orchestrator.errors import UserError

    with pytest.raises(UserError, match="failed"):
        doctor.handshake("/bin/true", [])
    with pytest.raises(UserError, match="no MCP answer"):
        doctor.handshake("/bin/sleep", ["30"], timeout=1)


def test_doctor_all_good(tiny_program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    catalog = load_clients()
    install([catalog["cursor"], catalog["claude-code"]], "user", env, dry_run=False, hooks=True)
    report = doctor.run_doctor(env, expected_tools=TINY_TOOLS)
    assert report.ok, [c for c in report.checks if not c.ok]
    names = [c.name for c in report.checks]
    assert "cursor: file parses" in names and "hooks (user)" in names and "store healthy" in names
    assert any(n.startswith("MCP handshake") for n in names)


def test_doctor_names_the_fix(tiny_program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    catalog = load_clients()
    install([catalog["cursor"], catalog["gemini"]], "user", env, dry_run=False, hooks=False)
    (env.home / ".cursor" / "mcp.json").write_text("{broken", encoding="utf-8")
    (env.home / ".gemini" / "settings.json").write_text('{"mcpServers": {}}', encoding="utf-8")
    report = doctor.run_doctor(env, expected_tools=TINY_TOOLS)
    bad = {c.name: c for c in report.checks if not c.ok}
    assert "orchestrator-setup restore" in bad["cursor: file parses"].fix
    assert (
        bad["gemini: entry present"].fix
        == "orchestrator-setup install --client gemini --scope user"
    )


def test_doctor_counts_tools(tiny_program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    install([load_clients()["cursor"]], "user", env, dry_run=False, hooks=False)
    report = doctor.run_doctor(env)  # the product's 16; the tiny server has 2
    [hs] = [c for c in report.checks if c.name.startswith("MCP handshake")]
    assert not hs.ok and "2 tools (expected 16)" in hs.detail


def test_doctor_cli_json_and_exit_code(program: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--json"]) == 1  # nothing configured yet
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert all(set(c) == {"check", "ok", "detail", "fix"} for c in data["checks"])
    assert any(
        c["check"] == "clients configured" and c["fix"] == "orchestrator-setup"
        for c in data["checks"]
    )


def test_handshake_failure_quotes_the_servers_stderr(tmp_path: Path) -> None:
    from task_orchestrator.errors import UserError

    prog = tmp_path / "broken"
    prog.write_text("#!/bin/sh\necho 'boom: no database' >&2\nexit 3\n", encoding="utf-8")
    prog.chmod(0o755)
    with pytest.raises(UserError, match="it said: boom: no database"):
        doctor.handshake(str(prog), ["serve"])


def _store_check(report: doctor.Report) -> doctor.Check:
    [check] = [c for c in report.checks if c.name == "store healthy"]
    return check


def test_doctor_store_not_created_yet_is_fine_and_not_created(env_for: Callable[..., Env]) -> None:
    paths = default_paths()
    check = _store_check(doctor.run_doctor(env_for()))
    assert check.ok and "not created yet" in check.detail
    assert not paths.db.exists()


def test_doctor_explains_a_deleted_store(env_for: Callable[..., Env]) -> None:
    paths = default_paths()
    TaskStore.open(paths.db).close()
    paths.db.unlink()
    check = _store_check(doctor.run_doctor(env_for()))
    assert not check.ok and f"{paths.db} does not exist" in check.detail
    assert "deleted or moved" in check.detail
    assert f"put the file back at {paths.db}" in check.fix and "empty store" in check.fix
    assert not paths.db.exists()


def test_doctor_explains_a_store_that_is_not_sqlite(env_for: Callable[..., Env]) -> None:
    paths = default_paths()
    paths.db.parent.mkdir(parents=True)
    paths.db.write_bytes(b"<html>a sync tool's error page</html>")
    check = _store_check(doctor.run_doctor(env_for()))
    assert not check.ok and "is not a SQLite database" in check.detail
    assert f"move {paths.db} aside" in check.fix
    assert paths.db.read_bytes() == b"<html>a sync tool's error page</html>"


@pytest.mark.slow
def test_doctor_handshake_does_not_recreate_a_deleted_store(env_for: Callable[..., Env]) -> None:
    # The real server creates a store on start; doctor's handshake must not, where the
    # user's was deleted.
    env = env_for()
    install([load_clients()["cursor"]], "user", env, dry_run=False, hooks=False)
    paths = default_paths()
    TaskStore.open(paths.db).close()
    paths.db.unlink()
    report = doctor.run_doctor(env)
    [hs] = [c for c in report.checks if c.name.startswith("MCP handshake")]
    assert hs.ok, hs
    assert not _store_check(report).ok
    assert not paths.db.exists()
