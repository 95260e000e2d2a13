"""End to end on a member's machine, offline: a throwaway PostgreSQL made a team's with the
real ``task-orchestrator team init`` and ``team add-user``, a real team server process on
it, a fresh member HOME set up with ``orchestrator-setup install --team URL``, and the real
Claude Code (each version the tests pin) driven by the scripted model (tests/hooks/
hooks_fake_model.py): a work prompt becomes one task on the server, created by the member,
with its plan mirrored and completed; the same with ``--hooks http``; and with the server
stopped in the middle of the session and started again, the next hook sends what waited and
nothing is lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from claude_versions import ClaudeCode
from team_support import TeamServer, free_port, teamserver

_HOOKS = str(Path(__file__).resolve().parents[1] / "hooks")
if _HOOKS not in sys.path:
    sys.path.insert(0, _HOOKS)

from hooks_fake_model import FakeModel  # noqa: E402

from task_orchestrator.__main__ import setup_main  # noqa: E402
from task_orchestrator.core.paths import default_paths  # noqa: E402
from task_orchestrator.core.store import TaskStore  # noqa: E402
from task_orchestrator.hooks import team as team_hooks  # noqa: E402
from task_orchestrator.installer import setup as setup_mod  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.realclient]

VAR = "TASK_ORCHESTRATOR_TEAM_TOKEN"
PROMPT = (
    "Implement a REST API for tasks with endpoints to create, list and delete them, "
    "and write tests for it"
)
SCRIPT: list[Any] = [
    [("tool_use", "TaskCreate", {"subject": "Design the API", "description": "Sketch it",
                                 "activeForm": "Designing the API"})],
    [("tool_use", "TaskCreate", {"subject": "Write the tests", "description": "Cover it",
                                 "activeForm": "Writing the tests"})],
    [("tool_use", "TaskUpdate", {"taskId": "1", "status": "in_progress"})],
    [("tool_use", "TaskUpdate", {"taskId": "1", "status": "completed"})],
    [("tool_use", "TaskUpdate", {"taskId": "2", "status": "in_progress"})],
    [("tool_use", "TaskUpdate", {"taskId": "2", "status": "completed"})],
    [("text", "All done: the API is designed and its tests are written.")],
]  # fmt: skip
TOOLS = "TaskCreate TaskUpdate TaskList TaskGet"


def _cli(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-I", "-m", "task_orchestrator", *args, "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


class Team:
    """The team's database, its server on a fixed port (so it can be stopped and started
    again at the address the member's config names), and alice's token."""

    def __init__(self, url: str, logs: Path) -> None:
        self.url = url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logs = logs
        env = {**os.environ, "TASK_ORCHESTRATOR_STORE_URL": url}
        _cli(["team", "init", "acme"], env)
        self.token = str(_cli(["team", "add-user", "alice"], env)["token"])
        self.server: TeamServer | None = None

    def start(self) -> None:
        env = {"TASK_ORCHESTRATOR_STORE_URL": self.url}
        self.server = teamserver.start(self.logs, env, port=self.port)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def tasks(self) -> list[tuple[str, str, str, str]]:
        """(title, status, parent title, created_by) of every task, by title."""
        with TaskStore.open(self.url) as store:
            rows = store.conn.execute(
                "SELECT t.title, t.status, COALESCE(p.title, ''), t.created_by FROM tasks t "
                "LEFT JOIN tasks p ON p.id = t.parent_id ORDER BY t.title"
            ).fetchall()
        return [tuple(r) for r in rows]


@pytest.fixture
def team(pg_url: str, tmp_path: Path) -> Iterator[Team]:
    # pg_url's database is migrated; team init makes it a team's (no team yet).
    made = Team(pg_url, tmp_path / "server.log")
    made.start()
    try:
        yield made
    finally:
        made.stop()


def _member(
    team: Team, claude: ClaudeCode, monkeypatch: pytest.MonkeyPatch, *more: str
) -> dict[str, str]:
    """A fresh member's machine: `orchestrator-setup install --team URL` with claude on
    PATH, and the environment Claude Code runs in (the token exported, nothing local)."""
    monkeypatch.setenv("PATH", f"{claude.path.parent}:/usr/local/bin:/usr/bin:/bin")
    monkeypatch.setenv(VAR, team.token)
    monkeypatch.delenv("TASK_ORCHESTRATOR_STORE_URL", raising=False)
    monkeypatch.setattr(setup_mod, "running_process_names", lambda: set())
    assert setup_main(["install", "--team", team.base, "-c", "claude-code", *more]) == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env.update(
        ANTHROPIC_API_KEY="sk-ant-test-not-a-real-key",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
        DISABLE_AUTOUPDATER="1",
    )
    return env


def _session(claude: ClaudeCode, script: list[Any], cwd: Path, env: dict[str, str]) -> None:
    with FakeModel(script) as model:
        proc = subprocess.run(
            [str(claude.path), "-p", PROMPT, "--output-format", "json", "--allowedTools", TOOLS],
            cwd=cwd, env={**env, "ANTHROPIC_BASE_URL": model.url},
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert proc.returncode == 0, f"{claude}: {proc.stderr[-2000:]}"
        assert not model.errors, model.errors
    result = json.loads(proc.stdout)
    assert "All done" in str(result["result"]), result


def _planned(team: Team) -> None:
    """One task made from the prompt, by alice, its two steps mirrored and all completed."""
    tasks = team.tasks()
    parents = [t for t in tasks if not t[2]]
    assert len(parents) == 1 and parents[0][0].startswith("Implement a REST API"), tasks
    title = parents[0][0]
    assert sorted(tasks) == sorted(
        [
            (title, "completed", "", "alice"),
            ("Design the API", "completed", title, "alice"),
            ("Write the tests", "completed", title, "alice"),
        ]
    ), tasks
    assert not default_paths().db.exists()  # the member's machine keeps no store


@pytest.mark.parametrize("hooks", ["command", "http"])
def test_a_members_work_prompt_becomes_one_task_on_the_team_server(
    team: Team,
    claude_code: ClaudeCode,
    workspace_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    hooks: str,
) -> None:
    env = _member(team, claude_code, monkeypatch, "--hooks", hooks)
    _session(claude_code, SCRIPT, workspace_dir, env)
    _planned(team)
    assert team_hooks.waiting() == 0


def test_the_server_stopped_mid_session_loses_nothing(
    team: Team, claude_code: ClaudeCode, workspace_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _member(team, claude_code, monkeypatch)

    def stop_server(_: dict[str, Any]) -> list[Any]:
        # Both steps exist on the server; the rest of the session happens while it is down.
        team.stop()
        return SCRIPT[2]

    _session(claude_code, [*SCRIPT[:2], stop_server, *SCRIPT[3:]], workspace_dir, env)
    assert team_hooks.waiting() > 0  # the updates, Stop and SessionEnd wait
    team.start()
    # The next hook (a new session's start) sends them, oldest first, then itself.
    hook = subprocess.run(
        [sys.executable, "-I", "-m", "task_orchestrator", "hook", "SessionStart"],
        input=json.dumps(
            {"session_id": "next-session", "cwd": str(workspace_dir),
             "hook_event_name": "SessionStart", "source": "startup"}
        ).encode(),
        env=env, capture_output=True, timeout=60,
    )  # fmt: skip
    assert hook.returncode == 0, hook.stderr
    deadline = time.monotonic() + 30
    while team_hooks.waiting() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert team_hooks.waiting() == 0
    _planned(team)
