"""Helpers for driving the server in-process through the real MCP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from mcp import Client

from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.server.app import build_server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["auto", "legacy"])
def mode(request: pytest.FixtureRequest) -> str:
    """'auto' drives the server directly (no JSON-RPC framing); 'legacy' goes through the
    initialize handshake and JSON-RPC messages over in-memory streams."""
    return str(request.param)


@pytest.fixture
async def client(workspace_dir: Path) -> AsyncIterator[Client]:
    async with Client(build_server(), mode="legacy") as c:
        r = await c.call_tool(
            "orchestrator_initialize_session", {"working_directory": str(workspace_dir)}
        )
        assert not r.is_error, r
        yield c


@pytest.fixture
def db() -> Iterator[TaskStore]:
    """A second connection to the server's store, to look behind its back."""
    s = TaskStore.open(default_paths().db)
    yield s
    s.close()
