"""Regression test for a bug the end-to-end run showed: ``orchestrator_get_status`` listed
as "recent completions" the completed tasks *created* last, so a plan's parent, completed
last but created first, was missing once it had five or more completed subtasks (in the e2e
session the prompt's task, just completed by the Stop hook, was not among them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from task_orchestrator.server.app import build_server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def ok(c: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    r = await c.call_tool(name, args)
    assert not r.is_error, r.content
    assert r.structured_content is not None
    return r.structured_content


@pytest.fixture
async def client(workspace_dir: Path) -> AsyncIterator[Client]:
    async with Client(build_server(), mode="legacy") as c:
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)})
        yield c


@pytest.mark.anyio
async def test_recent_completions_are_the_last_completed(client: Client) -> None:
    subtasks = [{"title": f"Step {i}"} for i in range(6)]
    plan = await ok(client, "orchestrator_plan_task", {"title": "Goal", "subtasks": subtasks})
    for sub in plan["subtasks"]:
        await ok(client, "orchestrator_execute_task", {"task_id": sub["id"]})
        await ok(
            client,
            "orchestrator_complete_task",
            {"task_id": sub["id"], "summary": "done", "detailed_work": "work"},
        )
    parent = plan["task"]["id"]
    await ok(
        client,
        "orchestrator_complete_task",
        {"task_id": parent, "summary": "all done", "detailed_work": "see the steps"},
    )
    status = await ok(client, "orchestrator_get_status", {})
    recent = [t["title"] for t in status["recent_completions"]]
    # Most recently completed first: the parent, then the steps from the last one back.
    assert recent == ["Goal", "Step 5", "Step 4", "Step 3", "Step 2"]
