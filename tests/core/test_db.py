"""core/db.py uses ``_sqlite3``, the C module behind the ``sqlite3`` package, to spare the
hooks the package's import. That is only safe while the package re-exports the very same
objects: the server imports ``sqlite3`` and catches its errors, raised by connections that
core/db.py opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from task_orchestrator.core import db

NAMES = (
    "connect",
    "Connection",
    "Cursor",
    "Row",
    "Error",
    "DatabaseError",
    "OperationalError",
    "IntegrityError",
    "ProgrammingError",
)


@pytest.mark.parametrize("name", NAMES)
def test_the_package_exports_the_very_objects_db_uses(name: str) -> None:
    assert getattr(sqlite3, name) is getattr(db.sqlite3, name)


def test_an_error_of_our_connection_is_caught_as_the_package_error(tmp_path: Path) -> None:
    conn = db.sqlite3.connect(str(tmp_path / "x.db"))
    try:
        assert isinstance(conn, sqlite3.Connection)
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("SELECT * FROM no_such_table")
    finally:
        conn.close()
