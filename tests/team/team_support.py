"""Starting team server processes and talking to them (imported by name: tests/team is on
sys.path in pytest's default import mode)."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_BENCH = str(Path(__file__).resolve().parents[2] / "bench")
if _BENCH not in sys.path:
    sys.path.insert(0, _BENCH)

import teamserver  # noqa: E402
from teamserver import SERVE_HTTP, TeamServer, free_port  # noqa: E402, F401

FIXTURES = Path(__file__).parents[1] / "hooks" / "data"
#: The order Claude Code 2.1.332 fired a whole session's events in (one JSON object a line).
SESSION_332 = FIXTURES / "claude-code-2.1.332-hooks" / "all.jsonl"


@dataclass
class Team:
    url: str
    tokens: dict[str, str]


def start_server(log: Path, env: dict[str, str] | None = None, *args: str) -> TeamServer:
    """A team server process on the environment's store; returns once it listens."""
    return teamserver.start(log, env, *args)


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
