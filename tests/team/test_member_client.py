"""A member's machine against a real team server process on PostgreSQL: after
``orchestrator-setup install --team URL`` the real hook command posts a recorded Claude Code
session to the server, which makes the tasks as the member; with the server down the events
wait in the spool and go, in order, once it is back; a revoked token is refused and not kept;
doctor's team checks name the member."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from team_support import Team, TeamServer, free_port, session_events, teamserver

from task_orchestrator.__main__ import setup_main
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks import team as team_hooks
from task_orchestrator.installer import launcher
from task_orchestrator.installer import setup as setup_mod
from task_orchestrator.installer.doctor import Report
from task_orchestrator.installer.team_doctor import check_team

VAR = "ACME_TOKEN"


def _serve(port: int, log: Path) -> TeamServer:
    """A team server on ``port`` (the one a member's config names, so it can come back)."""
    return teamserver.start(log, port=port)


def _member_env(token: str) -> dict[str, str]:
    """A member's machine: the token in the environment, no store URL of its own."""
    env = {k: v for k, v in os.environ.items() if k != "TASK_ORCHESTRATOR_STORE_URL"}
    env[VAR] = token
    return env


def _install(base: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "emptybin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(setup_mod, "running_process_names", lambda: set())
    monkeypatch.setattr(launcher, "registered_program", lambda: Path(sys.executable))
    code = setup_main(
        [
            *("install", "--team", base, "--token-env", VAR),
            *("--machine", "alice-laptop", "-c", "claude-code"),
        ]
    )
    assert code == 0


def _hook(event: str, payload: dict[str, Any], env: dict[str, str]) -> dict[str, Any] | None:
    proc = subprocess.run(
        [sys.executable, "-I", "-m", "task_orchestrator", "hook", event],
        input=json.dumps(payload).encode(),
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode().strip()
    return json.loads(text) if text else None


def _tasks(team: Team) -> list[tuple[str, str, str, str]]:
    with TaskStore.open(team.url) as store:
        rows = store.conn.execute(
            "SELECT title, status, created_by, created_on FROM tasks ORDER BY title"
        ).fetchall()
    return [tuple(r) for r in rows]


def _session(project: Path) -> list[tuple[str, dict[str, Any]]]:
    """The recorded 2.1.332 session, moved to ``project`` on this machine, with session and
    prompt ids of its own (a session is one workspace's)."""
    import uuid

    events = session_events()
    ids = {p["session_id"] for _, p in events} | {
        str(p["prompt_id"]) for _, p in events if p.get("prompt_id")
    }
    fresh = {old: str(uuid.uuid4()) for old in ids}
    out = []
    for name, payload in events:
        text = json.dumps(payload)
        cwd = payload.get("cwd", "")
        if cwd:
            text = text.replace(json.dumps(cwd)[1:-1], str(project))
        for old, new in fresh.items():
            text = text.replace(old, new)
        out.append((name, json.loads(text)))
    return out


def test_a_members_session_makes_tasks_on_the_server_as_the_member(
    server: TeamServer,
    team: Team,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _install(server.base, monkeypatch, tmp_path)
    project = tmp_path / "app"
    (project / ".git").mkdir(parents=True)
    (project / ".git" / "config").write_text(
        '[remote "origin"]\n\turl = git@github.com:acme/app.git\n', encoding="utf-8"
    )
    env = _member_env(team.tokens["alice"])
    for name, payload in _session(project):
        _hook(name, payload, env)
    tasks = _tasks(team)
    assert tasks, "the session made no task on the server"
    assert {(by, on) for _, _, by, on in tasks} == {("alice", "alice-laptop")}
    with TaskStore.open(team.url) as store:
        keys = [r[0] for r in store.conn.execute("SELECT path FROM workspaces").fetchall()]
    assert "github.com/acme/app" in keys
    # Nothing local: no store file, nothing waiting.
    assert not default_paths().db.exists()
    assert team_hooks.waiting() == 0
    # Doctor on this machine: the variable, the server naming the member, the empty spool.
    report = Report()
    assert check_team(report, default_paths(), env)
    checks = {c.name: c for c in report.checks}
    assert checks["team token"].ok
    assert (
        checks["team server answers"].ok and "member alice" in checks["team server answers"].detail
    )
    assert checks["team spool"].ok
    # The whole `task-orchestrator doctor` on this machine: the team's checks, no local ones.
    proc = subprocess.run(
        [sys.executable, "-I", "-m", "task_orchestrator", "doctor", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report_json = json.loads(proc.stdout)
    assert proc.returncode == 0 and report_json["ok"], report_json
    names = {c["check"] for c in report_json["checks"]}
    assert {"team server answers", "claude-code: team entry", "hooks (user)"} <= names
    assert "store healthy" not in names


def _shape(team: Team, root: Path) -> list[tuple[str, str, str]]:
    """Title, status and parent title of every task of the workspace at ``root``."""
    key = f"alice-laptop:{root}"
    with TaskStore.open(team.url) as store:
        rows = store.conn.execute(
            "SELECT t.title, t.status, COALESCE(p.title, '') FROM tasks t "
            "JOIN workspaces w ON w.id = t.workspace_id "
            "LEFT JOIN tasks p ON p.id = t.parent_id WHERE w.path = ? ORDER BY t.title",
            (key,),
        ).fetchall()
    return [tuple(r) for r in rows]


def test_events_sent_while_the_server_is_down_arrive_in_order_when_it_is_back(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    _install(base, monkeypatch, tmp_path)
    env = _member_env(team.tokens["alice"])
    steady, bumpy = tmp_path / "steady", tmp_path / "bumpy"
    steady.mkdir()
    bumpy.mkdir()
    server = _serve(port, tmp_path / "server.log")
    try:
        # The same session twice: once with the server up throughout...
        for name, payload in _session(steady):
            _hook(name, payload, env)
        # ...and once with the server stopped half way and started again.
        events = _session(bumpy)
        half = len(events) // 2
        for name, payload in events[:half]:
            _hook(name, payload, env)
    finally:
        server.stop()
    for name, payload in events[half:-1]:
        started = time.monotonic()
        _hook(name, payload, env)
        assert time.monotonic() - started < 5  # fail open at once, never hold Claude Code
    waiting = team_hooks.waiting()
    assert waiting == len(events[half:-1]) > 0
    report = Report()
    check_team(report, default_paths(), env)
    checks = {c.name: c for c in report.checks}
    assert not checks["team server answers"].ok
    assert "cannot connect" in checks["team server answers"].detail
    assert not checks["team spool"].ok
    assert f"{waiting} hook event(s) wait" in checks["team spool"].detail
    server = _serve(port, tmp_path / "server.log")
    try:
        # The next event (SessionEnd, the session's last) queues behind the spooled ones,
        # and its hook's child sends them all, in order, after the answer.
        name, payload = events[-1]
        assert name == "SessionEnd"
        _hook(name, payload, env)
        deadline = time.monotonic() + 30
        while team_hooks.waiting() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert team_hooks.waiting() == 0
        assert not Path(team_hooks.spool_path()).exists()
    finally:
        log = server.stop()
    steady_tasks, bumpy_tasks = _shape(team, steady), _shape(team, bumpy)
    assert steady_tasks, log[-2000:]
    assert bumpy_tasks == steady_tasks  # nothing lost, nothing out of order


def test_a_revoked_token_is_refused_and_the_event_is_not_kept(
    server: TeamServer, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(server.base, monkeypatch, tmp_path)
    with TaskStore.open(team.url) as store:
        store.revoke_member("alice")
    time.sleep(2.5)  # the server's auth cache holds a token at most 2 s
    project = tmp_path / "app"
    project.mkdir()
    env = _member_env(team.tokens["alice"])
    payload = next(p for n, p in _session(project) if n == "UserPromptSubmit")
    answer = _hook("UserPromptSubmit", payload, env)
    assert answer is not None and f"refused the token in {VAR}" in answer["systemMessage"]
    assert team_hooks.waiting() == 0
    report = Report()
    check_team(report, default_paths(), env)
    health = {c.name: c for c in report.checks}["team server answers"]
    assert not health.ok and "401" in health.detail
    log = (default_paths().logs / "hooks.log").read_text(encoding="utf-8")
    assert team.tokens["alice"] not in log
