"""A process that has the store open never loses SQLite's locks on it.

On POSIX, closing any descriptor of a file drops every fcntl lock the process holds on it,
SQLite's included. In WAL mode the lock it loses is the one that tells another process's
closing connection "you are not the last one"; that process then checkpoints and deletes the
``-wal`` file under us, and the next write corrupts the store. These tests take exactly that
path: this process keeps a connection, does what a server or a hook does (check the header,
open the store a second time and close it), then a real second process opens, writes and
closes. Our connection must still count: the ``-wal`` file stays.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from task_orchestrator.core import db
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.store import TaskStore

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX advisory locks")

# A second process that opens the store, writes one task and closes: the last connection to
# close checkpoints and deletes tasks.db-wal, so whether it is deleted tells whether our
# connection still counted.
WRITER = """
import sys
from task_orchestrator.core.store import TaskStore
from task_orchestrator.core.models import NewTask
s = TaskStore.open(sys.argv[1])
ws = s.workspace(sys.argv[2])
s.create_tree(ws.id, NewTask(title="from the other process"))
s.close()
"""


def other_process_writes(db_path: Path, workspace: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", WRITER, str(db_path), str(workspace)], check=True, timeout=60
    )


def wal(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + "-wal")


@pytest.fixture
def opened(tmp_path: Path) -> tuple[TaskStore, Path]:
    path = tmp_path / "data" / "tasks.db"
    store = TaskStore.open(path)
    ws = store.workspace(str(tmp_path))
    store.create_tree(ws.id, NewTask(title="ours"))
    return store, path


@pytest.mark.parametrize(
    "what",
    ["looks_like_sqlite", "read_head", "second store opened and closed", "connect then close"],
)
def test_checks_in_process_keep_our_locks(
    opened: tuple[TaskStore, Path], tmp_path: Path, what: str
) -> None:
    store, path = opened
    assert wal(path).exists()
    if what == "looks_like_sqlite":
        assert db.looks_like_sqlite(path)
    elif what == "read_head":
        assert db.read_head(path) == db.SQLITE_MAGIC
    elif what == "second store opened and closed":
        TaskStore.open(path).close()
    else:
        db.close(db.connect(path))
    other_process_writes(path, tmp_path)
    assert wal(path).exists(), f"after {what}, another process deleted the log under us"
    # And the store is whole, with both writes.
    rows = store.conn.execute("SELECT title FROM tasks").fetchall()
    assert {r[0] for r in rows} >= {"ours", "from the other process"}
    assert db.integrity_check(store.conn) == []
    store.close()


def test_descriptor_closed_with_the_last_connection(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    first = TaskStore.open(path)
    second = TaskStore.open(path)
    key = (os.stat(path).st_dev, os.stat(path).st_ino)
    assert db._FILES.files[key][0] == 2
    first.close()
    assert key in db._FILES.files
    second.close()
    assert key not in db._FILES.files


def test_header_of_a_file_swapped_in_under_us(tmp_path: Path) -> None:
    """A garbage file at the path is still read (and reported) without touching the
    descriptor that guards our connection's locks."""
    path = tmp_path / "tasks.db"
    store = TaskStore.open(path)
    store.close()
    store = TaskStore.open(path)
    os.replace(path, tmp_path / "moved.db")
    path.write_bytes(b"not a database at all")
    assert not db.looks_like_sqlite(path)
    store.close()
