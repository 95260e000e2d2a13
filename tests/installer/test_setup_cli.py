"""The CLI: exit codes, --json shapes, the no-argument flow, help and README coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from task_orchestrator.__main__ import main, setup_main
from task_orchestrator.installer import setup as setup_mod
from task_orchestrator.installer.catalog import load_clients

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def quiet_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real processes and no real client CLIs leak into detection."""
    empty = tmp_path / "emptybin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(setup_mod, "running_process_names", lambda: set())


def test_no_clients_lists_what_it_looked_for(
    program: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup_main([]) == 0
    out = capsys.readouterr().out
    assert "Looked for: Claude Desktop, Claude Code, Cursor" in out
    assert "None of these MCP clients was found" in out
    assert "Continue" in out


def test_no_args_yes_configures_found_clients(
    program: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_home / ".cursor").mkdir()
    (isolated_home / ".gemini").mkdir()
    assert setup_main(["--yes"]) == 0
    out = capsys.readouterr().out
    assert "cursor" in out and "registered" in out and "restart" in out
    assert (isolated_home / ".cursor" / "mcp.json").exists()
    assert (isolated_home / ".gemini" / "settings.json").exists()
    assert not (isolated_home / ".codex").exists()
    assert setup_main(["--yes"]) == 0
    assert "nothing changed" in capsys.readouterr().out


def test_no_args_asks_and_takes_the_answer(
    program: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_home / ".cursor").mkdir()
    (isolated_home / ".gemini").mkdir()
    monkeypatch.setattr("click.prompt", lambda *a, **k: "gemini")
    assert setup_main([]) == 0
    assert (isolated_home / ".gemini" / "settings.json").exists()
    assert not (isolated_home / ".cursor" / "mcp.json").exists()


def test_install_json_and_dry_run(
    program: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup_main(["install", "--client", "cursor", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+++ " in out and "dry run: nothing was written" in out
    assert not (isolated_home / ".cursor").exists()
    assert setup_main(["install", "-c", "cursor", "-c", "zed", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["dry_run"] is False
    assert [c["action"] for c in data["changes"]] == ["installed", "installed"]
    assert set(data["changes"][0]) == {"client", "scope", "file", "action", "message", "via"}


def test_status_json(program: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert setup_main(["install", "-c", "windsurf"]) == 0
    capsys.readouterr()
    assert setup_main(["status", "--json"]) == 0
    rows = {r["client"]: r for r in json.loads(capsys.readouterr().out)}
    assert len(rows) == len(load_clients())
    assert rows["windsurf"]["state"] == "current" and rows["windsurf"]["found"] is True
    assert rows["cursor"]["state"] == "no-file"


def test_status_gives_the_reason_apart_too(
    program: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = isolated_home / ".cursor" / "mcp.json"
    bad.parent.mkdir()
    bad.write_text('{"mcpServers": {"a": 1,,}}', encoding="utf-8")
    assert setup_main(["status", "--json"]) == 0
    rows = {r["client"]: r for r in json.loads(capsys.readouterr().out)}
    # "unparsable: <why>", as --json has always said it; the why alone in "detail".
    assert rows["cursor"]["state"] == "unparsable: " + rows["cursor"]["detail"]
    assert str(bad) in rows["cursor"]["detail"] and "line 1" in rows["cursor"]["detail"]
    assert rows["windsurf"]["detail"] == ""
    assert setup_main(["status", "--scope", "project", "--json"]) == 0
    rows = {r["client"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["claude-desktop"]["state"] == "no-scope"
    assert rows["claude-desktop"]["detail"] == "no project scope"
    assert setup_main(["status"]) == 0
    table = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    assert table["cursor"][3] == "unparsable"


def test_exit_codes(program: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert setup_main(["install", "--client", "nope"]) == 1
    assert "unknown client nope" in capsys.readouterr().err
    assert setup_main(["install", "--scope", "galaxy", "--all"]) == 2
    bad = isolated_home / ".cursor" / "mcp.json"
    bad.parent.mkdir()
    bad.write_text("{oops", encoding="utf-8")
    assert setup_main(["install", "-c", "cursor"]) == 1
    assert setup_main(["restore"]) == 2


def test_uninstall_and_restore_cli(
    program: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = isolated_home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text('{"mcpServers": {}}', encoding="utf-8")
    assert setup_main(["install", "-c", "cursor"]) == 0
    assert setup_main(["uninstall", "-c", "cursor"]) == 0
    assert path.read_text(encoding="utf-8") == '{"mcpServers": {}}'
    assert setup_main(["install", "-c", "cursor"]) == 0
    assert setup_main(["restore", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == '{"mcpServers": {}}'
    assert setup_main(["restore", "--all"]) == 0
    assert "nothing to restore" in capsys.readouterr().out


COMMANDS = [
    ["setup"],
    ["setup", "install"],
    ["setup", "uninstall"],
    ["setup", "status"],
    ["setup", "restore"],
    ["setup", "doctor"],
    ["doctor"],
]


@pytest.mark.parametrize("cmd", COMMANDS, ids=" ".join)
def test_every_command_has_help_and_is_documented(
    cmd: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*cmd, "--help"]) == 0
    assert "Usage:" in capsys.readouterr().out
    readme = README.read_text(encoding="utf-8")
    documented = (
        "orchestrator-setup " + " ".join(cmd[1:])
        if cmd[0] == "setup"
        else "task-orchestrator doctor"
    )
    assert documented.strip() in readme


def test_running_client_is_told_to_restart(
    program: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(setup_mod, "running_process_names", lambda: {"Cursor"})
    assert setup_main(["install", "-c", "cursor", "-c", "junie"]) == 0
    out = capsys.readouterr().out
    assert "cursor: it is running now: Reload Cursor" in out
    assert "junie: Restart" in out


def test_cli_import_stays_light() -> None:
    """The CLI module must not pull pydantic, psutil, tomlkit or mcp in at import."""
    import subprocess
    import sys

    code = (
        "import sys, task_orchestrator.cli; "
        "print(sorted(m for m in ('pydantic', 'psutil', 'tomlkit', 'mcp') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("rows", "state", "detail"),
    [
        ([{"scope": "user", "enabled": True}], "plugin", "plugin enabled at user scope"),
        (
            [{"scope": "project", "enabled": False}],
            "plugin-disabled",
            "plugin installed at project scope but disabled",
        ),
        ([], "no-file", ""),
    ],
)
def test_status_shows_claude_code_served_by_the_plugin(
    program: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rows: list[dict[str, object]],
    state: str,
    detail: str,
) -> None:
    """With the plugin, Claude Code's config file has no entry of ours: status asks
    ``claude plugin list --json`` (here a stand-in that prints its answer) and says so."""
    listed = [{"id": "task-orchestrator@task-orchestrator", **r} for r in rows]
    listed.append({"id": "other@elsewhere", "scope": "user", "enabled": True})
    fake = tmp_path / "fakebin" / "claude"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho '{json.dumps(listed)}'\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    assert setup_main(["status", "--json"]) == 0
    row = {r["client"]: r for r in json.loads(capsys.readouterr().out)}["claude-code"]
    assert (row["state"], row["detail"]) == (state, detail)
    assert row["via"] == ("plugin" if rows else "config")
    assert setup_main(["status"]) == 0
    table = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    assert table["claude-code"][3] == state
