"""``orchestrator-setup install --team URL``: [team] in config.toml, a remote entry per client
that can reach one, Claude Code's hooks, the token never written; bad input refused with
nothing written; uninstall takes it all back."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from task_orchestrator.__main__ import setup_main
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.root import team_config
from task_orchestrator.installer import setup as setup_mod
from task_orchestrator.installer.catalog import load_clients
from task_orchestrator.installer.writers import writer_for

URL = "https://team.example.com:8443"
VAR = "ACME_TEAM_TOKEN"
TOKEN = "to_the-real-secret-value-0123456789abcdef"
REMOTE = ["claude-code", "codex", "gemini", "cursor", "vscode", "windsurf"]
CATALOG = load_clients()


@pytest.fixture(autouse=True)
def quiet_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real client CLI on PATH (files are edited directly), no running processes; the
    token is in the environment, as on a member's machine."""
    empty = tmp_path / "emptybin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv(VAR, TOKEN)
    monkeypatch.setattr(setup_mod, "running_process_names", lambda: set())


def _args(*clients: str, **more: str) -> list[str]:
    out = ["install", "--team", URL, "--token-env", VAR, "--machine", "laptop-7"]
    for c in clients:
        out += ["-c", c]
    for k, v in more.items():
        out += [f"--{k.replace('_', '-')}", v]
    return out


def _entry(client_id: str) -> object:
    from task_orchestrator.installer.catalog import resolve
    from task_orchestrator.installer.setup import current_env

    client = CATALOG[client_id]
    where = resolve(client, "user", current_env())
    assert where is not None
    text = where.path.read_text(encoding="utf-8")
    return writer_for(client.format).read_entry(text, where.key, "task-orchestrator")


def _tree(*roots: Path) -> dict[str, bytes]:
    out = {}
    for root in roots:
        for folder, _, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                out[str(path)] = path.read_bytes()
    return out


def test_team_install_writes_config_and_remote_entries_and_never_the_token(
    program: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup_main(_args(*REMOTE, "claude-desktop", "zed")) == 0
    out = capsys.readouterr().out
    config = default_paths().config_file
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    team, problems = team_config()
    assert team is not None and not problems
    assert (team.url, team.token_env, team.machine) == (URL, VAR, "laptop-7")
    expected = {
        "claude-code": {
            "type": "http",
            "url": f"{URL}/mcp",
            "headers": {
                "Authorization": f"Bearer ${{{VAR}}}",
                "X-Task-Orchestrator-Machine": "laptop-7",
            },
        },
        "codex": {
            "url": f"{URL}/mcp",
            "bearer_token_env_var": VAR,
            "http_headers": {"X-Task-Orchestrator-Machine": "laptop-7"},
        },
        "gemini": {
            "httpUrl": f"{URL}/mcp",
            "headers": {
                "Authorization": f"Bearer ${{{VAR}}}",
                "X-Task-Orchestrator-Machine": "laptop-7",
            },
        },
        "cursor": {
            "url": f"{URL}/mcp",
            "headers": {
                "Authorization": f"Bearer ${{env:{VAR}}}",
                "X-Task-Orchestrator-Machine": "laptop-7",
            },
        },
        "vscode": {
            "type": "http",
            "url": f"{URL}/mcp",
            "headers": {
                "Authorization": f"Bearer ${{env:{VAR}}}",
                "X-Task-Orchestrator-Machine": "laptop-7",
            },
        },
        "windsurf": {
            "serverUrl": f"{URL}/mcp",
            "headers": {
                "Authorization": f"Bearer ${{env:{VAR}}}",
                "X-Task-Orchestrator-Machine": "laptop-7",
            },
        },
    }
    for client_id, entry in expected.items():
        assert _entry(client_id) == entry, client_id
    # Clients that only start local commands are named, and left alone.
    assert "claude-desktop" in out and "runs local commands only" in out
    assert "connectors" in out
    assert not (isolated_home / ".config" / "zed" / "settings.json").exists()
    # Claude Code's hooks are command hooks by default.
    settings = json.loads((isolated_home / ".claude" / "settings.json").read_text())
    assert all(g[0]["hooks"][0]["type"] == "command" for g in settings["hooks"].values())
    # The token's value is nowhere: not in the home, not under our data root.
    for path, data in _tree(isolated_home, default_paths().root).items():
        assert TOKEN.encode() not in data, path
    # Again: nothing to do.
    assert setup_main(_args(*REMOTE)) == 0
    assert "nothing changed" in capsys.readouterr().out


def test_http_hooks_post_to_the_server_and_session_start_stays_a_command(
    program: Path, isolated_home: Path
) -> None:
    assert setup_main(_args("claude-code", hooks="http")) == 0
    hooks = json.loads((isolated_home / ".claude" / "settings.json").read_text())["hooks"]
    [start] = hooks["SessionStart"][0]["hooks"]
    assert start["type"] == "command" and start["args"][-2:] == ["hook", "SessionStart"]
    [stop] = hooks["Stop"][0]["hooks"]
    assert stop == {
        "type": "http",
        "url": f"{URL}/hooks/Stop",
        "headers": {
            "Authorization": f"Bearer ${{{VAR}}}",
            "X-Task-Orchestrator-Machine": "laptop-7",
        },
        "allowedEnvVars": [VAR],
        "timeout": 5,
    }
    assert hooks["SessionEnd"][0]["hooks"][0]["timeout"] == 2
    assert hooks["PostToolUse"][0]["matcher"]  # matchers stay narrow
    # Back to command hooks: replaced in place, one group per event.
    assert setup_main(_args("claude-code", hooks="command")) == 0
    hooks = json.loads((isolated_home / ".claude" / "settings.json").read_text())["hooks"]
    assert all(len(groups) == 1 for groups in hooks.values())
    assert hooks["Stop"][0]["hooks"][0]["type"] == "command"


def test_uninstall_takes_back_the_entries_the_hooks_and_the_team_table(
    program: Path, isolated_home: Path
) -> None:
    config = default_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    mine = '# my settings\n[hooks]\nmirror = "off"  # quiet\n'
    config.write_text(mine, encoding="utf-8")
    assert setup_main(_args(*REMOTE, hooks="http")) == 0
    assert "[team]" in config.read_text() and 'mirror = "off"  # quiet' in config.read_text()
    assert setup_main(["uninstall", *[a for c in REMOTE for a in ("-c", c)]]) == 0
    assert config.read_text(encoding="utf-8") == mine  # surgically: byte for byte
    assert team_config() == (None, [])
    assert not (isolated_home / ".claude" / "settings.json").exists()
    for client_id in REMOTE:
        assert not _exists(client_id) or _entry(client_id) is None, client_id


def _exists(client_id: str) -> bool:
    from task_orchestrator.installer.catalog import resolve
    from task_orchestrator.installer.setup import current_env

    where = resolve(CATALOG[client_id], "user", current_env())
    return where is not None and where.path.exists()


def test_uninstall_leaves_a_team_servers_own_keys(program: Path) -> None:
    config = default_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[team]\nhook_rate = 5\n", encoding="utf-8")
    assert setup_main(_args("claude-code")) == 0
    assert setup_main(["uninstall", "-c", "claude-code"]) == 0
    assert config.read_text(encoding="utf-8") == "[team]\nhook_rate = 5\n"


def test_a_local_entry_becomes_a_team_entry_keeping_what_the_user_added(
    program: Path, isolated_home: Path
) -> None:
    assert setup_main(["install", "-c", "cursor"]) == 0
    path = isolated_home / ".cursor" / "mcp.json"
    data = json.loads(path.read_text())
    data["mcpServers"]["task-orchestrator"]["disabledTools"] = ["orchestrator_delete_task"]
    path.write_text(json.dumps(data))
    assert setup_main(_args("cursor")) == 0
    entry = _entry("cursor")
    assert isinstance(entry, dict)
    assert "command" not in entry and "args" not in entry
    assert entry["url"] == f"{URL}/mcp"
    assert entry["disabledTools"] == ["orchestrator_delete_task"]
    # A later plain install on this machine (a client added) is the team's too, and keeps
    # the hook mode chosen.
    assert setup_main(["install", "-c", "codex"]) == 0
    codex = _entry("codex")
    assert isinstance(codex, dict) and codex["bearer_token_env_var"] == VAR
    assert "command" not in codex
    # Leaving the team: uninstall with Claude Code (whose hooks read [team]) takes it away,
    # and a plain install is local again.
    assert setup_main(["uninstall", "--all"]) == 0
    assert team_config() == (None, [])
    assert setup_main(["install", "-c", "cursor"]) == 0
    entry = _entry("cursor")
    assert isinstance(entry, dict) and entry["command"] == str(program) and "url" not in entry


def test_a_later_plain_install_keeps_the_http_hooks(program: Path, isolated_home: Path) -> None:
    assert setup_main(_args("claude-code", hooks="http")) == 0
    assert 'hooks = "http"' in default_paths().config_file.read_text()
    assert setup_main(["install", "-c", "claude-code"]) == 0
    hooks = json.loads((isolated_home / ".claude" / "settings.json").read_text())["hooks"]
    assert hooks["Stop"][0]["hooks"][0]["type"] == "http"
    # --team again without --hooks: command hooks, the default, and [team] says so.
    assert setup_main(_args("claude-code")) == 0
    hooks = json.loads((isolated_home / ".claude" / "settings.json").read_text())["hooks"]
    assert hooks["Stop"][0]["hooks"][0]["type"] == "command"
    assert "hooks =" not in default_paths().config_file.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "ftp://team.example.com"], "is not an http:// or https:// URL"),
        (["--team", "team.example.com"], "is not an http:// or https:// URL"),
        (["--team", "https://bob:pw@team.example.com"], "user or password"),
        (["--team", "https://team.example.com/?x=1"], "no query"),
        (["--team", URL, "--token-env", "1BAD"], "is not an environment variable name"),
        (["--team", URL, "--token-env", "MY-TOKEN"], "is not an environment variable name"),
        (["--team", URL, "--machine", "a\tb"], "is not a machine name"),
        (["--token-env", VAR], "go with --team"),
        (["--hooks", "http"], "go with --team"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    program: Path,
    isolated_home: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    before = _tree(isolated_home, default_paths().root)
    code = setup_main(["install", "-c", "cursor", "-c", "claude-code", *args])
    assert code != 0
    captured = capsys.readouterr()
    assert message in captured.err + captured.out
    assert _tree(isolated_home, default_paths().root) == before


@pytest.mark.parametrize("broken", ["cursor", "claude-hooks", "config"])
def test_a_broken_file_stops_the_team_install_before_any_write(
    program: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str], broken: str
) -> None:
    if broken == "cursor":
        path = isolated_home / ".cursor" / "mcp.json"
        text = '{"mcpServers": {"other": {"command": "x",}'
    elif broken == "claude-hooks":
        path = isolated_home / ".claude" / "settings.json"
        text = '{"hooks": [1, 2'
    else:
        path = default_paths().config_file
        text = "[team\nurl = 1\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    before = _tree(isolated_home, default_paths().root)
    assert setup_main(_args("cursor", "claude-code", "codex")) != 0
    err = capsys.readouterr().err
    assert str(path) in err and "nothing was written" in err
    assert _tree(isolated_home, default_paths().root) == before


def test_status_compares_with_the_remote_entry_on_a_members_machine(
    program: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup_main(_args("codex")) == 0
    capsys.readouterr()
    assert setup_main(["status", "--json"]) == 0
    rows = {r["client"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["codex"]["state"] == "current"


def test_the_team_options_are_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert setup_main(["install", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--team", "--token-env", "--machine", "--hooks"):
        assert option in out


def test_doctor_on_a_members_machine_names_what_to_export(
    program: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup_main(_args("cursor")) == 0
    monkeypatch.delenv(VAR)
    capsys.readouterr()
    assert setup_main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    checks = {c["check"]: c for c in report["checks"]}
    assert not checks["team token"]["ok"] and f"export {VAR}=" in checks["team token"]["fix"]
    assert checks["cursor: team entry"]["ok"]
    assert "store healthy" not in checks  # no local store on a member's machine


def test_a_dry_run_shows_the_diffs_and_writes_nothing(
    program: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _tree(isolated_home, default_paths().root)
    assert setup_main([*_args("codex", "claude-code", hooks="http"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+[team]" in out and f'+url = "{URL}"' in out
    assert f'+bearer_token_env_var = "{VAR}"' in out
    assert "dry run: nothing was written" in out
    assert _tree(isolated_home, default_paths().root) == before


def test_doctor_names_a_bad_team_setting(
    program: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup_main(_args("cursor")) == 0
    monkeypatch.delenv(VAR)  # no request to the example URL: the config check is the point
    config = default_paths().config_file
    config.write_text(config.read_text() + "timeout = 500\n", encoding="utf-8")
    capsys.readouterr()
    assert setup_main(["doctor", "--json"]) == 1
    checks = {c["check"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert not checks["team config"]["ok"]
    assert "team.timeout = 500 is not a number in 0.1..30.0" in checks["team config"]["detail"]
