"""Fixtures for the tasks CLI tests: the project folder and proving a command wrote nothing
(the in-process runner is in cli_support.py)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from task_orchestrator.core.paths import Paths


@pytest.fixture
def project(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current folder is a git project."""
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


@pytest.fixture
def other_project(tmp_path: Path) -> Path:
    other = tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    return other


class StoreWatch:
    """What a command must leave alone: every row of every table, the file's size and
    mtime, and SQLite's data_version as seen by a connection held open across the command
    (it changes when any other connection commits)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.conn = sqlite3.connect(db)

    def state(self) -> dict[str, Any]:
        tables = [
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        st = os.stat(self.db)
        return {
            "rows": {t: sorted(map(repr, self.conn.execute(f"SELECT * FROM {t}"))) for t in tables},
            "size": st.st_size,
            "mtime": st.st_mtime_ns,
            "data_version": self.conn.execute("PRAGMA data_version").fetchone()[0],
        }

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def unchanged(paths: Paths) -> Iterator[Callable[[], Any]]:
    """``with unchanged():`` around a command asserts the store is as it was."""
    from contextlib import contextmanager

    watches: list[StoreWatch] = []

    @contextmanager
    def check() -> Iterator[None]:
        watch = StoreWatch(paths.db)
        watches.append(watch)
        before = watch.state()
        yield
        assert watch.state() == before

    yield check
    for w in watches:
        w.close()
