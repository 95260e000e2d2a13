"""``POST /hooks/{EVENT}``: a member's real Claude Code events, posted in order, make the
tasks a local hook makes from them; the limits answer as the contract says."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from team_support import (
    FIXTURES,
    Team,
    TeamServer,
    post_hook,
    request,
    session_events,
    start_server,
)

from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks import protocol, runner

#: The 2.1.197 session's events in the order they fired (tests/hooks/data/fixtures/README.md).
ORDER_197 = [
    "SessionStart", "UserPromptSubmit", "TaskCreated", "PostToolUse-TaskCreate",
    "PostToolUse-TaskUpdate", "PostToolUse-mcp__tiny__make_task", "PostToolUse-Write",
    "TaskCompleted", "PostToolUse-TaskUpdate-completed", "PostToolUseFailure-Read",
    "SubagentStart", "SubagentStop", "Stop", "SessionEnd",
]  # fmt: skip


def events_197() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name in ORDER_197:
        payload = json.loads((FIXTURES / "fixtures" / f"{name}.json").read_text())
        out.append((payload["hook_event_name"], payload))
    return out


SESSIONS = {"2.1.197": events_197, "2.1.332": session_events}


def shape(store: TaskStore) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Every task as a hook leaves it: title, status, its parent's title, and the files it
    touched; the sessions opened and closed."""
    rows = store.conn.execute(
        "SELECT t.title, t.status, COALESCE(p.title, ''), t.context FROM tasks t "
        "LEFT JOIN tasks p ON p.id = t.parent_id ORDER BY t.title"
    ).fetchall()
    out = []
    for title, status, parent, context in rows:
        files = json.loads(context or "{}").get("files", [])
        out.append((title, status, parent, tuple(f.rsplit("/", 1)[-1] for f in files)))
    return out


def sessions(store: TaskStore) -> list[tuple[str, str]]:
    rows = store.conn.execute("SELECT client, status FROM sessions ORDER BY client").fetchall()
    return [(r[0], r[1]) for r in rows]


def run_locally(events: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """The same events through the local hooks (hooks/runner.py) on this test's SQLite store."""
    answers = []
    for name, payload in events:
        answers.append(runner.dispatch(name, json.dumps(payload).encode()))
        protocol.take_after()  # git facts: no repository here, nothing to record
    return answers


@pytest.mark.parametrize("version", sorted(SESSIONS))
def test_a_session_makes_the_tasks_a_local_hook_makes(
    server: TeamServer, team: Team, version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = SESSIONS[version]()
    answers = []
    for name, payload in events:
        status, _, body = post_hook(server, team.tokens["bob"], name, payload, machine="m2")
        assert status == 200, (name, body)
        answers.append(body)
    with TaskStore.open(team.url) as store:
        remote, remote_sessions = shape(store), sessions(store)
        stamps = store.conn.execute("SELECT DISTINCT created_by, created_on FROM tasks").fetchall()
        ws = store.workspace_at("m2", "/home/user/project")
    assert [tuple(s) for s in stamps] == [("bob", "m2")]
    assert ws is not None and ws.path == "m2:/home/user/project"
    assert any(t[1] == "completed" and t[2] for t in remote), remote  # the list was mirrored

    monkeypatch.delenv("TASK_ORCHESTRATOR_STORE_URL")
    local_answers = run_locally(events)
    from task_orchestrator.core.paths import default_paths

    with TaskStore.open(default_paths().db) as store:
        assert shape(store) == remote
        assert sessions(store) == remote_sessions
    # The same answers, but for what names the workspace (a key there, a folder here).
    assert [bool(a) for a in answers] == [bool(a) for a in local_answers]
    start = answers[0]["hookSpecificOutput"]["additionalContext"]
    assert "m2:/home/user/project" in start


def test_a_member_hook_client_names_the_workspace(server: TeamServer, team: Team) -> None:
    """Our hook client sends the key it worked out and the folder; an MCP client of that
    machine naming a subfolder then finds the same workspace."""
    name, payload = session_events()[1]
    headers = {
        "X-Task-Orchestrator-Workspace": "github.com/acme/app",
        "X-Task-Orchestrator-Root": "/home/user/project",
    }
    status, _, _ = post_hook(server, team.tokens["alice"], name, payload, headers=headers)
    assert status == 200
    with TaskStore.open(team.url) as store:
        ws = store.workspace_at("m1", "/home/user/project/src")
        assert ws is not None and ws.path == "github.com/acme/app"
        task = store.conn.execute("SELECT workspace_id, created_by FROM tasks").fetchone()
        assert (task[0], task[1]) == (ws.id, "alice")


def test_unknown_event_bad_body_and_size(server: TeamServer, team: Team) -> None:
    token = team.tokens["bob"]
    status, _, body = post_hook(server, token, "NoSuchEvent", {"session_id": "s", "cwd": "/a"})
    assert status == 404 and "NoSuchEvent" in body["error"]
    url = f"{server.base}/hooks/UserPromptSubmit"
    status, _, body = request("POST", url, token=token, body=b"{not json")
    assert status == 400 and "not JSON" in body["error"]
    big = {"session_id": "s", "cwd": "/srv/app", "prompt": "x" * (1024 * 1024)}
    status, _, body = post_hook(server, token, "UserPromptSubmit", big)
    assert status == 413
    status, got, _ = request("GET", url, token=token)
    assert status == 405 and got["allow"] == "POST"
    no_session = {"cwd": "/srv/app", "prompt": "build the thing with a plan"}
    status, _, body = post_hook(server, token, "UserPromptSubmit", no_session)
    assert status == 400 and "session_id" in body["error"]
    with TaskStore.open(team.url) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


def test_over_the_rate_is_429_with_retry_after(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "rated"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text("[team]\nhook_rate = 0.5\n")
    server = start_server(tmp_path / "rated.log", {"TASK_ORCHESTRATOR_HOME": str(home)})
    try:
        payload = {"session_id": "s1", "cwd": "/srv/app", "hook_event_name": "Stop"}
        # A burst of 10 s worth (5 events) goes through, the next one waits.
        codes = [post_hook(server, team.tokens["bob"], "Stop", payload)[0] for _ in range(5)]
        assert codes == [200] * 5
        status, got, body = post_hook(server, team.tokens["bob"], "Stop", payload)
        assert status == 429 and int(got["retry-after"]) >= 1 and "bob" in body["error"]
        # Another member has a bucket of their own.
        assert post_hook(server, team.tokens["alice"], "Stop", payload)[0] == 200
    finally:
        server.stop()


def test_store_unavailable_is_503_then_recovers(
    server: TeamServer, team: Team, pg_server: Any
) -> None:
    name, payload = session_events()[1]
    token = team.tokens["bob"]
    assert post_hook(server, token, "Stop", {"session_id": "x", "cwd": "/srv/a"})[0] == 200
    from psycopg.conninfo import conninfo_to_dict

    database = conninfo_to_dict(team.url)["dbname"]
    pg_server.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    pg_server.admin(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
    )
    try:
        status, got, body = post_hook(server, token, name, payload)
        assert status == 503 and int(got["retry-after"]) >= 1, body
        assert "unavailable" in body["error"]
    finally:
        pg_server.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    deadline = time.monotonic() + 10
    while (status := post_hook(server, token, name, payload)[0]) != 200:
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    with TaskStore.open(team.url) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] >= 1
