"""`task-orchestrator tasks` as real processes: the console script, its exit codes and
streams, a store shared with a real `task-orchestrator serve` that planned into it, and
colour on a real terminal (a pty) unless NO_COLOR is set."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path
from typing import Any

from process_support import SERVER, initialize, run, serve_process

ESC = "\x1b["


def _tasks(cwd: Path, *args: str) -> str:
    return run([SERVER, "tasks", *args], {**os.environ, "COLUMNS": "200"}, cwd=cwd)


def test_a_session_in_real_processes(workspace_dir: Path) -> None:
    out = _tasks(workspace_dir, "list")
    assert f"No work recorded for {workspace_dir}" in out
    task = json.loads(_tasks(workspace_dir, "add", "Fix the bug", "--json"))["task"]["id"]
    assert "Fix the bug" in _tasks(workspace_dir)
    assert "in_progress" in _tasks(workspace_dir, "start", task)
    proc = subprocess.run(
        [str(SERVER), "tasks", "start", "task_nope"],
        capture_output=True,
        text=True,
        cwd=workspace_dir,
        env=dict(os.environ),
        timeout=60,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == (
        "error: no task 'task_nope'; `task-orchestrator tasks list --all` lists the ids\n"
    )
    assert "\x1b" not in _tasks(workspace_dir, "show", task)  # piped: no colour


class _Server:
    def __init__(self, cwd: Path, log: Path) -> None:
        self.log = log.open("ab")
        self.proc = serve_process(cwd, self.log)
        self.send(initialize(1, "cli-test"))
        assert "result" in self.read()
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.rid = 1

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        return dict(json.loads(self.proc.stdout.readline()))

    def call(self, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        self.rid += 1
        self.send(
            {
                "jsonrpc": "2.0",
                "id": self.rid,
                "method": "tools/call",
                "params": {"name": tool, "arguments": args},
            }
        )
        reply = self.read()
        assert not reply["result"].get("isError"), reply
        return dict(reply["result"]["structuredContent"])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self.log.close()


def test_the_cli_and_a_running_server_share_the_store(workspace_dir: Path, tmp_path: Path) -> None:
    server = _Server(workspace_dir, tmp_path / "server.log")
    try:
        server.call("orchestrator_initialize_session", {"working_directory": str(workspace_dir)})
        server.call(
            "orchestrator_plan_task",
            {
                "title": "Add a cache",
                "description": "cache the parser's output",
                "subtasks": [
                    {"title": "Design the cache"},
                    {"title": "Build it", "depends_on": [0]},
                ],
            },
        )
        listed = json.loads(_tasks(workspace_dir, "list", "--json"))
        (top,) = listed["plans"]
        assert top["title"] == "Add a cache"
        design, build = (s["id"] for s in top["subtasks"])
        nxt = json.loads(_tasks(workspace_dir, "next", "--json"))
        assert nxt["task"]["id"] == design
        _tasks(workspace_dir, "start", design)
        _tasks(workspace_dir, "done", design, "--summary", "an LRU in front of parse()")
        # The server sees what the CLI did, and the CLI what the server does.
        found = server.call("orchestrator_query_tasks", {"task_ids": [design, build]})
        statuses = {t["id"]: t["status"] for t in found["tasks"]}
        assert (statuses[design], statuses[build]) == ("completed", "pending")
        server.call("orchestrator_execute_task", {"task_id": build})
        assert json.loads(_tasks(workspace_dir, "show", build, "--json"))["task"]["status"] == (
            "in_progress"
        )
    finally:
        server.close()


def _on_a_terminal(cwd: Path, env: dict[str, str], *args: str) -> str:
    """The command's output with its stdout on a pseudo-terminal."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [str(SERVER), "tasks", *args],
            stdout=follower,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            timeout=60,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.returncode == 0, proc.stderr
        return b"".join(chunks).decode()
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)


def test_colour_on_a_terminal_unless_no_color(workspace_dir: Path) -> None:
    _tasks(workspace_dir, "add", "Colourful")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    assert ESC in _on_a_terminal(workspace_dir, env, "list")
    plain = _on_a_terminal(workspace_dir, {**env, "NO_COLOR": "1"}, "list")
    assert "Colourful" in plain and ESC not in plain
