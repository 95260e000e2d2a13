"""Schema upgrades from every earlier version, and refusal of a newer one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from task_orchestrator.core import db
from task_orchestrator.core.errors import StoreUnavailable
from task_orchestrator.core.migrations import MIGRATIONS, SCHEMA_VERSION
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.store import TaskStore


def _make_store_at(path: Path, version: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for number, statements in MIGRATIONS:
        if number > version:
            break
        for statement in statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO workspaces VALUES ('ws_old', '/tmp/old', 'old', '2025-01-01T00:00:00.000000Z')"
    )
    conn.execute(
        "INSERT INTO tasks (id, workspace_id, title, status, task_type, complexity, specialist, "
        "created_at, updated_at) VALUES ('task_old', 'ws_old', 'Kept', 'pending', 'standard', "
        "'moderate', 'generalist', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')"
    )
    conn.close()


@pytest.mark.parametrize("start", [v for v, _ in MIGRATIONS if v < SCHEMA_VERSION])
def test_upgrade_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    path = tmp_path / "tasks.db"
    _make_store_at(path, start)
    with TaskStore.open(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.get_task("task_old").title == "Kept"
        # The tables of later versions work.
        sess, _ = store.open_session("ws_old", "test")
        store.save_snapshot(session_id=sess.id, task_id="task_old", reason="t", body={})
        store.create_tree("ws_old", NewTask("new"), parent_id="task_old")
        assert store.integrity_problems(full=True) == []


def test_fresh_store_is_current(tmp_path: Path) -> None:
    with TaskStore.open(tmp_path / "tasks.db") as store:
        assert store.schema_version() == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    _make_store_at(path, SCHEMA_VERSION)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreUnavailable, match="newer than this program's"):
        TaskStore.open(path)


def test_missing_store_not_recreated_when_told(tmp_path: Path) -> None:
    path = tmp_path / "gone" / "tasks.db"
    with pytest.raises(StoreUnavailable, match="does not exist"):
        db.connect(path, create=False)
    assert not path.exists()


def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailable, match="cannot be opened"):
        TaskStore.open(path)
    assert path.read_bytes() == b"this is not a database" * 100


def test_garbage_file_beside_a_live_log_is_refused(tmp_path: Path) -> None:
    # A store overwritten in place while a connection holds its write-ahead log: SQLite would
    # open it and serve the log's pages over the garbage, so the header is checked first.
    path = tmp_path / "tasks.db"
    live = TaskStore.open(path)
    live.create_tree(live.workspace(tmp_path).id, NewTask("in the log"))
    junk = b"\x00junk" * (path.stat().st_size // 5)
    path.write_bytes(junk)
    assert (tmp_path / "tasks.db-wal").stat().st_size > 0
    with pytest.raises(StoreUnavailable, match="not a SQLite database"):
        TaskStore.open(path)
    assert path.read_bytes() == junk
    live.close()


def test_empty_file_is_an_empty_store(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    path.touch()
    with TaskStore.open(path) as store:
        assert db.schema_version(store.conn) == SCHEMA_VERSION
