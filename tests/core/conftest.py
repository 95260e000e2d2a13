"""The store tests run against both engines: every test that takes ``store`` runs once on a
SQLite file and once on a fresh PostgreSQL database (tests/conftest.py, ``pg_url``). A test
about something only SQLite has (its file, its locks, its PRAGMAs) is marked
``@pytest.mark.sqlite_only`` and runs once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from task_orchestrator.core.paths import Paths
from task_orchestrator.core.store import TaskStore

ENGINES = ("sqlite", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: a store test about SQLite itself; not run on PostgreSQL"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the PostgreSQL runs of sqlite_only tests (not skipped: there is nothing to run)."""
    keep, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("engine") == "postgres" and item.get_closest_marker("sqlite_only"):
            dropped.append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_location(engine: str, paths: Paths, request: pytest.FixtureRequest) -> str:
    """Where the test's store is: the SQLite file, or a PostgreSQL URL."""
    if engine == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(paths.db)


@pytest.fixture
def store(store_location: str) -> Iterator[TaskStore]:
    s = TaskStore.open(store_location)
    yield s
    s.close()
