"""Generated arguments for every tool: the server answers a result or a tool error (never a
crash, which the SDK reports as a bare "Error executing tool NAME"), and the store stays
valid afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from task_orchestrator.core.enums import ArtifactType, Complexity, Specialist, Status, TaskType
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.server.app import build_server
from task_orchestrator.server.budget import MAX_ANSWER_BYTES

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 300),
    st.text(max_size=20),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def enum_or_junk(enum: Any) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from([e.value for e in enum]), junk)


def tool_args(ids: st.SearchStrategy[str]) -> dict[str, dict[str, st.SearchStrategy[Any]]]:
    sub = st.fixed_dictionaries(
        {"title": st.text(max_size=15)},
        optional={
            "specialist": enum_or_junk(Specialist),
            "depends_on": st.lists(
                st.one_of(st.integers(-1, 4), st.text(max_size=4), ids), max_size=3
            ),
            "description": st.text(max_size=30),
        },
    )
    return {
        "orchestrator_initialize_session": {"working_directory": st.one_of(junk, st.just("/"))},
        "orchestrator_plan_task": {
            "title": st.text(max_size=30),
            "description": st.text(max_size=40),
            "complexity": enum_or_junk(Complexity),
            "task_type": enum_or_junk(TaskType),
            "parent_task_id": st.one_of(st.none(), ids),
            "subtasks": st.one_of(st.none(), st.lists(sub, max_size=5), junk),
            "template": st.one_of(st.none(), st.sampled_from(["feature", "bugfix", "x"]), junk),
            "context": st.one_of(st.none(), junk),
        },
        "orchestrator_execute_task": {"task_id": st.one_of(ids, junk)},
        "orchestrator_complete_task": {
            "task_id": st.one_of(ids, junk),
            "summary": st.one_of(st.text(max_size=20), junk),
            "detailed_work": st.one_of(st.text(max_size=50), junk),
            "next_action": st.one_of(
                st.sampled_from(["continue", "needs_revision", "blocked", "complete"]), junk
            ),
            "file_paths": st.one_of(st.lists(st.text(max_size=8), max_size=2), junk),
            "artifact_type": enum_or_junk(ArtifactType),
        },
        "orchestrator_query_tasks": {
            "status": st.one_of(st.none(), st.lists(enum_or_junk(Status), max_size=2)),
            "specialist": st.one_of(st.none(), st.lists(enum_or_junk(Specialist), max_size=2)),
            "parent_task_id": st.one_of(st.none(), st.just(""), ids),
            "text": st.one_of(st.none(), st.text(max_size=10)),
            "created_after": st.one_of(st.none(), st.text(max_size=10)),
            "workspace": st.one_of(st.none(), st.just("*"), junk),
            "limit": st.one_of(st.integers(-1, 120), junk),
            "cursor": st.one_of(st.none(), st.text(max_size=12)),
            "offset": st.one_of(st.none(), st.integers(-1, 50)),
            "detail": st.one_of(st.sampled_from(["summary", "full"]), junk),
        },
        "orchestrator_update_task": {
            "task_id": st.one_of(ids, junk),
            "expected_version": st.one_of(st.none(), st.integers(-1, 5)),
            "title": st.one_of(st.none(), st.text(max_size=10)),
            "status": st.one_of(st.none(), enum_or_junk(Status)),
            "reopen": st.one_of(st.booleans(), junk),
            "specialist": st.one_of(st.none(), enum_or_junk(Specialist)),
            "context": st.one_of(st.none(), junk),
            "add_dependencies": st.one_of(st.lists(ids, max_size=2), junk),
            "remove_dependencies": st.lists(ids, max_size=2),
        },
        "orchestrator_cancel_task": {
            "task_id": st.one_of(ids, junk),
            "reason": st.one_of(st.text(max_size=10), junk),
            "preserve_work": st.one_of(st.booleans(), junk),
            "cascade": st.booleans(),
        },
        "orchestrator_delete_task": {
            "task_id": st.one_of(ids, junk),
            "force": st.one_of(st.booleans(), junk),
            "archive_instead": st.booleans(),
        },
        "orchestrator_synthesize_results": {
            "parent_task_id": st.one_of(ids, junk),
            "write_to": st.one_of(
                st.none(), st.sampled_from(["out.md", "../x.md", "/etc/x"]), junk
            ),
        },
        "orchestrator_get_status": {},
        "orchestrator_maintenance_coordinator": {
            "action": st.one_of(
                st.sampled_from(
                    [
                        "scan_cleanup",
                        "validate_structure",
                        "update_documentation",
                        "prepare_handover",
                        "archive_completed",
                    ]
                ),
                junk,
            ),
            "scope": st.one_of(st.sampled_from(["workspace", "all"]), junk),
            "dry_run": st.one_of(st.booleans(), junk),
            "stale_hours": st.one_of(st.floats(-1, 100, allow_nan=False), junk),
        },
        "orchestrator_health_check": {},
        "orchestrator_restart_server": {},
        "orchestrator_shutdown_prepare": {},
        "orchestrator_reconnect_test": {},
        "orchestrator_restart_status": {"limit": st.one_of(st.integers(-1, 60), junk)},
    }


@pytest.mark.fault(
    "every tool given generated arguments (hypothesis)",
    "a result or a tool error, never a crash; the store passes its integrity check",
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_arguments_give_a_result_or_a_tool_error(
    data: st.DataObject, workspace_dir: Path
) -> None:
    async def run() -> None:
        async with Client(build_server(), mode="legacy") as c:
            r = await c.call_tool(
                "orchestrator_initialize_session", {"working_directory": str(workspace_dir)}
            )
            seed = await c.call_tool(
                "orchestrator_plan_task",
                {"title": "seed", "subtasks": [{"title": "a"}, {"title": "b", "depends_on": [0]}]},
            )
            assert seed.structured_content is not None
            known = [seed.structured_content["task"]["id"]] + [
                s["id"] for s in seed.structured_content["subtasks"]
            ]
            ids = st.one_of(st.sampled_from(known), st.just("task_nothere"), st.text(max_size=8))
            specs = tool_args(ids)
            names = data.draw(st.lists(st.sampled_from(sorted(specs)), min_size=1, max_size=12))
            for name in names:
                args = data.draw(st.fixed_dictionaries({}, optional=specs[name]), label=name)
                r = await c.call_tool(name, args)
                body = "".join(getattr(b, "text", "") for b in r.content)
                # A crash is answered "internal error in <tool>" (server/app.py): none may
                # happen, whatever the arguments.
                assert "internal error" not in body, f"{name} crashed on {args!r}: {body}"
                assert len(r.model_dump_json().encode()) < MAX_ANSWER_BYTES
                if not r.is_error:
                    assert r.structured_content is not None

    anyio.run(run)
    with TaskStore.open(default_paths().db) as db:
        assert db.integrity_problems(full=True) == []
