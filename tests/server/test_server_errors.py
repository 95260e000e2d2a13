"""Every input a model can get wrong: a tool error whose message says what to change, and
proof (the store fingerprint) that nothing was written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from server_helpers import err, fingerprint, ok

from task_orchestrator.core.store import TaskStore

pytestmark = pytest.mark.anyio


async def refused(c: Client, db: TaskStore, name: str, args: dict[str, Any], *needles: str) -> str:
    before = fingerprint(db)
    msg = await err(c, name, args)
    for needle in needles:
        assert needle in msg, msg
    assert fingerprint(db) == before, f"{name} wrote something before refusing: {msg}"
    return msg


@pytest.fixture
async def plan(client: Client) -> dict[str, Any]:
    return await ok(
        client,
        "orchestrator_plan_task",
        {
            "title": "Parent",
            "description": "goal",
            "subtasks": [{"title": "A"}, {"title": "B", "depends_on": ["A"]}],
        },
    )


async def test_initialize_session_bad_directories(
    client: Client, db: TaskStore, tmp_path: Path
) -> None:
    await refused(
        client, db, "orchestrator_initialize_session", {"working_directory": "rel/dir"}, "relative"
    )
    await refused(
        client,
        db,
        "orchestrator_initialize_session",
        {"working_directory": str(tmp_path / "missing")},
        "not an existing directory",
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ({"title": "   "}, "title is empty"),
        ({"title": "x" * 300}, "more than 200"),
        ({"title": "x" * 500}, "at most 400"),
        ({"title": "P", "subtasks": [{"title": ""}]}, "title is empty"),
        ({"title": "P", "subtasks": [{"title": "a", "depends_on": ["nope"]}]}, "neither the title"),
        ({"title": "P", "subtasks": [{"title": "a", "depends_on": [5]}]}, "out of range"),
        ({"title": "P", "subtasks": [{"title": "a", "depends_on": [0]}]}, "depends on itself"),
        (
            {
                "title": "P",
                "subtasks": [
                    {"title": "a", "depends_on": ["b"]},
                    {"title": "b", "depends_on": ["a"]},
                ],
            },
            "cycle",
        ),
        ({"title": "P", "subtasks": [{"title": f"s{i}"} for i in range(200)]}, "more than 200"),
        ({"title": "P", "subtasks": [{"title": "a"}], "template": "feature"}, "not both"),
        ({"title": "P", "template": "nonexistent"}, "choose one of"),
        ({"title": "P", "parent_task_id": "task_nothere"}, "no task"),
        ({"title": "P", "complexity": "huge"}, "complexity"),
        ({"title": "P", "context": {"blob": "x" * 60_000}}, "more than 50000"),
        ({"title": "P", "subtasks": [{"title": "a", "specialist": "wizard"}]}, "specialist"),
        ({"description": "no title"}, "title"),
    ],
)
async def test_plan_task_refusals(
    client: Client, db: TaskStore, args: dict[str, Any], needle: str
) -> None:
    await refused(client, db, "orchestrator_plan_task", args, needle)


async def test_plan_under_finished_parent(
    client: Client, db: TaskStore, plan: dict[str, Any]
) -> None:
    a = plan["subtasks"][0]["id"]
    await ok(
        client, "orchestrator_complete_task", {"task_id": a, "summary": "s", "detailed_work": "w"}
    )
    await refused(
        client, db, "orchestrator_plan_task", {"title": "more", "parent_task_id": a}, "reopen"
    )


async def test_execute_refusals(client: Client, db: TaskStore, plan: dict[str, Any]) -> None:
    a, b = (s["id"] for s in plan["subtasks"])
    await refused(client, db, "orchestrator_execute_task", {"task_id": "task_zzzzzzzz"}, "no task")
    await refused(client, db, "orchestrator_execute_task", {"task_id": ""}, "task_id")
    await refused(
        client, db, "orchestrator_execute_task", {"task_id": b}, a, "unfinished dependencies"
    )
    await refused(
        client,
        db,
        "orchestrator_execute_task",
        {"task_id": plan["task"]["id"]},
        "unfinished subtasks",
    )
    await ok(
        client, "orchestrator_complete_task", {"task_id": a, "summary": "s", "detailed_work": "w"}
    )
    await refused(client, db, "orchestrator_execute_task", {"task_id": a}, "reopen")


async def test_complete_refusals(client: Client, db: TaskStore, plan: dict[str, Any]) -> None:
    a = plan["subtasks"][0]["id"]
    base = {"task_id": a, "summary": "s", "detailed_work": "w"}
    await refused(
        client, db, "orchestrator_complete_task", {**base, "task_id": "task_nope"}, "no task"
    )
    await refused(
        client, db, "orchestrator_complete_task", {**base, "summary": "   "}, "summary is empty"
    )
    await refused(client, db, "orchestrator_complete_task", {**base, "summary": ""}, "summary")
    await refused(
        client,
        db,
        "orchestrator_complete_task",
        {**base, "task_id": plan["task"]["id"]},
        "unfinished subtasks",
    )
    await refused(
        client, db, "orchestrator_complete_task", {**base, "next_action": "done"}, "next_action"
    )
    await refused(
        client, db, "orchestrator_complete_task", {**base, "artifact_type": "zip"}, "artifact_type"
    )
    await refused(
        client, db, "orchestrator_complete_task", {**base, "detailed_work": "x" * 500_001}, "500000"
    )
    await ok(client, "orchestrator_cancel_task", {"task_id": a, "reason": "not needed"})
    # Cancelled: the transition is refused and no orphan artifact is left behind.
    await refused(client, db, "orchestrator_complete_task", base, "cannot go from cancelled")


async def test_query_refusals(client: Client, db: TaskStore) -> None:
    for args, needle in [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_000}, "limit"),
        ({"status": ["finished"]}, "status"),
        ({"offset": -1}, "offset"),
        ({"workspace": "relative/dir"}, "absolute directory"),
        ({"created_after": "yesterday"}, "not a UTC time"),
        ({"created_before": "2026-01-31T14:00:00+02:00"}, "not a UTC time"),
        ({"workspace": "/no/such/dir"}, "absolute directory"),
    ]:
        await refused(client, db, "orchestrator_query_tasks", args, needle)


async def test_update_refusals(client: Client, db: TaskStore, plan: dict[str, Any]) -> None:
    a, b = (s["id"] for s in plan["subtasks"])
    await refused(client, db, "orchestrator_update_task", {"task_id": a}, "nothing to change")
    await refused(
        client,
        db,
        "orchestrator_update_task",
        {"task_id": a, "title": "x", "expected_version": 7},
        "version",
    )
    await refused(
        client, db, "orchestrator_update_task", {"task_id": a, "title": " "}, "title is empty"
    )
    await refused(
        client, db, "orchestrator_update_task", {"task_id": a, "add_dependencies": [a]}, "itself"
    )
    await refused(
        client, db, "orchestrator_update_task", {"task_id": a, "add_dependencies": [b]}, "cycle"
    )
    await refused(
        client, db, "orchestrator_update_task", {"task_id": a, "status": "done"}, "status"
    )
    await ok(
        client, "orchestrator_complete_task", {"task_id": a, "summary": "s", "detailed_work": "w"}
    )
    await refused(
        client, db, "orchestrator_update_task", {"task_id": a, "status": "pending"}, "reopen=true"
    )
    fixed = await ok(
        client, "orchestrator_update_task", {"task_id": a, "status": "pending", "reopen": True}
    )
    assert fixed["task"]["status"] == "pending"


async def test_cancel_and_delete_refusals(
    client: Client, db: TaskStore, plan: dict[str, Any]
) -> None:
    parent = plan["task"]["id"]
    await refused(
        client,
        db,
        "orchestrator_cancel_task",
        {"task_id": parent, "reason": " "},
        "reason is empty",
    )
    await refused(
        client, db, "orchestrator_cancel_task", {"task_id": "task_nope", "reason": "r"}, "no task"
    )
    await refused(
        client,
        db,
        "orchestrator_delete_task",
        {"task_id": parent, "archive_instead": False},
        "force=true",
    )
    await refused(client, db, "orchestrator_delete_task", {"task_id": "task_nope"}, "no task")
    out = await ok(client, "orchestrator_cancel_task", {"task_id": parent, "reason": "scope cut"})
    assert len(out["cancelled"]) == 3
    await refused(
        client, db, "orchestrator_cancel_task", {"task_id": parent, "reason": "again"}, "already"
    )


@pytest.mark.fault(
    "synthesize_results and update_documentation asked to write outside the workspace, "
    "through a symlink, to .bashrc, .ssh/authorized_keys or .git/hooks, over a file of the "
    "user's, and over a document of ours that the user edited since",
    "each refused as a tool error naming the reason; every file byte-identical, nothing "
    "written outside; a new document and an unchanged one of ours are written",
)
async def test_synthesize_path_traversal(
    client: Client, db: TaskStore, plan: dict[str, Any], workspace_dir: Path, tmp_path: Path
) -> None:
    parent = plan["task"]["id"]
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, workspace_dir / "link")
    (workspace_dir / "README.md").write_text("the user's own", encoding="utf-8")
    (workspace_dir / ".bashrc").write_text("export PATH=...", encoding="utf-8")
    for path, needle in [
        ("../escape.md", "outside the workspace"),
        (str(outside / "abs.md"), "absolute"),
        ("link/x.md", "symbolic link"),
        ("docs/../../x.md", "outside the workspace"),
        (" ", "empty"),
        (".bashrc", "hidden file"),
        (".ssh/authorized_keys", "hidden file"),
        (".git/hooks/pre-commit", "hidden file"),
        ("README.md", "not written by task-orchestrator"),
    ]:
        await refused(
            client,
            db,
            "orchestrator_synthesize_results",
            {"parent_task_id": parent, "write_to": path},
            needle,
        )
    await refused(
        client,
        db,
        "orchestrator_maintenance_coordinator",
        {"action": "update_documentation", "dry_run": False, "path": ".task-orchestrator/r.md"},
        "hidden file",
    )
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "escape.md").exists()
    assert (workspace_dir / "README.md").read_text(encoding="utf-8") == "the user's own"
    assert (workspace_dir / ".bashrc").read_text(encoding="utf-8") == "export PATH=..."
    assert not (workspace_dir / ".ssh").exists()
    await refused(
        client, db, "orchestrator_synthesize_results", {"parent_task_id": "task_nope"}, "no task"
    )
    # A new document, then the same one again (still exactly ours), then edited: refused.
    args = {"parent_task_id": parent, "write_to": "docs/result.md"}
    first = await ok(client, "orchestrator_synthesize_results", args)
    again = await ok(client, "orchestrator_synthesize_results", args)
    assert first["written_to"] == again["written_to"]
    Path(again["written_to"]).write_text("my notes", encoding="utf-8")
    await refused(client, db, "orchestrator_synthesize_results", args, "changed since")
    assert Path(again["written_to"]).read_text(encoding="utf-8") == "my notes"


async def test_maintenance_refusals(client: Client, db: TaskStore, workspace_dir: Path) -> None:
    await refused(
        client, db, "orchestrator_maintenance_coordinator", {"action": "defrag"}, "action"
    )
    await refused(
        client,
        db,
        "orchestrator_maintenance_coordinator",
        {"action": "scan_cleanup", "stale_hours": -1},
        "stale_hours",
    )
    await refused(
        client,
        db,
        "orchestrator_maintenance_coordinator",
        {"action": "update_documentation", "dry_run": False, "path": "../../report.md"},
        "outside the workspace",
    )
    await refused(client, db, "orchestrator_restart_status", {"limit": 0}, "limit")


async def test_a_crash_is_logged_with_its_traceback_and_answered_as_internal(
    client: Client,
    plan: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug is not a refusal: the caller is told it was not their fault and where the
    details are; the log has the traceback; the server keeps serving."""
    from task_orchestrator.core.store import TaskStore as Store
    from task_orchestrator.logs import log_file

    def broken(self: Store, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the store")

    with monkeypatch.context() as bug, caplog.at_level("ERROR", logger="task_orchestrator"):
        bug.setattr(Store, "start_task", broken)
        msg = await err(client, "orchestrator_execute_task", {"task_id": plan["subtasks"][0]["id"]})
    assert "internal error in orchestrator_execute_task" in msg
    assert str(log_file()) in msg and "a bug in the store" not in msg
    crash = [r for r in caplog.records if r.exc_info]
    assert crash and "RuntimeError: a bug in the store" in caplog.text
    assert "Traceback" in caplog.text
    await ok(client, "orchestrator_get_status", {})
