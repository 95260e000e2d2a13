"""Fixtures for the hook tests (the autouse isolation of tests/conftest.py applies too)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hooks_support import PAYLOAD_SETS, use_payloads

from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks import protocol


@pytest.fixture(autouse=True)
def no_leftover_after_work() -> Iterator[None]:
    """A test that calls a handler directly leaves its after-answer work queued; it must not
    run in a later test against another test's store."""
    yield
    protocol.take_after()


@pytest.fixture(params=sorted(PAYLOAD_SETS), ids=lambda v: f"payloads-{v}")
def payloads(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with the real payloads of each Claude Code version (hooks_support.fixture
    reads them), so both shapes stay tested."""
    use_payloads(request.param)
    yield request.param
    use_payloads("2.1.197")


@pytest.fixture
def project(workspace_dir: Path) -> Path:
    return workspace_dir


@pytest.fixture
def open_store() -> Iterator[TaskStore]:
    """The store the hooks wrote, opened after they ran (opening creates it if none did)."""
    stores: list[TaskStore] = []

    def _open() -> TaskStore:
        s = TaskStore.open(default_paths().db)
        stores.append(s)
        return s

    yield _open  # type: ignore[misc]
    for s in stores:
        s.close()


@pytest.fixture
def write_config() -> Iterator[object]:
    def _write(text: str) -> Path:
        path = default_paths().config_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    yield _write


@pytest.fixture
def registered(isolated_home: Path) -> Path:
    """Our server registered in Claude Code's user scope, as the installer would do it."""
    path = isolated_home / ".claude.json"
    path.write_text(
        json.dumps({"mcpServers": {"task-orchestrator": {"type": "stdio", "command": "/x"}}}),
        encoding="utf-8",
    )
    return path
