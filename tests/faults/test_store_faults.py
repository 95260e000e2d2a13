"""Faults under the store: a writer killed mid-burst, a full disk, a locked file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from task_orchestrator.core import db
from task_orchestrator.core.errors import StoreBusy, StoreUnavailable
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.store import TaskStore

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from task_orchestrator.core.models import NewTask
    from task_orchestrator.core.store import TaskStore
    store = TaskStore.open(Path(sys.argv[1]))
    ws = store.workspace(sys.argv[2])
    i = 0
    while True:
        (t,) = store.create_tree(ws.id, NewTask(f"burst {i}", subtasks=[]))
        store.add_artifact(t.id, summary="s", content="x" * 2000)
        print(t.id, flush=True)  # acknowledged: committed before this line is written
        i += 1
    """
)


@pytest.mark.slow
@pytest.mark.fault(
    "SIGKILL of a process writing a burst of tasks and artifacts to the store",
    "the store passes integrity_check and holds every write acknowledged before the kill",
)
@pytest.mark.parametrize("round_", range(5))
def test_sigkill_during_write_burst_keeps_every_acknowledged_write(
    tmp_path: Path, round_: int
) -> None:
    db_path = tmp_path / "tasks.db"
    TaskStore.open(db_path).close()
    acked: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        while len(acked) < 50 + 20 * round_ and time.monotonic() < deadline:
            acked.append(proc.stdout.readline().strip())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        acked += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 50
    with TaskStore.open(db_path) as store:
        assert store.integrity_problems(full=True) == []
        found = {r[0] for r in store.conn.execute("SELECT id FROM tasks")}
        assert set(acked) <= found
        # Each task and its artifact are one unit each: no task lost its artifact half-way.
        assert store.conn.execute("SELECT COUNT(*) FROM artifacts").fetchone()[0] >= len(acked)


@pytest.mark.fault(
    "the store's disk fills up during a plan of 51 tasks (SQLITE_FULL via max_page_count)",
    "a clear 'disk is full' error, no task of the plan written, the connection still usable",
)
def test_disk_full_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    store = TaskStore.open(tmp_path / "tasks.db")
    ws = store.workspace(tmp_path)
    store.create_tree(ws.id, NewTask("before"))
    used = store.conn.execute("PRAGMA page_count").fetchone()[0]
    # SQLite reports SQLITE_FULL when the file may not grow: the same path as a full disk.
    store.conn.execute(f"PRAGMA max_page_count = {used}")
    before = store.conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
    with pytest.raises(StoreUnavailable, match="disk is full; free some space"):
        store.create_tree(
            ws.id, NewTask("big", description="x" * 19_000, subtasks=[NewTask("y" * 150)] * 50)
        )
    assert store.conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0] == before
    assert not store.conn.in_transaction
    store.close()


@pytest.mark.fault(
    "another process holds the store locked past the busy timeout",
    "a clear 'held the store locked' error; the next write after release succeeds",
)
def test_lock_held_past_busy_timeout_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tasks.db"
    TaskStore.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    store = TaskStore(db.connect(path), path)
    store.conn.execute("PRAGMA busy_timeout = 200")
    try:
        with pytest.raises(StoreBusy, match="held the store locked"):
            store.record_event("x")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.record_event("x")
    assert store.events(kind="x", limit=5)
    store.close()


@pytest.mark.fault("the store file is read-only", "a clear 'read-only' error naming the file")
def test_read_only_store_is_explained(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root ignores file modes; use SQLite's own read-only mode to get the same error.
        path = tmp_path / "tasks.db"
        TaskStore.open(path).close()
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        store = TaskStore(conn, path)
    else:  # pragma: no cover - CI runs as root
        path = tmp_path / "tasks.db"
        TaskStore.open(path).close()
        path.chmod(0o444)
        store = TaskStore.open(path)
    with pytest.raises(StoreUnavailable, match="read-only"):
        store.record_event("x")
    store.close()
