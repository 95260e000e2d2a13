"""The server as clients really start it: a stdio subprocess; two of them on one store; the
HTTP transport with its bearer token; workspace from client roots."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import ListRootsResult, Root
from process_support import initialize
from server_helpers import ok

from task_orchestrator.server.app import build_server

pytestmark = pytest.mark.anyio


# -I: isolated mode, so the test's cwd cannot shadow a dependency.
SERVE_HTTP = [
    sys.executable,
    "-I",
    "-m",
    "task_orchestrator",
    "serve",
    "--transport",
    "streamable-http",
]


def run_env() -> dict[str, str]:
    return dict(os.environ)  # already isolated by the autouse fixture


def stdio_params() -> StdioServerParameters:
    # -I: isolated mode, so the test's cwd cannot shadow a dependency (docs/ARCHITECTURE.md,
    # "Registered commands and PATH").
    return StdioServerParameters(
        command=sys.executable, args=["-I", "-m", "task_orchestrator", "serve"], env=run_env()
    )


@pytest.mark.slow
async def test_stdio_subprocess_speaks_only_protocol(workspace_dir: Path) -> None:
    async with Client(stdio_params(), mode="legacy") as c:
        assert c.server_info is not None and c.server_info.name == "task-orchestrator"
        init = await ok(
            c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)}
        )
        plan = await ok(c, "orchestrator_plan_task", {"title": "Write docs for the CLI"})
        assert plan["template"] == "documentation"
        status = await ok(c, "orchestrator_get_status")
        assert status["session_id"] == init["session_id"]


@pytest.mark.slow
def test_stdout_is_only_json_rpc() -> None:
    msgs = [
        initialize(1, "raw"),
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "orchestrator_health_check", "arguments": {}},
        },
    ]
    # Keep stdin open until the last answer: at EOF the server stops and may drop a request
    # still in flight.
    with subprocess.Popen(
        [sys.executable, "-I", "-m", "task_orchestrator", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=run_env(),
        text=True,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("".join(json.dumps(m) + "\n" for m in msgs))
        proc.stdin.flush()
        lines = [json.loads(proc.stdout.readline()), json.loads(proc.stdout.readline())]
        proc.stdin.close()
        rest = proc.stdout.read()
        proc.wait(timeout=30)
    assert rest == ""
    assert [m.get("id") for m in lines] == [1, 2]
    assert lines[1]["result"]["structuredContent"]["status"] in ("healthy", "degraded")


@pytest.mark.fault(
    "a real stdio server sent lines the SDK cannot parse: a lone surrogate (\\ud800) in a "
    "request, JSON nested 1,500 deep, plain garbage, a valid JSON object that is no message, "
    "a bad notification",
    "a JSON-RPC error for each request (with its id when it can be read, null otherwise), "
    "none for the notification; the requests around them answered normally",
)
@pytest.mark.slow
def test_malformed_json_rpc_gets_an_error() -> None:
    init = initialize(1, "raw")
    ping = {"jsonrpc": "2.0", "id": 9, "method": "ping"}
    lines = [
        json.dumps(init),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        '{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "\\ud800"}}',
        "[" * 1_500 + "]" * 1_500,
        "this is not json at all",
        '{"hello": "world", "id": 4}',
        '{"jsonrpc": "2.0", "method": "notifications/x", "params": {"a": "\\ud800"}}',
        "",
        json.dumps(ping),
    ]
    with subprocess.Popen(
        [sys.executable, "-I", "-m", "task_orchestrator", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=run_env(),
        text=True,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("".join(line + "\n" for line in lines))
        proc.stdin.flush()
        answers = [json.loads(proc.stdout.readline()) for _ in range(6)]
        proc.stdin.close()
        rest = proc.stdout.read()
        proc.wait(timeout=30)
    assert rest == ""
    by_id = {}
    for a in answers:
        by_id.setdefault(a["id"], []).append(a)
    assert "result" in by_id[1][0] and by_id[9][0]["result"] == {}
    assert by_id[2][0]["error"]["code"] == -32700  # the SDK's parser decides what is JSON
    assert by_id[4][0]["error"]["code"] == -32600
    assert sorted(a["error"]["code"] for a in by_id[None]) == [-32700, -32700]


@pytest.mark.slow
async def test_two_servers_one_store_no_lost_update(workspace_dir: Path) -> None:
    async with (
        Client(stdio_params(), mode="legacy") as a,
        Client(stdio_params(), mode="legacy") as b,
    ):
        for c in (a, b):
            await ok(
                c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)}
            )
        plan = await ok(
            a, "orchestrator_plan_task", {"title": "shared", "subtasks": [{"title": "x"}]}
        )
        tid = plan["subtasks"][0]["id"]
        seen = await ok(b, "orchestrator_query_tasks", {"text": "shared"})
        assert [t["id"] for t in seen["tasks"]] == [plan["task"]["id"]]

        async def writer(c: Client, tag: str) -> None:
            for i in range(10):
                await ok(
                    c, "orchestrator_update_task", {"task_id": tid, "context": {f"{tag}{i}": i}}
                )

        async with anyio.create_task_group() as tg:
            tg.start_soon(writer, a, "a")
            tg.start_soon(writer, b, "b")
        final = await ok(a, "orchestrator_query_tasks", {"text": "x", "detail": "full"})
        task = next(t for t in final["tasks"] if t["id"] == tid)
        assert len(task["context"]) == 20 and task["version"] == 21

        # Optimistic concurrency across processes: the second writer of version 21 loses.
        first = await a.call_tool(
            "orchestrator_update_task", {"task_id": tid, "title": "A", "expected_version": 21}
        )
        second = await b.call_tool(
            "orchestrator_update_task", {"task_id": tid, "title": "B", "expected_version": 21}
        )
        assert not first.is_error and second.is_error
        assert "version 22, not 21" in second.content[0].text  # type: ignore[union-attr]


async def test_workspace_from_client_roots(tmp_path: Path) -> None:
    project = tmp_path / "rooted"
    (project / ".git").mkdir(parents=True)
    (project / "src").mkdir()

    async def roots(_ctx: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=(project / "src").as_uri())])  # type: ignore[arg-type]

    async with Client(build_server(), mode="legacy", list_roots_callback=roots) as c:
        init = await ok(c, "orchestrator_initialize_session")
    assert init["workspace"] == str(project.resolve()) and init["workspace_source"] == "roots"


async def test_workspace_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "envproj"
    (project / ".git").mkdir(parents=True)
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(project))
    async with Client(build_server()) as c:
        # No initialize: the first tool resolves the workspace by itself.
        status = await ok(c, "orchestrator_get_status")
    assert status["workspace"] == str(project.resolve())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.fault(
    "HTTP requests without the token or with a wrong one; binding a non-loopback host",
    "401 for the requests; the bind refused without --allow-remote",
)
@pytest.mark.slow
def test_http_needs_the_token_and_loopback() -> None:
    refused = subprocess.run(
        [*SERVE_HTTP, "--host", "0.0.0.0"],
        env=run_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "--allow-remote" in refused.stderr

    port = free_port()
    proc = subprocess.Popen(
        [*SERVE_HTTP, "--port", str(port)],
        env=run_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "bearer token" in line
        token = line.rsplit(" ", 1)[1].strip()
        url = f"http://127.0.0.1:{port}/mcp"
        body = json.dumps(initialize(1, "t")).encode()
        headers = {
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
        }

        def post(extra: dict[str, str]) -> int:
            req = urllib.request.Request(url, data=body, headers={**headers, **extra})
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(req, timeout=10) as resp:
                        return int(resp.status)
                except urllib.error.HTTPError as exc:
                    return exc.code
                except urllib.error.URLError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)

        assert post({}) == 401
        assert post({"authorization": "Bearer wrong"}) == 401
        assert post({"authorization": f"Bearer {token}"}) == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert out == ""  # stdout carries nothing over HTTP either


def test_serve_help_is_light() -> None:
    # cli.py imports commands.serve at startup: it must not pull in the SDK.
    code = "import sys, task_orchestrator.cli; print('mcp' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], env=run_env(), capture_output=True, text=True
    )
    assert out.stdout.strip() == "False", out.stderr
    assert os.path.exists(sys.executable)


def start_http_server(token: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    proc = subprocess.Popen(
        [*SERVE_HTTP, "--port", str(port)],
        env={**run_env(), "TASK_ORCHESTRATOR_TOKEN": token},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # nobody reads it: a full pipe would stall the server
        text=True,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, url
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError(f"HTTP server did not start (exit {proc.poll()})") from None
            time.sleep(0.2)


@pytest.mark.fault(
    "two MCP clients over streamable HTTP on one server process: A initializes project A, B "
    "project B, then each plans and asks for its status",
    "each client keeps its own workspace and session; A's plan is stored under A and B's "
    "under B; neither status names the other's workspace",
)
@pytest.mark.slow
async def test_http_clients_each_keep_their_workspace(tmp_path: Path) -> None:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    from task_orchestrator.core.paths import default_paths
    from task_orchestrator.core.store import TaskStore

    a, b = tmp_path / "project-a", tmp_path / "project-b"
    for p in (a, b):
        (p / ".git").mkdir(parents=True)
    token = "t0ken-for-this-test"
    proc, url = start_http_server(token)

    def connect(http: httpx2.AsyncClient) -> Client:
        return Client(streamable_http_client(url, http_client=http), mode="legacy")

    def auth(scheme: str) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(headers={"authorization": f"{scheme} {token}"})

    try:
        # "bearer" in lower case: authentication schemes are case-insensitive.
        async with auth("Bearer") as ha, auth("bearer") as hb, connect(ha) as ca, connect(hb) as cb:
            init_a = await ok(ca, "orchestrator_initialize_session", {"working_directory": str(a)})
            init_b = await ok(cb, "orchestrator_initialize_session", {"working_directory": str(b)})
            assert init_a["session_id"] != init_b["session_id"]
            plan_a = await ok(ca, "orchestrator_plan_task", {"title": "A's plan"})
            plan_b = await ok(cb, "orchestrator_plan_task", {"title": "B's plan"})
            status_a = await ok(ca, "orchestrator_get_status")
            status_b = await ok(cb, "orchestrator_get_status")
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    assert status_a["workspace"] == str(a.resolve()) and status_b["workspace"] == str(b.resolve())
    assert status_a["session_id"] == init_a["session_id"]
    with TaskStore.open(default_paths().db) as store:
        ws_a, ws_b = store.workspace(str(a.resolve())), store.workspace(str(b.resolve()))
        assert store.get_task(plan_a["task"]["id"]).workspace_id == ws_a.id
        assert store.get_task(plan_b["task"]["id"]).workspace_id == ws_b.id
