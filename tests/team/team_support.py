"""Starting team server processes and talking to them (imported by name: tests/team is on
sys.path in pytest's default import mode)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "hooks" / "data"
#: The order Claude Code 2.1.332 fired a whole session's events in (one JSON object a line).
SESSION_332 = FIXTURES / "claude-code-2.1.332-hooks" / "all.jsonl"

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


@dataclass
class Team:
    url: str
    tokens: dict[str, str]


@dataclass
class TeamServer:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(log: Path, env: dict[str, str] | None = None, *args: str) -> TeamServer:
    """A team server process on the environment's store; returns once it listens."""
    port = free_port()
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [*SERVE_HTTP, "--port", str(port), *args],
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return TeamServer(proc, f"http://127.0.0.1:{port}", log)
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                proc.wait()
                raise AssertionError(
                    f"team server did not start (exit {proc.poll()}):\n{log.read_text()}"
                ) from None
            time.sleep(0.1)


def request(
    method: str,
    url: str,
    *,
    token: str | None = None,
    machine: str | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """(status, headers, JSON body or raw text) of one HTTP request."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    if machine is not None:
        sent["X-Task-Orchestrator-Machine"] = machine
    if body is not None:
        sent.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=body, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, got, raw = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        status, got, raw = exc.code, dict(exc.headers), exc.read()
    try:
        return status, {k.lower(): v for k, v in got.items()}, json.loads(raw)
    except ValueError:
        return status, {k.lower(): v for k, v in got.items()}, raw.decode(errors="replace")


def post_hook(
    server: TeamServer,
    token: str,
    event: str,
    payload: dict[str, Any],
    *,
    machine: str = "m1",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    return request(
        "POST",
        f"{server.base}/hooks/{event}",
        token=token,
        machine=machine,
        body=json.dumps(payload).encode(),
        headers=headers,
    )


def session_events(path: Path = SESSION_332) -> list[tuple[str, dict[str, Any]]]:
    """(event, payload) of each line of a recorded session, the events our hooks handle
    only (Claude Code also fires PreToolUse and PostToolBatch, which nothing registers)."""
    from task_orchestrator.hooks.events import HANDLERS

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        payload = json.loads(line)
        name = payload.get("hook_event_name", "")
        if name in HANDLERS:
            out.append((name, payload))
    return out
