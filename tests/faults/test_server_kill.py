"""A real server process (the console script over stdio, as clients start it) killed with
SIGKILL in the middle of a burst of writing tool calls: every call it answered is in the
store, and the store is sound.

The calls are pipelined (all written at once, as a busy client may), so at the kill some are
answered, one may be half-way through its transaction, and the rest are still unread.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from process_support import initialize, serve_process

from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore

BURST = 150  # calls per round: plan, update and complete in turn
FIRST_BURST_ID = 100


class RawServer:
    """``task-orchestrator serve`` driven with newline-delimited JSON-RPC (no SDK client in
    between, so requests can be pipelined and the process killed at any moment)."""

    def __init__(self, cwd: Path, stderr: Path) -> None:
        self._stderr = stderr.open("ab")
        self.proc = serve_process(cwd, self._stderr)

    def send(self, messages: list[dict[str, Any]]) -> None:
        assert self.proc.stdin is not None
        data = b"".join(json.dumps(m).encode("utf-8") + b"\n" for m in messages)
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):  # killed while we were still writing
            pass

    def read(self) -> dict[str, Any] | None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else None

    def call(self, rid: int, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        self.send([request(rid, tool, args)])
        reply = self.read()
        assert reply is not None and reply["id"] == rid, reply
        result: dict[str, Any] = reply["result"]
        assert not result.get("isError"), result
        return dict(result["structuredContent"])

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        assert self.proc.stdin is not None and self.proc.stdout is not None
        # The pipe to a dead process: flushing what is left in it fails; the file closes.
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        self.proc.stdout.close()
        self._stderr.close()


def request(rid: int, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": rid,
        "method": "tools/call",
        "params": {"name": tool, "arguments": args},
    }


def handshake(server: RawServer) -> None:
    server.send([initialize(1, "fault-test")])
    reply = server.read()
    assert reply is not None and "result" in reply, reply
    server.send([{"jsonrpc": "2.0", "method": "notifications/initialized"}])


def burst(round_: int, parent: str, subtasks: list[str]) -> dict[int, tuple[str, Any]]:
    """The burst's requests by id, each with what its answer proves once acknowledged."""
    calls: dict[int, tuple[str, Any]] = {}
    for i in range(BURST):
        rid = FIRST_BURST_ID + i
        if i % 3 == 0:
            args: dict[str, Any] = {
                "title": f"burst {round_}-{i}",
                "subtasks": [{"title": "a"}, {"title": "b", "depends_on": ["a"]}],
            }
            calls[rid] = ("orchestrator_plan_task", args)
        elif i % 3 == 1:
            args = {"task_id": parent, "context": {f"r{round_}i{i}": i}}
            calls[rid] = ("orchestrator_update_task", args)
        else:
            args = {
                "task_id": subtasks[i // 3],
                "summary": f"done {round_}-{i}",
                "detailed_work": f"work {i} " * 250,
            }
            calls[rid] = ("orchestrator_complete_task", args)
    return calls


def check_acknowledged(
    store: TaskStore, parent: str, calls: dict[int, tuple[str, Any]], answers: dict[int, Any]
) -> None:
    context = store.get_task(parent).context
    for rid, out in answers.items():
        tool, args = calls[rid]
        if tool == "orchestrator_plan_task":
            ids = [out["task"]["id"], *(s["id"] for s in out["subtasks"])]
            assert [store.get_task(i).id for i in ids] == ids
        elif tool == "orchestrator_update_task":
            for key, value in args["context"].items():
                assert context.get(key) == value, (key, context)
        else:
            task = store.get_task(args["task_id"])
            assert task.status == "completed" and task.summary == args["summary"]
            assert out["artifact_id"] in {a.id for a in store.artifacts(task.id)}


@pytest.mark.slow
@pytest.mark.fault(
    "SIGKILL of a real `task-orchestrator serve` process during a pipelined burst of "
    "plan, update and complete calls (3 kill moments)",
    "integrity_check ok; every call the server answered is in the store",
)
def test_sigkill_of_the_server_mid_burst_keeps_every_answered_call(
    workspace_dir: Path, tmp_path: Path
) -> None:
    db_path = default_paths().db
    for round_, kill_after in enumerate((3, 25, 55)):
        server = RawServer(workspace_dir, tmp_path / "server.stderr")
        try:
            handshake(server)
            server.call(
                2, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)}
            )
            plan = server.call(
                3,
                "orchestrator_plan_task",
                {
                    "title": f"round {round_}",
                    "subtasks": [{"title": f"s{i}"} for i in range(BURST // 3)],
                },
            )
            parent, subtasks = plan["task"]["id"], [s["id"] for s in plan["subtasks"]]
            calls = burst(round_, parent, subtasks)
            writer = threading.Thread(
                target=server.send,
                args=([request(rid, *call) for rid, call in calls.items()],),
            )
            writer.start()
            answers: dict[int, Any] = {}
            deadline = time.monotonic() + 30
            while len(answers) < kill_after and time.monotonic() < deadline:
                reply = server.read()
                assert reply is not None and not reply["result"].get("isError"), reply
                answers[reply["id"]] = reply["result"]["structuredContent"]
            server.kill()
            writer.join(timeout=10)
            # Answers already on their way out when the kill landed are acknowledged too.
            while (reply := server.read()) is not None:
                answers[reply["id"]] = reply["result"]["structuredContent"]
        finally:
            server.close()
        assert server.proc.returncode == -signal.SIGKILL
        assert kill_after <= len(answers) < BURST, "the kill did not land mid-burst"
        with TaskStore.open(db_path) as store:
            assert [r[0] for r in store.conn.execute("PRAGMA integrity_check")] == ["ok"]
            assert store.integrity_problems(full=True) == []
            check_acknowledged(store, parent, calls, answers)
