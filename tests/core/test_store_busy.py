"""StoreBusy: the one error for a store locked past the busy timeout, made in one place
(core/db.py ``store_error``) and caught by type."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from task_orchestrator.core import db
from task_orchestrator.core.errors import StoreBusy, StoreUnavailable
from task_orchestrator.core.store import TaskStore


def test_a_lock_held_too_long_is_store_busy(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    TaskStore.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with TaskStore.open(path, busy_timeout=0.05) as store:
            ws_count = store.conn.execute("SELECT COUNT(*) FROM workspaces").fetchone()
            assert ws_count is not None  # reading in WAL mode still works
            with pytest.raises(StoreBusy) as caught:
                store.workspace("/tmp/busy")
            assert isinstance(
                caught.value, StoreUnavailable
            )  # callers of the old type keep working
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_fresh_store_locked_while_it_is_made_is_store_busy(tmp_path: Path) -> None:
    """Creating and migrating a store needs the write lock too: the same error."""
    path = tmp_path / "tasks.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE other (x)")
    try:
        with pytest.raises(StoreBusy):
            TaskStore.open(path, busy_timeout=0.05)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize(
    ("message", "busy"),
    [
        ("database is locked", True),
        ("database table is locked", True),
        ("database schema is locked: main", True),
        ("disk I/O error", False),
        ("database or disk is full", False),
    ],
)
def test_is_busy_without_error_codes(message: str, busy: bool) -> None:
    """Python 3.10 gives no SQLite error codes; SQLite's messages decide there."""
    exc = sqlite3.OperationalError(message)
    assert getattr(exc, "sqlite_errorcode", None) is None
    assert db.is_busy(exc) is busy
    assert isinstance(db.store_error("f", exc), StoreBusy) is busy
