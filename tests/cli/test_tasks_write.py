"""`tasks add`, `start`, `done`, `cancel`, `reopen`, `edit`: each calls core/steer.py, prints
the task after the change (--json: ``{"task": task_fields, ...}``), and every refusal is one
line ``error: <message>; <advice>`` with exit 1 and the store exactly as it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import new_id, ok, tasks

from task_orchestrator.core.models import MAX_SUMMARY
from task_orchestrator.core.paths import Paths
from task_orchestrator.core.store import TaskStore

FIELDS = {
    "id",
    "title",
    "status",
    "finished",
    "specialist",
    "parent_id",
    "created_at",
    "updated_at",
    "version",
    "description",
    "task_type",
    "complexity",
    "estimated_effort",
    "summary",
    "archived",
    "session_id",
    "workspace_id",
    "started_at",
    "completed_at",
    "depends_on",
    "created_by",
    "created_on",
    "changed_by",
    "changed_on",
    "context",
}


def test_add_creates_store_and_workspace_and_routes_the_specialist(
    project: Path, paths: Paths
) -> None:
    assert not paths.db.exists()
    out = ok("add", "Write tests for the parser coverage")
    assert out.startswith("Added task_") and "(pending)" in out
    assert "specialist: tester (matched: " in out
    data = json.loads(ok("add", "Something vague", "--json"))
    assert set(data["task"]) == FIELDS
    assert data["routing"] == {"specialist": "generalist", "chosen_by": "default", "matched": []}
    data = json.loads(ok("add", "Tests", "--specialist", "devops", "--json"))
    assert data["task"]["specialist"] == "devops" and data["routing"]["chosen_by"] == "given"
    with TaskStore.open(paths.db) as store:
        ws = store.workspace_at(project)
        assert ws is not None and data["task"]["workspace_id"] == ws.id


def test_add_under_a_parent_with_dependencies(project: Path) -> None:
    plan = new_id("Plan", "--description", "the goal")
    a = new_id("A", "--parent", plan)
    data = json.loads(ok("add", "B", "--parent", plan, "--depends-on", a, "--json"))
    assert data["task"]["parent_id"] == plan and data["task"]["depends_on"] == [a]


def test_the_hand_actions_in_turn(project: Path) -> None:
    task = new_id("Fix it")
    data = json.loads(ok("start", task, "--json"))
    assert data["task"]["status"] == "in_progress" and data["task"]["started_at"]
    assert ok("done", task, "--summary", "fixed") == f"Completed {task}: Fix it (completed)\n"
    data = json.loads(ok("show", task, "--json"))
    assert data["task"]["summary"] == "fixed" and data["artifacts"][0]["summary"] == "fixed"
    data = json.loads(ok("reopen", task, "--json"))
    assert data["task"]["status"] == "pending" and data["task"]["completed_at"] is None
    data = json.loads(ok("edit", task, "--title", "Fix it well", "--description", "d", "--json"))
    assert (data["task"]["title"], data["task"]["description"]) == ("Fix it well", "d")
    assert ok("edit", task, "--title", "Again") == f"Edited {task}: Again (pending)\n"
    assert json.loads(ok("done", task, "--json"))["task"]["summary"] == "Done."


def test_cancel_takes_unfinished_subtasks_and_keeps_completed_work(project: Path) -> None:
    plan = new_id("Plan")
    a = new_id("A", "--parent", plan)
    b = new_id("B", "--parent", plan)
    ok("done", a)
    out = ok("cancel", plan, "--reason", "not needed")
    assert out == f"Cancelled {plan}: Plan (cancelled)\n  and 1 unfinished subtasks\n"
    detail = json.loads(ok("show", plan, "--json"))
    assert {s["id"]: s["status"] for s in detail["subtasks"]} == {a: "completed", b: "cancelled"}
    assert any(e["data"].get("reason") == "not needed" for e in detail["events"])
    other = new_id("Other")
    data = json.loads(ok("cancel", other, "--json"))
    assert data["task"]["status"] == "cancelled" and data["cancelled"] == [other]


def test_done_of_a_plan_records_its_synthesis(project: Path) -> None:
    plan = new_id("Plan")
    a = new_id("A", "--parent", plan)
    ok("done", a, "--summary", "a is done")
    ok("done", plan)
    detail = json.loads(ok("show", plan, "--full", "--json"))
    assert detail["task"]["status"] == "completed"
    (art,) = detail["artifacts"]
    assert art["type"] == "synthesis" and "a is done" in art["content"]


def test_a_task_of_another_workspace_is_acted_on_only_with_its_folder(
    project: Path, other_project: Path, unchanged: Callable[[], Any]
) -> None:
    new_id("mine")
    theirs = new_id("theirs", "--workspace", str(other_project))
    with unchanged():
        for args in (
            ["start", theirs],
            ["done", theirs],
            ["cancel", theirs],
            ["edit", theirs, "--title", "x"],
            ["add", "child", "--parent", theirs],
            ["add", "after", "--depends-on", theirs],
        ):
            ran = tasks(*args)
            assert ran.code == 1 and ran.out == "", args
            assert ran.err.startswith(f"error: task {theirs} belongs to another workspace")
            assert str(other_project) in ran.err
            assert ran.err.endswith("; pass --workspace with that folder to act on it\n")
    assert "in_progress" in ok("start", theirs, "--workspace", str(other_project))


def test_an_id_refused_in_a_folder_with_no_workspace_writes_nothing(
    project: Path, other_project: Path, paths: Paths, unchanged: Callable[[], Any]
) -> None:
    theirs = new_id("theirs", "--workspace", str(other_project))
    with unchanged():
        for args in (["start", theirs], ["add", "x", "--parent", theirs]):
            ran = tasks(*args)
            assert ran.code == 1 and "belongs to another workspace" in ran.err, args
    with TaskStore.open(paths.db) as store:
        assert store.workspace_at(project) is None


BAD_INPUTS = [
    # (args, what the error says), each against the store of ``seeded``.
    (
        ["start", "task_nope"],
        "error: no task 'task_nope'; `task-orchestrator tasks list --all` lists the ids",
    ),
    (["done", "task_nope"], "error: no task 'task_nope'; `task-orchestrator tasks list --all`"),
    (["cancel", "task_nope"], "error: no task 'task_nope'"),
    (["reopen", "task_nope"], "error: no task 'task_nope'"),
    (["edit", "task_nope", "--title", "x"], "error: no task 'task_nope'"),
    (["add", "x", "--parent", "task_nope"], "error: no task 'task_nope'"),
    (["add", "x", "--depends-on", "task_nope"], "error: no task 'task_nope'"),
    (["add", "   "], "error: the task: the title is empty; give every task a short title"),
    (["add", "x" * 201], "the title has 201 characters, more than 200"),
    (["edit", "{plan}", "--title", " "], "the title is empty"),
    (["edit", "{plan}"], "error: nothing to change: give --title or --description"),
    (
        ["done", "{done}", "--summary", "s" * (MAX_SUMMARY + 1)],
        f"longer than {MAX_SUMMARY} characters",
    ),
    (
        ["done", "{done}"],
        "is already completed; `task-orchestrator tasks reopen {done}` reopens it",
    ),
    (
        ["start", "{done}"],
        "is completed; reopen it to work on it again; `task-orchestrator tasks reopen",
    ),
    (
        ["start", "{blocked}"],
        "waits for 1 unfinished dependencies: {ready} 'Ready' (pending); `task-orchestrator tasks next` shows what is ready",
    ),
    (
        ["start", "{plan}"],
        "has 2 unfinished subtasks, which are its work; finish or cancel its subtasks first",
    ),
    (
        ["done", "{plan}"],
        "has 2 unfinished subtasks; finish or cancel its subtasks first (`task-orchestrator tasks show {plan}`)",
    ),
    (["reopen", "{plan}"], "is pending, not completed or cancelled; it needs no reopen"),
    (["reopen", "{ready}"], "it needs no reopen"),
    (["cancel", "{cancelled}"], "is already cancelled; nothing to cancel"),
    (["done", "{all_cancelled}"], "was cancelled, so it did nothing; cancel it instead"),
    (["add", "x", "--parent", "{done}"], "is completed; reopen it before planning under it"),
    (["add", "x", "--parent", "{plan}", "--depends-on", "{plan}"], "which it is planned under"),
    (["list", "--status", "nope"], "Invalid value for '--status': 'nope' is not one of"),
    (["list", "--all", "--status", "pending"], "give either --all or --status, not both"),
    (["add", "x", "--specialist", "wizard"], "Invalid value for '--specialist'"),
]


@pytest.fixture
def seeded(project: Path) -> dict[str, str]:
    ids = {"plan": new_id("Plan")}
    ids["ready"] = new_id("Ready", "--parent", ids["plan"])
    ids["blocked"] = new_id("Blocked", "--parent", ids["plan"], "--depends-on", ids["ready"])
    ids["done"] = new_id("Done")
    ok("done", ids["done"])
    ids["cancelled"] = new_id("Cancelled")
    ok("cancel", ids["cancelled"])
    ids["all_cancelled"] = new_id("All cancelled")
    ok("cancel", new_id("only step", "--parent", ids["all_cancelled"]))
    return ids


@pytest.mark.parametrize(
    ("args", "message"), BAD_INPUTS, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_every_bad_input_is_one_line_and_writes_nothing(
    seeded: dict[str, str], args: list[str], message: str, unchanged: Callable[[], Any]
) -> None:
    args = [a.format(**seeded) for a in args]
    with unchanged():
        ran = tasks(*args)
    assert ran.code in (1, 2) and ran.out == ""
    assert message.format(**seeded) in ran.err
    if ran.code == 1:
        assert ran.err.startswith("error: ") and ran.err.count("\n") == 1


def test_refusals_before_any_store_exists_create_nothing(project: Path, paths: Paths) -> None:
    for args in (
        ["add", " "],
        ["add", "x", "--parent", "task_nope"],
        ["start", "task_nope"],
        ["done", "task_nope"],
        ["edit", "task_nope", "--title", "x"],
    ):
        ran = tasks(*args)
        assert ran.code == 1 and ran.err.startswith("error: "), args
    assert not paths.root.exists() or not paths.db.exists()


def test_add_in_the_home_folder_is_refused(
    isolated_home: Path, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(isolated_home)
    ran = tasks("add", "x")
    assert ran.code == 1 and "is your home folder, not a project folder" in ran.err
    assert "--workspace DIR" in ran.err
    assert not paths.db.exists()
    assert "No work recorded" in ok("list") and "is your home folder" in ok("list")
