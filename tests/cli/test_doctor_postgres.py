"""`task-orchestrator doctor` on a PostgreSQL store, as a real process: it reaches the
database, reads its schema version without migrating it, checks the store's invariants,
names the team, and says that backups are the database operator's (pg_dump)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from process_support import SERVER

from task_orchestrator.core.migrations import SCHEMA_VERSION
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore


def _doctor(url: str, cwd: Path) -> dict[str, dict[str, Any]]:
    env = {**os.environ, "TASK_ORCHESTRATOR_STORE_URL": url}
    ran = subprocess.run(
        [str(SERVER), "doctor", "--json"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    checks = json.loads(ran.stdout)["checks"]
    return {c["check"]: c for c in checks if c["check"].startswith("store")}


def test_doctor_on_a_team_store(pg_url: str, tmp_path: Path) -> None:
    with TaskStore.open(pg_url) as store:
        store.init_team("acme")
        store.add_member("ann")
        store.revoke_member(store.add_member("bob")[0].name)
    checks = _doctor(pg_url, tmp_path)
    assert (
        checks["store reachable"]["ok"]
        and "PostgreSQL postgresql://" in (checks["store reachable"]["detail"])
    )
    assert checks["store schema"]["detail"] == f"schema version {SCHEMA_VERSION}"
    assert checks["store healthy"]["ok"] and "invariants hold" in checks["store healthy"]["detail"]
    assert checks["store team"]["detail"] == "team acme, 1 live member(s)"
    assert "pg_dump" in checks["store backups"]["detail"]
    assert not default_paths().db.exists()


def test_doctor_finds_a_broken_invariant(pg_url: str, tmp_path: Path) -> None:
    with TaskStore.open(pg_url) as store:
        ws = store.workspace_by_key("k", machine="m", path="/p")
        from task_orchestrator.core.models import NewTask

        a, b = store.create_tree(ws.id, NewTask("a", subtasks=[NewTask("b")]))
        store.conn.execute(
            "INSERT INTO dependencies (task_id, depends_on_id) VALUES (?,?), (?,?)",
            (a.id, b.id, b.id, a.id),
        )
    check = _doctor(pg_url, tmp_path)["store healthy"]
    assert not check["ok"] and "cycle" in check["detail"] and check["fix"]
    assert "no team yet" in _doctor(pg_url, tmp_path)["store team"]["detail"]


def test_doctor_does_not_migrate_an_empty_database(pg_empty_url: str, tmp_path: Path) -> None:
    checks = _doctor(pg_empty_url, tmp_path)
    assert checks["store schema"]["ok"]
    assert "first server start migrates it" in checks["store schema"]["detail"]
    assert "store healthy" not in checks
    from task_orchestrator.core import pg

    conn = pg.connect(pg_empty_url, busy_timeout=5)
    try:
        assert conn.schema_version() == 0
    finally:
        conn.close()


def test_doctor_reports_an_unreachable_database(tmp_path: Path) -> None:
    url = f"postgresql://nobody@/nowhere?host={tmp_path}"
    check = _doctor(url, tmp_path)["store reachable"]
    assert not check["ok"] and "cannot be opened" in check["detail"]
    assert "database server is up" in check["fix"]
