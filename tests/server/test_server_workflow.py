"""A whole session as a model would drive it, in both client modes."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from server_helpers import err, ok

from task_orchestrator.server.app import build_server

pytestmark = pytest.mark.anyio


async def test_whole_workflow(mode: str, workspace_dir: Path) -> None:
    async with Client(build_server(), mode=mode) as c:
        init = await ok(
            c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir / "")}
        )
        assert init["workspace"] == str(workspace_dir.resolve())
        assert init["workspace_source"] == "argument"
        assert init["session_id"].startswith("sess_")

        plan = await ok(
            c,
            "orchestrator_plan_task",
            {
                "title": "Add CSV export",
                "description": "Users want to export reports as CSV.",
                "subtasks": [
                    {"title": "Design the export format", "specialist": "architect"},
                    {"title": "Implement the exporter", "depends_on": [0]},
                    {
                        "title": "Write tests for the exporter",
                        "depends_on": ["Implement the exporter"],
                    },
                    {"title": "Document the export", "depends_on": [1]},
                ],
            },
        )
        subs = plan["subtasks"]
        ids = [s["id"] for s in subs]
        assert [s["specialist"] for s in subs] == [
            "architect",
            "implementer",
            "tester",
            "documenter",
        ]
        assert plan["ready"] == [ids[0]]
        assert subs[2]["depends_on"] == [ids[1]]

        # Out of order: refused with the blocker named, nothing changes.
        msg = await err(c, "orchestrator_execute_task", {"task_id": ids[2]})
        assert ids[1] in msg and "unfinished dependencies" in msg

        order = [ids[0], ids[1], ids[2], ids[3]]
        for i, tid in enumerate(order):
            ex = await ok(c, "orchestrator_execute_task", {"task_id": tid})
            assert ex["task"]["status"] == "in_progress"
            assert ex["specialist"]["role"] and ex["specialist"]["approach"]
            assert ex["parent_goal"] == "Users want to export reports as CSV."
            if tid == ids[1]:
                assert ex["dependency_results"][0]["summary"] == "done 0"
            done = await ok(
                c,
                "orchestrator_complete_task",
                {
                    "task_id": tid,
                    "summary": f"done {i}",
                    "detailed_work": f"the full work of step {i} " * 50,
                    "file_paths": ["src/export.py"],
                    "artifact_type": "code",
                },
            )
            assert done["status"] == "completed"
            assert "the full work" not in str(done)  # stored, not echoed
            assert done["parent_ready_for_synthesis"] is (i == 3)
        syn = await ok(
            c,
            "orchestrator_synthesize_results",
            {"parent_task_id": plan["task"]["id"], "write_to": "docs/export.md"},
        )
        assert syn["all_complete"] is True and len(syn["completed"]) == 4
        assert (workspace_dir / "docs" / "export.md").read_text(encoding="utf-8") == syn["markdown"]

        status = await ok(c, "orchestrator_get_status")
        assert status["counts"]["completed"] == 4
        assert status["recent_completions"]

        maint = await ok(
            c, "orchestrator_maintenance_coordinator", {"action": "validate_structure"}
        )
        assert "structure ok" in maint["findings"][0]
        health = await ok(c, "orchestrator_health_check")
        assert health["status"] == "healthy", health["reasons"]
        assert health["process_rss_bytes"] > 0 and health["disk_free_bytes"] > 0

        restart = await ok(c, "orchestrator_restart_server")
        assert restart["restarts"] == 1 and restart["timings_ms"]["total"] >= 0
        rs = await ok(c, "orchestrator_restart_status")
        assert rs["last"]["data"]["ok"] is True and rs["restarts_this_process"] == 1

        # After the restart: same session, the store answers from the new connection.
        q = await ok(c, "orchestrator_query_tasks", {"status": ["completed"]})
        assert {t["id"] for t in q["tasks"]} == set(ids)
        recon = await ok(c, "orchestrator_reconnect_test")
        assert recon["ok"] and recon["session"]["session_id"] == init["session_id"]
        shut = await ok(c, "orchestrator_shutdown_prepare")
        assert shut["safe_to_stop"] is True and shut["checkpoint_done"]


async def test_partial_synthesis_never_says_all_done(client: Client) -> None:
    plan = await ok(
        client,
        "orchestrator_plan_task",
        {"title": "Two steps", "subtasks": [{"title": "one"}, {"title": "two"}]},
    )
    first = plan["subtasks"][0]["id"]
    await ok(
        client,
        "orchestrator_complete_task",
        {"task_id": first, "summary": "s", "detailed_work": "w"},
    )
    syn = await ok(
        client, "orchestrator_synthesize_results", {"parent_task_id": plan["task"]["id"]}
    )
    assert syn["all_complete"] is False
    assert [t["title"] for t in syn["not_complete"]] == ["two"]
    assert "1 of 2 subtasks complete" in syn["markdown"]


async def test_template_plan_and_routing(client: Client) -> None:
    plan = await ok(
        client,
        "orchestrator_plan_task",
        {"title": "Fix crash on save", "description": "Saving a file raises an exception."},
    )
    assert plan["template"] == "bugfix"
    assert "crash" in plan["template_matched"]
    assert plan["subtasks"][0]["specialist"] == "debugger"
    assert "adjust" in plan["hint"]
    named = await ok(client, "orchestrator_plan_task", {"title": "Anything", "template": "release"})
    assert named["template"] == "release" and len(named["subtasks"]) == 5
    routed = await ok(
        client,
        "orchestrator_plan_task",
        {"title": "Work", "subtasks": [{"title": "Review the pull request for security issues"}]},
    )
    assert routed["subtasks"][0]["specialist"] == "reviewer"
    assert routed["routing"][0]["chosen_by"] == "keywords"
