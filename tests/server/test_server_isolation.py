"""Issue 11, items 4 and 5: one project's session never changes another project's tasks, no
folder that is not a project becomes a workspace, and documents land only where they may."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from server_helpers import err, fingerprint, ok

from task_orchestrator.core.store import TaskStore
from task_orchestrator.server.app import build_server

pytestmark = pytest.mark.anyio


def project(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    (path / ".git").mkdir(parents=True)
    return path


async def plan_in(c: Client, folder: Path) -> dict[str, Any]:
    await ok(c, "orchestrator_initialize_session", {"working_directory": str(folder)})
    return await ok(
        c,
        "orchestrator_plan_task",
        {"title": "A's plan", "subtasks": [{"title": "one"}, {"title": "two"}]},
    )


FOREIGN_CALLS = [
    ("orchestrator_execute_task", lambda t: {"task_id": t}),
    (
        "orchestrator_complete_task",
        lambda t: {"task_id": t, "summary": "done", "detailed_work": "x"},
    ),
    ("orchestrator_update_task", lambda t: {"task_id": t, "title": "hijacked"}),
    ("orchestrator_update_task", lambda t: {"task_id": t, "status": "blocked"}),
    ("orchestrator_cancel_task", lambda t: {"task_id": t, "reason": "r", "preserve_work": False}),
    ("orchestrator_delete_task", lambda t: {"task_id": t}),
    ("orchestrator_delete_task", lambda t: {"task_id": t, "archive_instead": False, "force": True}),
    ("orchestrator_synthesize_results", lambda t: {"parent_task_id": t}),
    ("orchestrator_synthesize_results", lambda t: {"parent_task_id": t, "write_to": "r.md"}),
    (
        "orchestrator_plan_task",
        lambda t: {"title": "under a foreign parent", "parent_task_id": t},
    ),
]


@pytest.mark.fault(
    "every by-id tool called from a session in project B with the ids of project A's tasks "
    "(execute, complete, update, cancel without keeping work, delete with force, synthesize "
    "with write_to, plan under a foreign parent)",
    "a tool error naming the other workspace; nothing written in the store or in either folder",
)
@pytest.mark.parametrize(("tool", "args"), FOREIGN_CALLS)
async def test_foreign_ids_are_refused(tmp_path: Path, db: TaskStore, tool: str, args: Any) -> None:
    a, b = project(tmp_path, "project-a"), project(tmp_path, "project-b")
    async with Client(build_server(), mode="legacy") as c:
        plan = await plan_in(c, a)
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(b)})
        for target in (plan["task"]["id"], plan["subtasks"][0]["id"]):
            before = fingerprint(db)
            msg = await err(c, tool, args(target))
            assert "belongs to another workspace" in msg and str(a) in msg, msg
            assert "nothing was changed" in msg
            assert fingerprint(db) == before
    assert sorted(os.listdir(a)) == [".git"] and sorted(os.listdir(b)) == [".git"]


async def test_the_same_ids_work_from_their_own_project(tmp_path: Path) -> None:
    a, b = project(tmp_path, "project-a"), project(tmp_path, "project-b")
    async with Client(build_server(), mode="legacy") as c:
        plan = await plan_in(c, a)
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(b)})
        await err(c, "orchestrator_execute_task", {"task_id": plan["subtasks"][0]["id"]})
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(a)})
        started = await ok(c, "orchestrator_execute_task", {"task_id": plan["subtasks"][0]["id"]})
        assert started["task"]["status"] == "in_progress"
        # Reading across workspaces stays possible, and explicit.
        every = await ok(c, "orchestrator_query_tasks", {"workspace": "*"})
        assert every["total"] == 3


@pytest.mark.fault(
    "initialize_session with /, the home folder, /etc, /usr, /tmp and a folder under /proc as "
    "working_directory",
    "a tool error naming the folder and what to pass instead; no workspace, session or task "
    "written",
)
@pytest.mark.skipif(os.name == "nt", reason="POSIX system folders")
@pytest.mark.parametrize("folder", ["/", "~", "/etc", "/usr", "/tmp", "/proc/self"])
async def test_folders_that_are_no_project_are_refused(
    folder: str, isolated_home: Path, db: TaskStore
) -> None:
    path = str(isolated_home) if folder == "~" else folder
    before = db.conn.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0]
    async with Client(build_server(), mode="legacy") as c:
        msg = await err(c, "orchestrator_initialize_session", {"working_directory": path})
    assert "not a project folder" in msg and "working_directory" in msg, msg
    assert db.conn.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0] == before


@pytest.mark.fault(
    "a tool called first thing on a server started in / with no roots and no project "
    "variable (what Claude Desktop does)",
    "a tool error saying / is no project and to call initialize_session with "
    "working_directory; no task written",
)
@pytest.mark.skipif(os.name == "nt", reason="POSIX root")
async def test_a_server_started_in_the_root_asks_for_a_project(
    monkeypatch: pytest.MonkeyPatch, db: TaskStore
) -> None:
    """What Claude Desktop does: no roots, no project variable, the cwd is /."""
    monkeypatch.chdir("/")
    for var in ("TASK_ORCHESTRATOR_WORKSPACE", "CLAUDE_PROJECT_DIR"):
        monkeypatch.delenv(var, raising=False)
    async with Client(build_server(), mode="legacy") as c:
        msg = await err(c, "orchestrator_plan_task", {"title": "x"})
    assert "the root of the file system" in msg and "initialize_session" in msg
    assert db.conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0] == 0


async def test_a_project_under_the_home_folder_is_fine(isolated_home: Path) -> None:
    proj = project(isolated_home, "code/app")
    async with Client(build_server(), mode="legacy") as c:
        out = await ok(c, "orchestrator_initialize_session", {"working_directory": str(proj)})
    assert out["workspace"] == str(proj.resolve())
