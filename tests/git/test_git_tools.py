"""Git state through the MCP tools: execute and complete record it for the client's folder,
and orchestrator_query_tasks finds the task by branch and by commit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from git_support import commit_file, git
from mcp import Client

from task_orchestrator.server.app import build_server

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def call(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result
    return result.structured_content or json.loads(result.content[0].text)


async def test_tools_record_git_and_query_by_branch_and_commit(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature/export")
    async with Client(build_server(), mode="legacy") as client:
        await call(client, "orchestrator_initialize_session", {"working_directory": str(repo)})
        plan = await call(
            client,
            "orchestrator_plan_task",
            {"title": "CSV export", "subtasks": [{"title": "Write the exporter"}]},
        )
        step = plan["subtasks"][0]["id"]
        await call(client, "orchestrator_execute_task", {"task_id": step})
        sha = commit_file(repo, "export.py", "print('csv')\n", "Add the exporter")
        await call(
            client,
            "orchestrator_complete_task",
            {"task_id": step, "summary": "Exporter written", "detailed_work": "export.py"},
        )
        by_branch = await call(client, "orchestrator_query_tasks", {"branch": "feature/export"})
        assert step in [t["id"] for t in by_branch["tasks"]]
        by_commit = await call(client, "orchestrator_query_tasks", {"commit": sha[:10]})
        assert [t["id"] for t in by_commit["tasks"]] == [step]
        elsewhere = await call(client, "orchestrator_query_tasks", {"branch": "main"})
        assert step not in [t["id"] for t in elsewhere["tasks"]]
        refused = await client.call_tool("orchestrator_query_tasks", {"commit": "xyz"})
        assert refused.is_error
