"""orchestrator_health_check and the maintenance tool on a PostgreSQL store say what is true
there: the database reached, its schema version, the store's invariants, its size; no file,
WAL or local disk; backups are the database operator's (pg_dump), not a file we copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from server_helpers import ok, text

from task_orchestrator.core.migrations import SCHEMA_VERSION
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.server.app import build_server

pytestmark = pytest.mark.anyio


async def test_health_and_maintenance_on_postgres(
    pg_url: str, workspace_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASK_ORCHESTRATOR_STORE_URL", pg_url)
    async with Client(build_server(), mode="legacy") as c:
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)})
        await ok(c, "orchestrator_plan_task", {"title": "Shared", "subtasks": [{"title": "a"}]})
        r = await c.call_tool("orchestrator_health_check", {})
        health = r.structured_content
        assert health is not None and health["status"] == "healthy", text(r)
        assert health["engine"] == "postgres" and health["schema_version"] == SCHEMA_VERSION
        assert health["store_path"].startswith("postgresql://")
        assert health["db_bytes"] > 0 and health["wal_bytes"] == 0
        assert "pg_dump" in health["backups"] and "pg_dump" in text(r)
        assert sum(health["counts"].values()) == 2
        found = await ok(
            c, "orchestrator_maintenance_coordinator", {"action": "validate_structure"}
        )
        assert found["findings"][0].startswith("structure ok")
        assert any("pg_dump" in f for f in found["findings"])
        # A broken invariant (a dependency cycle, made behind the store's back) is found.
        with TaskStore.open(pg_url) as store:
            a, b = _two(store)
            store.conn.execute(
                "INSERT INTO dependencies (task_id, depends_on_id) VALUES (?,?), (?,?)",
                (a, b, b, a),
            )
        health = await ok(c, "orchestrator_health_check")
        assert health["status"] == "unhealthy" and not health["integrity_ok"]
        assert any("cycle" in reason for reason in health["reasons"])
    assert not default_paths().db.exists()


def _two(store: TaskStore) -> tuple[str, str]:
    ids = [r[0] for r in store.conn.execute("SELECT id FROM tasks ORDER BY id")]
    return ids[0], ids[1]
