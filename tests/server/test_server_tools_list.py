"""The tool surface: names, schemas, annotations, resources."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from task_orchestrator.core.enums import Complexity, Specialist, Status
from task_orchestrator.server.app import build_server

pytestmark = pytest.mark.anyio

NAMES = {
    "orchestrator_initialize_session",
    "orchestrator_plan_task",
    "orchestrator_execute_task",
    "orchestrator_complete_task",
    "orchestrator_query_tasks",
    "orchestrator_update_task",
    "orchestrator_cancel_task",
    "orchestrator_delete_task",
    "orchestrator_synthesize_results",
    "orchestrator_get_status",
    "orchestrator_maintenance_coordinator",
    "orchestrator_health_check",
    "orchestrator_restart_server",
    "orchestrator_shutdown_prepare",
    "orchestrator_reconnect_test",
    "orchestrator_restart_status",
}
READ_ONLY = {
    "orchestrator_query_tasks",
    "orchestrator_get_status",
    "orchestrator_health_check",
    "orchestrator_restart_status",
}
DESTRUCTIVE = {
    "orchestrator_cancel_task",
    "orchestrator_delete_task",
    "orchestrator_maintenance_coordinator",
}


async def test_sixteen_tools_with_schemas_and_annotations(mode: str) -> None:
    async with Client(build_server(), mode=mode) as c:
        tools = (await c.list_tools()).tools
    assert {t.name for t in tools} == NAMES
    for t in tools:
        assert t.description and 150 < len(t.description) < 700, t.name
        assert t.output_schema is not None, t.name
        assert t.annotations is not None, t.name
        assert t.annotations.read_only_hint is (t.name in READ_ONLY), t.name
        if t.name not in READ_ONLY:
            assert t.annotations.destructive_hint is (t.name in DESTRUCTIVE), t.name
        # Context parameters never leak into the schema.
        assert "ctx" not in t.input_schema.get("properties", {}), t.name


async def test_enums_come_from_core() -> None:
    async with Client(build_server()) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    schema = json.dumps(tools["orchestrator_plan_task"].input_schema)
    for value in [*(c.value for c in Complexity), *(s.value for s in Specialist)]:
        assert f'"{value}"' in schema
    query = json.dumps(tools["orchestrator_query_tasks"].input_schema)
    for value in (s.value for s in Status):
        assert f'"{value}"' in query
    maint = tools["orchestrator_maintenance_coordinator"].input_schema["properties"]
    assert maint["dry_run"]["default"] is True


async def test_tools_list_is_lean() -> None:
    async with Client(build_server()) as c:
        tools = (await c.list_tools()).tools
    size = len(json.dumps([t.model_dump(mode="json", exclude_none=True) for t in tools]))
    # 38,000: the answers' "what was left out" counts (subtasks_omitted, next_offset, ...)
    # that keep every answer under its size budget cost about 1,000 bytes here.
    assert size < 38_000, size
    # Only pydantic's generated titles went: a property named "title" is still there.
    plan = next(t for t in tools if t.name == "orchestrator_plan_task").input_schema
    assert "title" in plan["properties"] and "title" in plan["required"]
    assert "title" not in plan["properties"]["description"]


async def test_resources_list_templates_and_specialists() -> None:
    async with Client(build_server()) as c:
        uris = {str(r.uri) for r in (await c.list_resources()).resources}
        assert {"orchestrator://templates", "orchestrator://specialists"} <= uris
        res = await c.read_resource("orchestrator://templates")
        templates = json.loads(res.contents[0].text)  # type: ignore[union-attr]
        res = await c.read_resource("orchestrator://specialists")
        specialists = json.loads(res.contents[0].text)  # type: ignore[union-attr]
    assert {"feature", "bugfix", "refactor", "research", "documentation", "release"} <= {
        t["name"] for t in templates
    }
    assert {s["name"] for s in specialists} == {s.value for s in Specialist}
