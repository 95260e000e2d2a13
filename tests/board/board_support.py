"""Helpers for the board tests: a board served by real uvicorn in a thread, a small HTTP
client (http.client: what the browser sends, header by header), and a seeded store."""

from __future__ import annotations

import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from task_orchestrator.board.app import build_app
from task_orchestrator.core import steer
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.store import TaskStore


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class BoardServer:
    """The board app on 127.0.0.1:<free port>, run by uvicorn in a thread."""

    def __init__(self, db_path: Path, folder: str | None = None) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        app, self.access, self.board = build_app(str(db_path), port=self.port, folder=folder)
        self.token = self.access.token
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})
        self.cookie: str | None = None

    def __enter__(self) -> BoardServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the board did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.board.watcher.stop()
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        cookie: bool = True,
        origin: str | None = "same",
    ) -> Answer:
        sent = {"Host": f"127.0.0.1:{self.port}"}
        if cookie and self.cookie:
            sent["Cookie"] = self.cookie
        if method == "POST" and origin is not None:
            sent["Origin"] = self.origin if origin == "same" else origin
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=data, headers=sent)
            res = conn.getresponse()
            return Answer(res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
        finally:
            conn.close()

    def login(self) -> Answer:
        assert self.token is not None
        answer = self.request("GET", f"/?token={self.token}", cookie=False)
        assert answer.status == 303, answer.body
        self.cookie = answer.headers["set-cookie"].split(";")[0]
        return answer

    def get(self, path: str, **kw: Any) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> Answer:
        return self.request("POST", path, body, **kw)


def url_port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def seed(store: TaskStore, folder: Path, extra: int = 0) -> dict[str, Any]:
    """A workspace with a plan (three subtasks in a chain and one beside them), tasks in
    each status, and ``extra`` pending tasks."""
    ws = store.workspace(folder)
    plan, design, build, check, docs = store.create_tree(
        ws.id,
        NewTask(
            title="Build the API",
            subtasks=[
                NewTask(title="Design"),
                NewTask(title="Implement", depends_on=[0]),
                NewTask(title="Test", depends_on=[1]),
                NewTask(title="Write docs", depends_on=[0]),
            ],
        ),
    )
    steer.start(store, design.id, workspace_id=ws.id)
    steer.complete(store, design.id, workspace_id=ws.id, summary="Designed it")
    pending = steer.add(store, ws.id, "Plain pending task")
    running = steer.add(store, ws.id, "Running task")
    steer.start(store, running.id, workspace_id=ws.id)
    done = steer.add(store, ws.id, "Finished task")
    steer.complete(store, done.id, workspace_id=ws.id, summary="All done")
    dropped = steer.add(store, ws.id, "Dropped task")
    steer.cancel(store, dropped.id, workspace_id=ws.id)
    for i in range(extra):
        steer.add(store, ws.id, f"Extra task {i}")
    return {
        "ws": ws.id,
        "plan": plan.id,
        "subtasks": [design.id, build.id, check.id, docs.id],
        "pending": pending.id,
        "running": running.id,
        "done": done.id,
        "dropped": dropped.id,
    }


def dump(store: TaskStore) -> list[tuple[Any, ...]]:
    """Every task row and event count: what "nothing was written" compares."""
    rows = store.conn.execute("SELECT * FROM tasks ORDER BY id").fetchall()
    events = store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    return [tuple(r) for r in rows] + [("events", events)]


CLI = str(Path(sys.executable).parent / "task-orchestrator")


class BoardProcess:
    """A real ``task-orchestrator board --no-open --json`` process; ``url`` is what it
    printed. The environment is the test's (TASK_ORCHESTRATOR_HOME under tmp_path)."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [CLI, "board", "--no-open", "--json", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=dict(os.environ),
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else b""
        if not line:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            raise AssertionError(f"the board printed no address: {err.decode()}")
        self.url: str = json.loads(line)["url"]
        self.port = url_port(self.url)
        self.origin = f"http://127.0.0.1:{self.port}"

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a person stops it; the exit code and stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            raise AssertionError(f"the board did not stop on Ctrl-C: {err.decode()}") from None
        return self.proc.returncode, err.decode()

    def __enter__(self) -> BoardProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)
