"""The team server's door: it starts only on a team's database, lets in members by their
own tokens (and no one else), acts for the member and machine of each call, and resolves a
member's folders without looking at its own disk."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from team_support import SERVE_HTTP, Team, TeamServer, request

from task_orchestrator import __version__
from task_orchestrator.core.store import TaskStore
from task_orchestrator.server.teamauth import AUTH_CACHE_S

pytestmark = pytest.mark.anyio


def refused_start(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SERVE_HTTP, "--port", "1", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_a_database_without_a_team(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASK_ORCHESTRATOR_STORE_URL", pg_url)
    ran = refused_start()
    assert ran.returncode == 1, ran.stderr
    assert "task-orchestrator team init" in ran.stderr
    with TaskStore.open(pg_url) as store:
        assert store.team() is None and store.members() == []


def test_refuses_a_shared_token(team: Team) -> None:
    ran = refused_start(env={"TASK_ORCHESTRATOR_TOKEN": "one-token-for-all"})
    assert ran.returncode == 1
    assert "no place on a team server" in ran.stderr and "team add-user" in ran.stderr


def test_health_names_the_team_and_the_member(server: TeamServer, team: Team) -> None:
    status, _, body = request("GET", f"{server.base}/health", token=team.tokens["bob"])
    assert status == 200
    assert body == {"ok": True, "team": "acme", "member": "bob", "version": __version__}


@pytest.mark.parametrize("auth", [None, "Bearer to_not-a-member", "Basic YWxpY2U6eA==", "Bearer "])
def test_no_member_no_entry(server: TeamServer, team: Team, auth: str | None) -> None:
    headers = {"Authorization": auth} if auth else {}
    for method, path, body in (
        ("GET", "/health", None),
        ("POST", "/hooks/Stop", b'{"session_id": "s", "cwd": "/srv/app"}'),
        ("POST", "/mcp", b'{"jsonrpc": "2.0", "id": 1, "method": "ping"}'),
    ):
        status, got, _ = request(method, server.base + path, body=body, headers=headers)
        assert status == 401, (method, path)
        assert got["www-authenticate"].startswith("Bearer")


def test_revocation_takes_effect_within_the_cache_time(server: TeamServer, team: Team) -> None:
    url = f"{server.base}/health"
    assert request("GET", url, token=team.tokens["alice"])[0] == 200
    with TaskStore.open(team.url) as store:
        store.revoke_member("alice")
    revoked_at = time.monotonic()
    while request("GET", url, token=team.tokens["alice"])[0] == 200:
        assert time.monotonic() - revoked_at < AUTH_CACHE_S + 1.0
        time.sleep(0.1)
    assert request("GET", url, token=team.tokens["bob"])[0] == 200  # the others stay in


def mcp_client(server: TeamServer, token: str, machine: str) -> tuple[httpx2.AsyncClient, Client]:
    http = httpx2.AsyncClient(
        headers={"authorization": f"Bearer {token}", "x-task-orchestrator-machine": machine}
    )
    return http, Client(
        streamable_http_client(f"{server.base}/mcp", http_client=http), mode="legacy"
    )


async def call(c: Client, name: str, args: dict[str, Any] | None = None) -> Any:
    r = await c.call_tool(name, args or {})
    text = "\n".join(getattr(b, "text", "") for b in r.content)
    return (r.is_error, r.structured_content if not r.is_error else text)


async def test_a_call_acts_for_its_member_and_machine(server: TeamServer, team: Team) -> None:
    http, client = mcp_client(server, team.tokens["bob"], "m2")
    async with http, client as c:
        # A folder on bob's machine m2: nothing at that path here, and nothing is looked for.
        failed, init = await call(
            c, "orchestrator_initialize_session", {"working_directory": "/work/bob/app/"}
        )
        assert not failed, init
        failed, plan = await call(c, "orchestrator_plan_task", {"title": "Bob's plan"})
        assert not failed, plan
    assert not Path("/work/bob/app").exists()
    assert init["workspace"] == "m2:/work/bob/app"
    with TaskStore.open(team.url) as store:
        task = store.get_task(plan["task"]["id"])
        assert (task.created_by, task.created_on) == ("bob", "m2")
        assert (task.changed_by, task.changed_on) == ("bob", "m2")
        assert store.workspace_at("m2", "/work/bob/app/src") is not None
        assert store.get_workspace(task.workspace_id).path == "m2:/work/bob/app"


async def test_a_folder_finds_the_workspace_its_machine_recorded(
    server: TeamServer, team: Team
) -> None:
    with TaskStore.open(team.url) as store:
        ws = store.workspace_by_key("github.com/acme/app", machine="m2", path="/work/bob/app")
    http, client = mcp_client(server, team.tokens["bob"], "m2")
    async with http, client as c:
        _, init = await call(
            c, "orchestrator_initialize_session", {"working_directory": "/work/bob/app/src"}
        )
    assert init["workspace_id"] == ws.id and init["workspace"] == "github.com/acme/app"
    http, client = mcp_client(server, team.tokens["alice"], "m1")
    async with http, client as c:  # the same folder on another machine is another's
        _, other = await call(
            c, "orchestrator_initialize_session", {"working_directory": "/work/bob/app/src"}
        )
    assert other["workspace"] == "m1:/work/bob/app/src"


async def test_a_client_s_roots_are_folders_on_its_machine(server: TeamServer, team: Team) -> None:
    from mcp.types import ListRootsResult, Root

    async def roots(_ctx: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri="file:///work/ann/app%20one", name="app")])

    http = httpx2.AsyncClient(
        headers={
            "authorization": f"Bearer {team.tokens['alice']}",
            "x-task-orchestrator-machine": "m1",
        }
    )
    transport = streamable_http_client(f"{server.base}/mcp", http_client=http)
    async with http, Client(transport, mode="legacy", list_roots_callback=roots) as c:
        failed, status = await call(c, "orchestrator_get_status")
    assert not failed, status
    assert status["workspace"] == "m1:/work/ann/app one"


async def test_what_no_member_folder_can_be(server: TeamServer, team: Team) -> None:
    with TaskStore.open(team.url) as store:
        before = len(store.workspaces())
    http, client = mcp_client(server, team.tokens["bob"], "m2")
    async with http, client as c:
        for folder, why in (
            ("/", "root of a file system"),
            ("/home/bob", "home folder"),
            ("/Users/bob/", "home folder"),
            ("C:\\Users\\bob", "home folder"),
            ("code/app", "not an absolute path"),
            ("~/code/app", "not an absolute path"),
        ):
            failed, text = await call(
                c, "orchestrator_initialize_session", {"working_directory": folder}
            )
            assert failed and why in text, (folder, text)
        # No roots from this client and no folder: the server's own folder is no answer.
        failed, text = await call(c, "orchestrator_get_status")
        assert failed and "working_directory" in text
    with TaskStore.open(team.url) as store:
        assert len(store.workspaces()) == before


async def test_no_file_is_written_for_a_member(
    server: TeamServer, team: Team, tmp_path: Path
) -> None:
    target = tmp_path / "project"
    target.mkdir()
    http, client = mcp_client(server, team.tokens["bob"], "m2")
    async with http, client as c:
        _, _init = await call(
            c, "orchestrator_initialize_session", {"working_directory": str(target)}
        )
        _, plan = await call(
            c,
            "orchestrator_plan_task",
            {"title": "Ship", "subtasks": [{"title": "one"}, {"title": "two"}]},
        )
        parent = plan["task"]["id"]
        with TaskStore.open(team.url) as store:
            artifacts_before = len(store.artifacts(parent))
        failed, text = await call(
            c,
            "orchestrator_synthesize_results",
            {"parent_task_id": parent, "write_to": "docs/result.md"},
        )
        assert failed and "writes no file for a member" in text and "write_to" in text
        failed, text = await call(
            c,
            "orchestrator_maintenance_coordinator",
            {"action": "update_documentation", "dry_run": False},
        )
        assert failed and "writes no file for a member" in text
        failed, _ = await call(c, "orchestrator_synthesize_results", {"parent_task_id": parent})
        assert not failed  # without write_to it works as anywhere
    assert list(target.iterdir()) == []
    with TaskStore.open(team.url) as store:
        assert len(store.artifacts(parent)) == artifacts_before + 1


def rpc(
    server: TeamServer, token: str, body: dict[str, Any], session: str | None = None
) -> tuple[dict[str, str], Any]:
    """One raw JSON-RPC POST to /mcp: (headers, the JSON-RPC answer or None)."""
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-06-18",
    }
    if session:
        headers["Mcp-Session-Id"] = session
    status, got, answer = request(
        "POST",
        f"{server.base}/mcp",
        token=token,
        machine="m9",
        body=json.dumps(body).encode(),
        headers=headers,
    )
    assert status in (200, 202), (status, answer)
    if isinstance(answer, str):  # server-sent events: the message is on a data line
        data = [line[5:] for line in answer.splitlines() if line.startswith("data:")]
        answer = json.loads(data[-1]) if data else None
    return got, answer


def test_a_session_is_its_member_s(server: TeamServer, team: Team) -> None:
    """Another member presenting bob's MCP session id does not get bob's workspace."""
    bob, alice = team.tokens["bob"], team.tokens["alice"]
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"},
        },
    }
    got, _ = rpc(server, bob, init)
    session = got["mcp-session-id"]
    rpc(server, bob, {"jsonrpc": "2.0", "method": "notifications/initialized"}, session)

    def tool(token: str, rid: int, name: str, args: dict[str, Any]) -> Any:
        call = {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                "params": {"name": name, "arguments": args}}  # fmt: skip
        return rpc(server, token, call, session)[1]["result"]

    first = tool(bob, 2, "orchestrator_initialize_session", {"working_directory": "/srv/bob/app"})
    assert not first.get("isError"), first
    assert tool(bob, 3, "orchestrator_get_status", {})["structuredContent"]["workspace"] == (
        "m9:/srv/bob/app"
    )
    theirs = tool(alice, 4, "orchestrator_get_status", {})
    assert theirs.get("isError") and "working_directory" in theirs["content"][0]["text"]


async def test_mcp_calls_reconnect_after_the_database_dropped_them(
    server: TeamServer, team: Team, pg_server: Any
) -> None:
    from psycopg.conninfo import conninfo_to_dict

    database = conninfo_to_dict(team.url)["dbname"]
    http, client = mcp_client(server, team.tokens["bob"], "m2")
    async with http, client as c:
        failed, _ = await call(
            c, "orchestrator_initialize_session", {"working_directory": "/srv/a"}
        )
        assert not failed
        pg_server.admin(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
        )
        outcomes = [
            (await call(c, "orchestrator_plan_task", {"title": f"t{i}"}))[0] for i in range(3)
        ]
    # At most the call that met the loss failed (with a message, not a crash); then it works.
    assert outcomes[-2:] == [False, False], outcomes
    with TaskStore.open(team.url) as store:
        titles = {r[0] for r in store.conn.execute("SELECT title FROM tasks").fetchall()}
    assert {"t1", "t2"} <= titles
