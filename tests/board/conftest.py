"""Fixtures for the board tests (the autouse isolation of tests/conftest.py applies)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from board_support import BoardServer, seed

from task_orchestrator.core.paths import Paths
from task_orchestrator.core.store import TaskStore


@pytest.fixture
def seeded(store: TaskStore, workspace_dir: Path) -> dict[str, Any]:
    return seed(store, workspace_dir)


@pytest.fixture
def board(paths: Paths, store: TaskStore, workspace_dir: Path) -> Iterator[BoardServer]:
    """A board over the test's store, signed in."""
    with BoardServer(paths.db, folder=str(workspace_dir)) as server:
        server.login()
        yield server
