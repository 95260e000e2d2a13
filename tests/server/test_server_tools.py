"""Normal paths of the tools the workflow test does not cover in depth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from server_helpers import ok, text

from task_orchestrator.core.paths import Paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.server.app import build_server

pytestmark = pytest.mark.anyio


async def make_plan(c: Client) -> dict[str, Any]:
    return await ok(
        c,
        "orchestrator_plan_task",
        {"title": "P", "subtasks": [{"title": "A"}, {"title": "B", "depends_on": [0]}]},
    )


async def test_update_with_version_and_dependencies(client: Client) -> None:
    plan = await make_plan(client)
    a, b = (s["id"] for s in plan["subtasks"])
    out = await ok(
        client,
        "orchestrator_update_task",
        {
            "task_id": a,
            "title": "A2",
            "expected_version": 1,
            "specialist": "tester",
            "context": {"k": 1},
        },
    )
    assert out["task"]["version"] == 2 and set(out["changed"]) == {"title", "specialist", "context"}
    out = await ok(client, "orchestrator_update_task", {"task_id": b, "remove_dependencies": [a]})
    assert out["task"]["depends_on"] == []


async def test_cancel_cascades_and_can_drop_work(client: Client, db: TaskStore) -> None:
    plan = await make_plan(client)
    a = plan["subtasks"][0]["id"]
    await ok(
        client,
        "orchestrator_complete_task",
        {"task_id": a, "summary": "s", "detailed_work": "w", "next_action": "continue"},
    )
    kept = await ok(
        client, "orchestrator_cancel_task", {"task_id": plan["task"]["id"], "reason": "r"}
    )
    assert len(kept["cancelled"]) == 3 and len(db.artifacts(a)) == 1
    plan2 = await make_plan(client)
    a2 = plan2["subtasks"][0]["id"]
    await ok(
        client,
        "orchestrator_complete_task",
        {"task_id": a2, "summary": "s", "detailed_work": "w", "next_action": "blocked"},
    )
    await ok(
        client,
        "orchestrator_cancel_task",
        {"task_id": a2, "reason": "r", "preserve_work": False, "cascade": False},
    )
    assert db.artifacts(a2) == [] and db.get_task(plan2["task"]["id"]).status == "pending"


async def test_delete_archives_by_default_and_forces_hard_delete(
    client: Client, db: TaskStore
) -> None:
    plan = await make_plan(client)
    root = plan["task"]["id"]
    out = await ok(client, "orchestrator_delete_task", {"task_id": root})
    assert out["action"] == "archived" and len(out["ids"]) == 3
    q = await ok(client, "orchestrator_query_tasks", {})
    assert q["total"] == 0
    q = await ok(client, "orchestrator_query_tasks", {"include_archived": True})
    assert q["total"] == 3
    out = await ok(
        client,
        "orchestrator_delete_task",
        {"task_id": root, "archive_instead": False, "force": True},
    )
    assert out["action"] == "deleted"
    assert db.integrity_problems() == []


async def test_maintenance_actions_apply_only_without_dry_run(
    client: Client, db: TaskStore, workspace_dir: Path
) -> None:
    plan = await make_plan(client)
    a, _b = (s["id"] for s in plan["subtasks"])
    await ok(client, "orchestrator_execute_task", {"task_id": a})
    db.conn.execute(
        "UPDATE tasks SET updated_at = '2000-01-01T00:00:00.000000Z' WHERE id = ?", (a,)
    )
    dry = await ok(client, "orchestrator_maintenance_coordinator", {"action": "scan_cleanup"})
    assert any(a in f for f in dry["findings"]) and dry["changed"] == []
    assert db.get_task(a).status == "in_progress"
    done = await ok(
        client, "orchestrator_maintenance_coordinator", {"action": "scan_cleanup", "dry_run": False}
    )
    assert done["changed"] == [f"{a} reset to pending"]

    # An open subtask under a cancelled parent is an orphan.
    db.conn.execute("UPDATE tasks SET status = 'cancelled' WHERE id = ?", (plan["task"]["id"],))
    orphans = await ok(client, "orchestrator_maintenance_coordinator", {"action": "scan_cleanup"})
    assert sum("orphan" in f for f in orphans["findings"]) == 2

    doc = await ok(
        client,
        "orchestrator_maintenance_coordinator",
        {"action": "update_documentation", "dry_run": False},
    )
    assert Path(doc["written_to"]).read_text(encoding="utf-8").startswith("# Tasks of project")
    hand = await ok(client, "orchestrator_maintenance_coordinator", {"action": "prepare_handover"})
    assert "Open tasks" in hand["report"]

    p2 = await ok(client, "orchestrator_plan_task", {"title": "Q", "subtasks": [{"title": "only"}]})
    only = p2["subtasks"][0]["id"]
    await ok(
        client,
        "orchestrator_complete_task",
        {"task_id": only, "summary": "s", "detailed_work": "w"},
    )
    await ok(
        client, "orchestrator_update_task", {"task_id": p2["task"]["id"], "status": "completed"}
    )
    dry = await ok(client, "orchestrator_maintenance_coordinator", {"action": "archive_completed"})
    assert any(p2["task"]["id"] in f for f in dry["findings"]) and not db.get_task(only).archived
    await ok(
        client,
        "orchestrator_maintenance_coordinator",
        {"action": "archive_completed", "dry_run": False},
    )
    assert db.get_task(only).archived


async def test_shutdown_prepare_lists_work_in_progress(client: Client) -> None:
    plan = await make_plan(client)
    await ok(client, "orchestrator_execute_task", {"task_id": plan["subtasks"][0]["id"]})
    out = await ok(client, "orchestrator_shutdown_prepare")
    assert out["safe_to_stop"] is False and len(out["in_progress"]) == 1
    assert "in progress" in out["blockers"][0]


async def test_query_total_is_capped(client: Client, db: TaskStore, workspace_dir: Path) -> None:
    from task_orchestrator.core.models import NewTask
    from task_orchestrator.server.tools_manage import TOTAL_CAP

    ws = db.workspace(workspace_dir)
    for start in range(0, TOTAL_CAP + 1, 199):
        db.create_tree(ws.id, NewTask(title=f"p{start}", subtasks=[NewTask(title="s")] * 198))
    out = await ok(client, "orchestrator_query_tasks", {"limit": 5})
    assert out["total"] == TOTAL_CAP and out["total_is_lower_bound"] is True
    small = await ok(client, "orchestrator_query_tasks", {"text": "p0"})
    assert small["total"] == 1 and small["total_is_lower_bound"] is False


async def test_unopenable_store_is_reported_not_fatal(paths: Paths, workspace_dir: Path) -> None:
    paths.db.parent.mkdir(parents=True)
    paths.db.write_bytes(b"this is not a database" * 100)
    async with Client(build_server()) as c:
        r = await c.call_tool(
            "orchestrator_initialize_session", {"working_directory": str(workspace_dir)}
        )
        assert r.is_error and "cannot be opened" in text(r)
        health = await ok(c, "orchestrator_health_check")
        assert health["status"] == "unhealthy" and not health["store_reachable"]
        recon = await ok(c, "orchestrator_reconnect_test")
        assert recon["ok"] is False
        # Repaired underneath (here: removed, so a fresh store is created): a restart recovers.
        paths.db.unlink()
        await ok(c, "orchestrator_restart_server")
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)})


async def test_query_by_creation_time(client: Client) -> None:
    await make_plan(client)
    everything = await ok(client, "orchestrator_query_tasks", {"created_after": "2000-01-01"})
    assert everything["total"] == 3
    none = await ok(client, "orchestrator_query_tasks", {"created_before": "2000-01-01T00:00Z"})
    assert none["total"] == 0


async def test_restart_reloads_config(client: Client, db: TaskStore, paths: Paths) -> None:
    plan = await make_plan(client)
    a = plan["subtasks"][0]["id"]
    await ok(client, "orchestrator_execute_task", {"task_id": a})
    # Two hours without a change: not stale by default (24 h), stale with a 1 h setting.
    db.conn.execute(
        "UPDATE tasks SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now', '-2 hours') "
        "WHERE id = ?",
        (a,),
    )
    scan = await ok(client, "orchestrator_maintenance_coordinator", {"action": "scan_cleanup"})
    assert not any("stale" in f for f in scan["findings"])
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text("[server]\nstale_hours = 1\n", encoding="utf-8")
    await ok(client, "orchestrator_restart_server")
    scan = await ok(client, "orchestrator_maintenance_coordinator", {"action": "scan_cleanup"})
    assert any(a in f and "stale" in f for f in scan["findings"])
