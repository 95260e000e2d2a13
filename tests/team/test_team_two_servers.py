"""Two team servers on one database, two members at once: each member's real Claude Code
session is posted event by event, alternately to both servers, while each member's MCP
client plans, executes, completes and updates tasks of the shared workspace on its own
server. Every event lands once, no update is lost, and each member sees the other's work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from team_support import Team, TeamServer, post_hook, session_events, start_server

from task_orchestrator.core.store import TaskStore

pytestmark = pytest.mark.anyio

KEY = "github.com/acme/app"
MEMBERS = {  # member: (machine, the folder the repository is in on that machine)
    "bob": ("bob-laptop", "/home/bob/src/app"),
    "alice": ("alice-mac", "/Users/alice/work/app"),
}
UPDATES = 8  # context updates per member on the shared task


def member_session(member: str) -> list[tuple[str, dict[str, Any]]]:
    """The 2.1.332 session as ``member`` would send it: their session id and folder."""
    _, root = MEMBERS[member]
    out = []
    for name, payload in session_events():
        text = json.dumps(payload).replace("/home/user/project", root)
        moved = json.loads(text.replace(payload["session_id"], f"{member}-session"))
        out.append((name, moved))
    return out


def post_all(servers: list[TeamServer], team: Team, member: str, events: list[Any]) -> list[int]:
    machine, root = MEMBERS[member]
    headers = {"X-Task-Orchestrator-Workspace": KEY, "X-Task-Orchestrator-Root": root}
    codes = []
    for i, (name, payload) in enumerate(events):
        server = servers[(i + (member == "alice")) % 2]
        status, _, body = post_hook(
            server, team.tokens[member], name, payload, machine=machine, headers=headers
        )
        assert status == 200, (member, name, body)
        codes.append(status)
    return codes


async def call(c: Client, name: str, args: dict[str, Any] | None = None) -> Any:
    r = await c.call_tool(name, args or {})
    text = "\n".join(getattr(b, "text", "") for b in r.content)
    assert not r.is_error, f"{name}: {text}"
    return r.structured_content


def connect(server: TeamServer, team: Team, member: str) -> tuple[httpx2.AsyncClient, Client]:
    machine, _ = MEMBERS[member]
    http = httpx2.AsyncClient(
        headers={
            "authorization": f"Bearer {team.tokens[member]}",
            "x-task-orchestrator-machine": machine,
        },
        timeout=60,
    )
    return http, Client(
        streamable_http_client(f"{server.base}/mcp", http_client=http), mode="legacy"
    )


@pytest.mark.slow
async def test_two_servers_two_members_at_once(team: Team, tmp_path: Path) -> None:
    servers = [start_server(tmp_path / f"server-{i}.log") for i in (1, 2)]
    sessions = {m: member_session(m) for m in MEMBERS}
    try:
        # Each member's SessionStart first: it records where their machine has the workspace.
        for member in MEMBERS:
            post_all(servers, team, member, sessions[member][:1])
        hb, cb = connect(servers[0], team, "bob")
        ha, ca = connect(servers[1], team, "alice")
        async with hb, ha, cb as bob, ca as alice:
            init_b = await call(
                bob, "orchestrator_initialize_session", {"working_directory": MEMBERS["bob"][1]}
            )
            init_a = await call(
                alice,
                "orchestrator_initialize_session",
                {"working_directory": MEMBERS["alice"][1] + "/docs"},
            )
            assert init_b["workspace"] == init_a["workspace"] == KEY
            plan = await call(
                bob,
                "orchestrator_plan_task",
                {"title": "Shared plan", "subtasks": [{"title": f"step {i}"} for i in range(6)]},
            )
            parent = plan["task"]["id"]
            steps = [t["id"] for t in plan["subtasks"]]

            async def work(c: Client, member: str, mine: list[str]) -> None:
                for step in mine:
                    await call(c, "orchestrator_execute_task", {"task_id": step})
                    await call(
                        c,
                        "orchestrator_complete_task",
                        {"task_id": step, "summary": f"{member} did it", "detailed_work": "."},
                    )
                    await call(c, "orchestrator_query_tasks", {"parent_task_id": parent})
                for i in range(UPDATES):
                    await call(
                        c,
                        "orchestrator_update_task",
                        {"task_id": parent, "context": {f"{member}_{i}": i}},
                    )

            async with anyio.create_task_group() as tg:
                for member in MEMBERS:
                    tg.start_soon(
                        anyio.to_thread.run_sync,
                        post_all,
                        servers,
                        team,
                        member,
                        sessions[member][1:],
                    )
                tg.start_soon(work, bob, "bob", steps[0::2])
                tg.start_soon(work, alice, "alice", steps[1::2])

            # A stale version is refused, whichever server is asked: no update is lost.
            with TaskStore.open(team.url) as store:
                version = store.get_task(parent).version
            await call(bob, "orchestrator_update_task", {"task_id": parent, "summary": "b"})
            r = await alice.call_tool(
                "orchestrator_update_task",
                {"task_id": parent, "expected_version": version, "summary": "a"},
            )
            assert r.is_error and "version" in str(r.content[0]).lower()

            # Each sees the other's tasks: alice the plan bob made, bob alice's mirrored list.
            seen_a = await call(alice, "orchestrator_query_tasks", {"text": "Shared plan"})
            seen_b = await call(bob, "orchestrator_query_tasks", {"text": "Design the API"})
    finally:
        logs = [s.stop() for s in servers]
    assert all("Traceback" not in log for log in logs), logs
    assert [t["id"] for t in seen_a["tasks"]] == [parent]
    assert seen_b["total"] == 2  # one per member's session

    with TaskStore.open(team.url) as store:
        task = store.get_task(parent)
        assert {k for k in task.context if "_" in k} >= {
            f"{m}_{i}" for m in MEMBERS for i in range(UPDATES)
        }
        assert task.summary == "b"
        assert [store.get_task(s).status for s in steps] == ["completed"] * 6
        assert {store.get_task(s).changed_by for s in steps} == {"bob", "alice"}
        # Every event landed once: one prompt task and two mirrored tasks per member, each
        # stamped with its member and machine, all in the shared workspace.
        rows = store.conn.execute(
            "SELECT title, status, created_by, created_on, workspace_id FROM tasks "
            "WHERE title IN ('Design the API', 'Write the tests') ORDER BY created_by, title"
        ).fetchall()
        assert [tuple(r[:4]) for r in rows] == [
            ("Design the API", "completed", "alice", "alice-mac"),
            ("Write the tests", "completed", "alice", "alice-mac"),
            ("Design the API", "completed", "bob", "bob-laptop"),
            ("Write the tests", "completed", "bob", "bob-laptop"),
        ]
        assert {r[4] for r in rows} == {init_b["workspace_id"]}
        closed = store.conn.execute(
            "SELECT external_id, status FROM sessions WHERE client = 'claude-code' "
            "ORDER BY external_id"
        ).fetchall()
        assert [tuple(r) for r in closed] == [
            ("alice-session", "closed"),
            ("bob-session", "closed"),
        ]
        # Versions add up: every change of a task bumped its version once, whichever server
        # and member made it (1 at creation, then one per status change or update).
        for row in store.conn.execute("SELECT id, version FROM tasks").fetchall():
            changes = store.conn.execute(
                "SELECT COUNT(*) FROM events WHERE task_id = ? "
                "AND kind IN ('task.status', 'task.updated')",
                (row[0],),
            ).fetchone()[0]
            assert row[1] == 1 + changes, (row[0], row[1], changes)
        assert task.version == 1 + 2 * UPDATES + 1  # planned; every update; bob's summary
