"""End to end, as a new user on the default route: setup installs the Claude Code plugin
(tests/e2e/test_new_user.py takes ``--no-plugin``).

The same wheel, pipx-installed (tests/e2e/conftest.py); a fresh HOME with nothing but a
project and the real claude on PATH; ``orchestrator-setup --yes``. Then ``claude plugin list
--json`` shows our plugin enabled, nothing of ours is in settings.json or ``claude mcp``, and
one scripted-model session with two work prompts makes exactly one task for each (so every
hook fired once) and was offered our tools, which answered. Once per pinned Claude Code
version.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from claude_versions import ClaudeCode
from e2e_support import NAME, Machine, run, user_env
from hooks_fake_model import FakeModel, Turn

from task_orchestrator.core.store import TaskStore
from task_orchestrator.installer import hookreg

pytestmark = [pytest.mark.slow, pytest.mark.realclient]

PLUGIN = "task-orchestrator@task-orchestrator"
STATUS = "mcp__plugin_task-orchestrator_task-orchestrator__orchestrator_get_status"
FIRST = "Implement a CSV export of the orders report, with tests for the totals"
SECOND = "Add a dark mode to the settings page and document how to turn it on"


def _machine(cc: ClaudeCode, pipx: tuple[Path, Path], base: Path) -> Machine:
    clients = base / "clients"
    clients.mkdir()
    (clients / "claude").symlink_to(cc.path.absolute())
    home = base / "home"
    project = home / "src" / "shop-api"
    (project / ".git").mkdir(parents=True)
    pipx_home, pipx_bin = pipx
    env = user_env(home, pipx_bin, clients)
    return Machine(home, project, pipx_home, pipx_bin, clients, env)


def _turn(proc: subprocess.Popen[str], text: str) -> dict[str, Any]:
    """One user message to a ``--input-format stream-json`` session; its result event."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps({"type": "user", "message": {"role": "user", "content": text}}))
    proc.stdin.write("\n")
    proc.stdin.flush()
    for line in proc.stdout:
        event = json.loads(line) if line.startswith("{") else {}
        if event.get("type") == "result":
            return dict(event)
    raise AssertionError(f"the session ended before answering {text!r}")


SCRIPT: list[Turn] = [
    [("tool_use", STATUS, {})],
    [("tool_use", "TaskCreate", {"subject": "Write the exporter", "description": "CSV"})],
    [("text", "All done: the export is planned.")],
    [("text", "All done: dark mode is noted.")],
]


def test_setup_installs_the_plugin_and_a_session_makes_one_task_per_prompt(
    claude_code: ClaudeCode,
    pipx_install: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    cc = claude_code
    m = _machine(cc, pipx_install, tmp_path_factory.mktemp("e2e plugin user ü"))
    report = run([m.script("orchestrator-setup"), "--yes"], m.env, m.home)
    assert "claude-code-plugin" in report and "installed" in report, f"{cc}: {report}"
    claude = m.clients / "claude"
    rows = json.loads(run([claude, "plugin", "list", "--json"], m.env, m.project))
    ours = [r for r in rows if r.get("id") == PLUGIN]
    assert len(ours) == 1 and ours[0]["enabled"] is True, f"{cc}: {rows}"
    settings = m.home / ".claude" / "settings.json"
    text = settings.read_text(encoding="utf-8") if settings.exists() else ""
    assert not any(hookreg.registered_events(text).values()), f"{cc}: hooks in settings.json"
    listed = run([claude, "mcp", "list"], m.env, m.project)
    assert [ln for ln in listed.splitlines() if NAME in ln and "plugin:" not in ln] == [], listed

    with FakeModel(list(SCRIPT)) as model:
        env = {**m.env, "ANTHROPIC_API_KEY": "sk-ant-test-not-a-real-key"}
        env["ANTHROPIC_BASE_URL"] = model.url
        command = [str(claude), "-p", "--input-format", "stream-json"]
        command += ["--output-format", "stream-json", "--verbose"]
        command += ["--allowedTools", f"TaskCreate TaskUpdate {STATUS}"]
        with subprocess.Popen(
            command,
            cwd=m.project,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as proc:
            results = [_turn(proc, FIRST), _turn(proc, SECOND)]
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=60)
    assert not model.errors, f"{cc}: {model.errors}"
    assert [r.get("is_error") for r in results] == [False, False], f"{cc}: {results}"
    assert any(STATUS in str(t.get("name")) for t in model.main_requests[-1].get("tools", [])), (
        f"{cc}: our tools were not offered"
    )
    answered = [r for r in model.tool_results() if "Open" in r or "task_" in r]
    assert answered, f"{cc}: orchestrator_get_status did not answer: {model.tool_results()}"
    last = json.dumps(model.main_requests[-1])
    assert last.count("SessionStart hook additional context: task-orchestrator") == 1, cc
    with TaskStore.open(m.db) as store:
        roots = store.conn.execute(
            "SELECT id, description FROM tasks WHERE parent_id IS NULL ORDER BY created_at"
        ).fetchall()
        assert [r["description"] for r in roots] == [FIRST, SECOND], f"{cc}: {roots}"
        kids = store.children(roots[0]["id"])
        assert [k.title for k in kids] == ["Write the exporter"], f"{cc}: {kids}"
