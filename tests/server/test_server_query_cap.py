"""No query answer exceeds about 20,000 tokens (80,000 characters), whatever the store
holds, and paging through a capped answer still visits every task exactly once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client
from server_helpers import ok

from task_orchestrator.core.models import MAX_DESCRIPTION, NewTask
from task_orchestrator.core.store import TaskStore
from task_orchestrator.server.app import build_server

pytestmark = pytest.mark.anyio
CAP = 80_000


def seed_huge(db: TaskStore, workspace_dir: Path, n: int) -> None:
    ws = db.workspace(workspace_dir)
    big = "é" * MAX_DESCRIPTION  # non-ASCII: escaping would double the size if we were careless
    context = {"notes": "z" * 45_000}
    db.create_tree(
        ws.id,
        NewTask(
            title="root",
            subtasks=[NewTask(title=f"t{i}", description=big, context=context) for i in range(n)],
        ),
    )


@pytest.mark.parametrize("detail", ["summary", "full"])
async def test_query_answers_stay_under_the_cap(
    db: TaskStore, workspace_dir: Path, detail: str
) -> None:
    seed_huge(db, workspace_dir, 150)
    seen: list[str] = []
    async with Client(build_server(), mode="legacy") as c:
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)})
        cursor = None
        for _ in range(200):
            args = {"limit": 100, "detail": detail}
            if cursor:
                args["cursor"] = cursor
            r = await c.call_tool("orchestrator_query_tasks", args)
            assert not r.is_error
            size = len(json.dumps(r.model_dump(mode="json", by_alias=True), ensure_ascii=False))
            assert size < CAP, size
            data = r.structured_content
            assert data is not None
            seen += [t["id"] for t in data["tasks"]]
            if detail == "full":
                assert data["truncated_to_fit"] or not data["next_cursor"]
            cursor = data["next_cursor"]
            if not cursor:
                break
    assert len(seen) == len(set(seen)) == 151


async def test_offset_paging_under_the_cap(db: TaskStore, workspace_dir: Path) -> None:
    seed_huge(db, workspace_dir, 12)
    seen: list[str] = []
    async with Client(build_server()) as c:
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)})
        offset = 0
        while offset is not None:
            data = await ok(
                c, "orchestrator_query_tasks", {"limit": 50, "offset": offset, "detail": "full"}
            )
            seen += [t["id"] for t in data["tasks"]]
            offset = data["next_offset"]
    assert len(seen) == len(set(seen)) == 13
