"""Team server tests: real `task-orchestrator serve --transport streamable-http` processes on
a throwaway PostgreSQL database (tests/conftest.py ``pg_url``), made a team's with two
members, driven over real HTTP (urllib for /health and /hooks, the mcp SDK's streamable
HTTP client for MCP)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The board's test helpers (tests/board), for the live board on PostgreSQL.
_BOARD = str(Path(__file__).resolve().parents[1] / "board")
if _BOARD not in sys.path:
    sys.path.insert(0, _BOARD)

from team_support import Team, TeamServer, start_server  # noqa: E402

from task_orchestrator.core.store import TaskStore  # noqa: E402


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def team(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Team:
    """The test's database, a team's ("acme") with members alice and bob."""
    monkeypatch.setenv("TASK_ORCHESTRATOR_STORE_URL", pg_url)
    with TaskStore.open(pg_url) as store:
        store.init_team("acme")
        _, alice = store.add_member("alice")
        _, bob = store.add_member("bob")
    return Team(url=pg_url, tokens={"alice": alice, "bob": bob})


@pytest.fixture
def server(team: Team, tmp_path: Path) -> Iterator[TeamServer]:
    running = start_server(tmp_path / "server-1.log")
    try:
        yield running
    finally:
        running.stop()
