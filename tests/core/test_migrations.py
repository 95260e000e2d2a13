"""Schema upgrades from every earlier version, and refusal of a newer one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from task_orchestrator.core import db, pg
from task_orchestrator.core.errors import StoreUnavailable
from task_orchestrator.core.migrations import MIGRATIONS, SCHEMA_VERSION, for_engine
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.store import TaskStore


def _make_store_at(path: Path | str, version: int) -> None:
    """A store of schema ``version`` with one workspace and one task: a SQLite file, or a
    PostgreSQL database for a URL."""
    if isinstance(path, str):
        conn: Any = pg.connect(path, busy_timeout=5)
        engine = "postgres"
    else:
        conn = sqlite3.connect(path, isolation_level=None)
        engine = "sqlite"
    for number, statements in MIGRATIONS:
        if number > version:
            break
        for statement in for_engine(statements, engine):
            conn.execute(statement)
    if engine == "sqlite":
        conn.execute(f"PRAGMA user_version = {version}")
    else:
        conn.set_schema_version(version)
    conn.execute(
        "INSERT INTO workspaces VALUES ('ws_old', '/tmp/old', 'old', '2025-01-01T00:00:00.000000Z')"
    )
    conn.execute(
        "INSERT INTO tasks (id, workspace_id, title, status, task_type, complexity, specialist, "
        "created_at, updated_at) VALUES ('task_old', 'ws_old', 'Kept', 'pending', 'standard', "
        "'moderate', 'generalist', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')"
    )
    conn.close()


@pytest.fixture
def empty_location(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where to make a store from scratch: a file path, or an empty PostgreSQL database."""
    if engine == "postgres":
        return str(request.getfixturevalue("pg_empty_url"))
    return tmp_path / "tasks.db"


@pytest.mark.parametrize("start", [v for v, _ in MIGRATIONS if v < SCHEMA_VERSION])
def test_upgrade_from_every_earlier_version(empty_location: Path | str, start: int) -> None:
    path = empty_location
    _make_store_at(path, start)
    with TaskStore.open(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.get_task("task_old").title == "Kept"
        # The tables of later versions work.
        sess, _ = store.open_session("ws_old", "test")
        store.save_snapshot(session_id=sess.id, task_id="task_old", reason="t", body={})
        store.create_tree("ws_old", NewTask("new"), parent_id="task_old")
        assert store.integrity_problems(full=True) == []
        # v7: a task older than the stamps has none; the team tables work.
        old = store.get_task("task_old")
        assert (old.created_by, old.created_on, old.changed_by, old.changed_on) == ("",) * 4
        assert store.update_task("task_old", title="Kept too").changed_by != ""
        assert store.team() is None
        store.init_team("upgraded")
        assert store.add_member("ann")[0].name == "ann"
        assert store.workspace_by_key("k", machine="m", path="/p").path == "k"


def test_fresh_store_is_current(empty_location: Path | str) -> None:
    with TaskStore.open(empty_location) as store:
        assert store.schema_version() == SCHEMA_VERSION


def test_newer_schema_is_refused(empty_location: Path | str) -> None:
    path = empty_location
    _make_store_at(path, SCHEMA_VERSION)
    if isinstance(path, str):
        conn = pg.connect(path, busy_timeout=5)
        conn.set_schema_version(SCHEMA_VERSION + 1)
        conn.close()
    else:
        raw = sqlite3.connect(path)
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        raw.close()
    with pytest.raises(StoreUnavailable, match="newer than this program's"):
        TaskStore.open(path)


def test_two_processes_migrating_at_once_migrate_once(empty_location: Path | str) -> None:
    """Both engines take the write lock per migration and read the version again under it."""
    import threading

    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            TaskStore.open(empty_location).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with TaskStore.open(empty_location) as store:
        assert store.schema_version() == SCHEMA_VERSION


@pytest.mark.sqlite_only
def test_missing_store_not_recreated_when_told(tmp_path: Path) -> None:
    path = tmp_path / "gone" / "tasks.db"
    with pytest.raises(StoreUnavailable, match="does not exist"):
        db.connect(path, create=False)
    assert not path.exists()


@pytest.mark.sqlite_only
def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailable, match="cannot be opened"):
        TaskStore.open(path)
    assert path.read_bytes() == b"this is not a database" * 100


@pytest.mark.sqlite_only
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


@pytest.mark.sqlite_only
def test_empty_file_is_an_empty_store(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    path.touch()
    with TaskStore.open(path) as store:
        assert db.schema_version(store.conn) == SCHEMA_VERSION
