"""Issue 11, item 8: every tool's answer, and every error, stays under 100 KB whatever the
store holds or the caller sends, and says how to get what it left out.

One store holds the worst of everything: titles of control characters (6 bytes each in JSON)
and CJK text (3 bytes a character), a plan of 200 subtasks each depending on all before it,
a step with 198 completed dependencies carrying the longest summaries and artifacts, 60 plans
whose blocked tasks depend on cancelled ones (thousands of findings), the largest contexts
and descriptions, a hundred broken catalog files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult
from server_helpers import ok

from task_orchestrator.core.enums import Status
from task_orchestrator.core.models import (
    MAX_ARTIFACT,
    MAX_CONTEXT_JSON,
    MAX_DESCRIPTION,
    MAX_SUMMARY,
    MAX_TITLE,
    NewTask,
)
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.server.app import TOOL_MODULES, build_server
from task_orchestrator.server.budget import MAX_ANSWER_BYTES

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CTRL = "\x01"  # a \u0001 escape in JSON: the worst case per character
CJK = "任"


def title(i: int) -> str:
    return (f"{i} " + CTRL * MAX_TITLE)[:MAX_TITLE]


def size_of(r: CallToolResult) -> int:
    return len(r.model_dump_json(by_alias=True, exclude_none=True).encode())


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


def seed(db: TaskStore, folder: Path) -> dict[str, Any]:
    """The worst store we can build, and the ids the calls need."""
    ws = db.workspace(str(folder))
    long_text = CJK * (MAX_DESCRIPTION // 2) + CTRL * (MAX_DESCRIPTION // 2)
    context = {"k": CJK * (MAX_CONTEXT_JSON // 4)}
    chain = [
        NewTask(title=title(i), description=long_text, depends_on=list(range(i)))
        for i in range(199)
    ]
    plan = db.create_tree(ws.id, NewTask(title=title(999), context=context, subtasks=chain))
    # 198 completed dependencies with the longest summaries and five artifacts each.
    deps = db.create_tree(
        ws.id, NewTask(title="deps", subtasks=[NewTask(title=title(i)) for i in range(198)])
    )
    big_summary = (CJK + CTRL) * (MAX_SUMMARY // 2)
    for d in deps[1:]:
        for _ in range(4):
            db.add_artifact(d.id, summary=big_summary, content="x")
        db.record_work(d.id, status=Status.COMPLETED, summary=big_summary, content="y" * 1_000)
    step = db.create_tree(
        ws.id,
        NewTask(
            title="the step",
            description=long_text,
            context=context,
            depends_on=[d.id for d in deps[1:]],
        ),
    )[0]
    # A parent with 300 completed subtasks, each with a large artifact: a big synthesis.
    wide = db.create_tree(
        ws.id, NewTask(title="wide", subtasks=[NewTask(title=title(i)) for i in range(150)])
    )
    wide += db.create_tree(
        ws.id,
        NewTask(title="more", subtasks=[NewTask(title=title(i)) for i in range(149)]),
        parent_id=wide[0].id,
    )
    for child in reversed(wide[1:]):  # subtasks before "more", their parent
        db.record_work(
            child.id,
            status=Status.COMPLETED,
            summary=big_summary,
            content=CJK * (MAX_ARTIFACT // 100),
            file_paths=[f"src/{CJK * 50}/{i}.py" for i in range(50)],
        )
    # Blocked tasks that depend on cancelled ones: validate_structure reports each pair.
    for _ in range(60):
        group = db.create_tree(
            ws.id,
            NewTask(
                title="group",
                subtasks=[NewTask(title=title(i)) for i in range(40)]
                + [NewTask(title="waits", depends_on=list(range(40)))],
            ),
        )
        for t in group[1:-1]:
            db.cancel_tree(t.id, reason=CTRL * 500)
    # Many tasks in progress, each depending on many.
    for t in plan[1:21]:
        db.update_task(t.id, status=Status.IN_PROGRESS)
    return {"plan": plan[0].id, "first": plan[1].id, "step": step.id, "wide": wide[0].id}


def broken_catalog() -> None:
    """A hundred unreadable specialist files, each named as long as a name can be."""
    folder = default_paths().config_dir / "specialists"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(100):
        (folder / (f"{i:03d}" + "x" * 240 + ".json")).write_text("{" * 5_000, encoding="utf-8")


def calls(ids: dict[str, Any], folder: Path) -> list[tuple[str, dict[str, Any]]]:
    huge = "x" * 5_000_000
    return [
        ("orchestrator_initialize_session", {"working_directory": str(folder)}),
        ("orchestrator_initialize_session", {"working_directory": huge}),
        ("orchestrator_get_status", {}),
        ("orchestrator_plan_task", {"title": "big", "subtasks": big_plan()}),
        ("orchestrator_plan_task", {"title": huge}),
        ("orchestrator_execute_task", {"task_id": ids["step"]}),
        ("orchestrator_execute_task", {"task_id": huge}),
        (
            "orchestrator_complete_task",
            {
                "task_id": ids["first"],
                "summary": "s",
                "detailed_work": "d",
                "next_action": "continue",
            },
        ),
        (
            "orchestrator_complete_task",
            {"task_id": ids["first"], "summary": "s", "detailed_work": huge * 4},
        ),
        ("orchestrator_query_tasks", {"limit": 100, "detail": "full"}),
        ("orchestrator_query_tasks", {"workspace": huge}),
        ("orchestrator_query_tasks", {"status": ["nonsense"] * 100_000}),
        ("orchestrator_update_task", {"task_id": ids["step"], "title": "renamed"}),
        ("orchestrator_update_task", {"task_id": ids["step"], "context": {"k": huge}}),
        ("orchestrator_synthesize_results", {"parent_task_id": ids["wide"]}),
        ("orchestrator_synthesize_results", {"parent_task_id": ids["wide"], "write_to": huge}),
        ("orchestrator_maintenance_coordinator", {"action": "validate_structure"}),
        ("orchestrator_maintenance_coordinator", {"action": "scan_cleanup", "stale_hours": 1e-6}),
        (
            "orchestrator_maintenance_coordinator",
            {"action": "update_documentation", "dry_run": False, "path": "report.md"},
        ),
        ("orchestrator_maintenance_coordinator", {"action": "prepare_handover"}),
        ("orchestrator_maintenance_coordinator", {"action": "archive_completed"}),
        ("orchestrator_health_check", {}),
        ("orchestrator_restart_server", {}),
        ("orchestrator_shutdown_prepare", {}),
        ("orchestrator_reconnect_test", {}),
        ("orchestrator_restart_status", {"limit": 50}),
        ("orchestrator_cancel_task", {"task_id": ids["plan"], "reason": "r" * 1_000}),
        ("orchestrator_delete_task", {"task_id": ids["wide"]}),
        (
            "orchestrator_delete_task",
            {"task_id": ids["plan"], "archive_instead": False, "force": True},
        ),
    ]


def big_plan() -> list[dict[str, Any]]:
    return [
        {"title": title(i), "description": CJK * 2_000, "depends_on": list(range(i))}
        for i in range(199)
    ]


@pytest.mark.fault(
    "every tool called on a store holding the worst of everything (titles of control "
    "characters, CJK text, a step with 198 dependencies, 150-subtask syntheses, thousands of "
    "findings, 100 broken catalog files) and given 5 MB arguments",
    "every answer and every error under 100 KB; what was left out is counted, with how to "
    "page to it; no internal error",
)
async def test_every_answer_is_bounded(db: TaskStore, workspace_dir: Path) -> None:
    ids = seed(db, workspace_dir)
    broken_catalog()
    seen: dict[str, int] = {}
    async with Client(build_server(), mode="legacy") as c:
        for name, args in calls(ids, workspace_dir):
            r = await c.call_tool(name, args)
            size = size_of(r)
            text = "\n".join(getattr(b, "text", "") for b in r.content)
            assert size < MAX_ANSWER_BYTES, f"{name}: {size} bytes\n{text[:500]}"
            assert "internal error" not in text, f"{name}: {text[:2_000]}"
            seen[name] = max(seen.get(name, 0), size)
    assert set(seen) == {t.name for m in TOOL_MODULES for t in m.TOOLS}  # every tool, once
    print(json.dumps(seen, indent=1))


async def test_cut_answers_say_how_to_get_the_rest(db: TaskStore, workspace_dir: Path) -> None:
    ids = seed(db, workspace_dir)
    async with Client(build_server(), mode="legacy") as c:
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)})
        step = await ok(c, "orchestrator_execute_task", {"task_id": ids["step"]})
        assert step["dependency_results_omitted"] > 0
        assert "orchestrator_query_tasks" in step["instructions"]
        assert step["task"]["dependencies_total"] == 198 and len(step["task"]["depends_on"]) == 20
        syn = await ok(c, "orchestrator_synthesize_results", {"parent_task_id": ids["wide"]})
        assert syn["subtasks_total"] == 151 and syn["subtasks_omitted"] > 0
        assert syn["markdown_truncated"] and syn["artifact_id"] in syn["markdown"]
        # validate_structure pages through every finding with next_offset.
        args: dict[str, Any] = {"action": "validate_structure"}
        found: list[str] = []
        for _ in range(100):
            out = await ok(c, "orchestrator_maintenance_coordinator", args)
            found += out["findings"]
            if out["next_offset"] is None:
                break
            args["offset"] = out["next_offset"]
        assert len(found) == out["findings_total"] > len(out["findings"])
        plan = await ok(c, "orchestrator_plan_task", {"title": "big", "subtasks": big_plan()})
        assert plan["subtasks_total"] == 199 and plan["subtasks_omitted"] > 0
        assert f"parent_task_id={plan['task']['id']}" in plan["hint"]
