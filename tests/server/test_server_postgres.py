"""The server on a PostgreSQL store: chosen by TASK_ORCHESTRATOR_STORE_URL (or [store] url),
reopened by restart_server, with no SQLite file created or watched."""

from __future__ import annotations

import pytest

from task_orchestrator.core.models import NewTask
from task_orchestrator.core.paths import default_paths
from task_orchestrator.server.state import ServerState


def test_server_state_opens_the_configured_postgres_store(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASK_ORCHESTRATOR_STORE_URL", pg_url)
    paths = default_paths()
    state = ServerState.open(paths)
    try:
        assert state.store.engine == "postgres"
        ws = state.store.workspace("/tmp/team")
        (task,) = state.store.create_tree(ws.id, NewTask("shared"))
        state.reopen()
        assert state.store.engine == "postgres"
        assert state.store.get_task(task.id).title == "shared"
        assert state.store_file_problem() is None
        assert not paths.db.exists()
    finally:
        state.close()


def test_a_bad_store_url_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASK_ORCHESTRATOR_STORE_URL", "sqlite:///x")
    state = ServerState.open(default_paths())
    assert state.store_or_none is None
    assert "must be a postgresql://" in (state.store_error or "")
