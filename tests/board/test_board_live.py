"""Live updates: the one data_version watcher and the server-sent events it drives."""

from __future__ import annotations

import asyncio
import http.client
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from board_support import BoardServer

from task_orchestrator.board.live import Watcher
from task_orchestrator.core.paths import Paths
from task_orchestrator.core.store import TaskStore

WRITER = """
import sys
from task_orchestrator.core import steer
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
with TaskStore.open(default_paths().db) as store:
    steer.add(store, sys.argv[1], "Written by another process")
"""


def open_stream(board: BoardServer) -> tuple[http.client.HTTPConnection, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", board.port, timeout=10)
    conn.request(
        "GET",
        "/api/events",
        headers={"Host": f"127.0.0.1:{board.port}", "Cookie": board.cookie or ""},
    )
    res = conn.getresponse()
    assert res.status == 200
    assert res.headers["content-type"].startswith("text/event-stream")
    return conn, res


def next_event(res: Any) -> str:
    """The name of the next event on the stream (comments and retry lines skipped)."""
    while True:
        line = res.readline().decode()
        assert line, "the stream ended"
        if line.startswith("event: "):
            return line[len("event: ") :].strip()


def test_a_write_by_another_process_reaches_every_stream(
    board: BoardServer, seeded: dict[str, Any]
) -> None:
    streams = [open_stream(board) for _ in range(3)]
    for _, res in streams:
        assert next_event(res) == "hello"
    polls = board.board.watcher.polls
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", WRITER, seeded["ws"]], check=True, timeout=60)
    written = time.monotonic()
    for _, res in streams:
        assert next_event(res) == "change"
    # Within 2 s of the write; one watcher serves all three streams.
    assert time.monotonic() - written < 2.0
    elapsed = time.monotonic() - started
    assert board.board.watcher.polls - polls <= elapsed / board.board.watcher.interval + 2
    for conn, _ in streams:
        conn.close()


def test_the_board_s_own_write_is_seen_too(board: BoardServer, seeded: dict[str, Any]) -> None:
    conn, res = open_stream(board)
    assert next_event(res) == "hello"
    url = f"/api/tasks/{seeded['pending']}/start"
    assert board.post(url, {"workspace": seeded["ws"]}).status == 200
    assert next_event(res) == "change"
    conn.close()


def test_watcher_sees_commits_and_a_missing_file(paths: Paths, store: TaskStore) -> None:
    async def run() -> None:
        watcher = Watcher(str(paths.db))
        assert not watcher.check()  # the first look sets the baseline
        assert not watcher.check()
        store.workspace(str(paths.root))
        assert watcher.check() and watcher.version == 1
        assert not watcher.check()
        moved = Path(str(paths.db) + ".moved")
        os.rename(paths.db, moved)
        try:
            assert watcher.check() and watcher.state == ("missing",)
        finally:
            os.rename(moved, paths.db)
        assert watcher.check() and watcher.state[0] != "missing"
        watcher.stop()
        watcher._drop()

    asyncio.run(run())


def test_stream_says_gone_when_the_store_file_is_missing(
    paths: Paths, store: TaskStore, tmp_path: Path
) -> None:
    with BoardServer(paths.db) as board:
        board.login()
        conn, res = open_stream(board)
        assert next_event(res) == "hello"
        moved = tmp_path / "moved.db"
        os.rename(paths.db, moved)
        try:
            assert next_event(res) == "gone"
        finally:
            os.rename(moved, paths.db)
        assert next_event(res) == "change"
        conn.close()
