"""Fixtures for the board tests (the autouse isolation of tests/conftest.py applies)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The browser tests run a real hook beside the board with tests/hooks' helpers, which are on
# sys.path only while the hook tests are collected.
_HOOKS = str(Path(__file__).resolve().parents[1] / "hooks")
# ... and start Chromium as bench/bench_board.py does (bench/browser.py).
_BENCH = str(Path(__file__).resolve().parents[2] / "bench")
for _folder in (_HOOKS, _BENCH):
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

from board_support import BoardServer, seed  # noqa: E402

from task_orchestrator.core.paths import Paths  # noqa: E402
from task_orchestrator.core.store import TaskStore  # noqa: E402


@pytest.fixture
def seeded(store: TaskStore, workspace_dir: Path) -> dict[str, Any]:
    return seed(store, workspace_dir)


@pytest.fixture
def board(paths: Paths, store: TaskStore, workspace_dir: Path) -> Iterator[BoardServer]:
    """A board over the test's store, signed in."""
    with BoardServer(paths.db, folder=str(workspace_dir)) as server:
        server.login()
        yield server
