"""SubagentStart / SubagentStop for the plugin's agents, in-process, with the payload shapes
captured from Claude Code 2.1.197 and 2.1.332 (the same fields in both: SubagentStart has
agent_id and agent_type; SubagentStop adds agent_transcript_path and last_assistant_message)."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from task_orchestrator.core.enums import Status
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks import runner
from task_orchestrator.hooks.subagents import task_id_in

SID = "92a125aa-d476-491a-8ba9-c2cde65df193"
AGENT = "task-orchestrator:orchestrator-implementer"


@pytest.fixture
def call(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[object]:
    def _call(event: str, payload: dict[str, object]) -> None:
        raw = json.dumps({"session_id": SID, "hook_event_name": event, **payload}).encode()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
        assert runner.run([event]) == 0
        capsys.readouterr()

    yield _call
    logger = logging.getLogger("task_orchestrator.hooks")
    for handler in list(logger.handlers):  # it points into this test's tmp folder
        logger.removeHandler(handler)
        handler.close()


def _plan(project: Path) -> tuple[str, str, str]:
    with TaskStore.open(default_paths().db) as store:
        ws = store.workspace(project)
        root, first, second = store.create_tree(
            ws.id,
            NewTask(
                title="Build it",
                subtasks=[NewTask(title="Write the code"), NewTask(title="Test it")],
            ),
        )
        store.start_task(first.id, workspace_id=ws.id)
        return root.id, first.id, second.id


def test_the_agent_started_on_a_subtask_completes_it(
    call: object, workspace_dir: Path, tmp_path: Path
) -> None:
    _root, first, second = _plan(workspace_dir)
    base = {"cwd": str(workspace_dir), "transcript_path": str(tmp_path / "t.jsonl")}
    agent = {"agent_id": "a13e2b314cd6efcc3", "agent_type": AGENT}
    call("SubagentStart", {**base, **agent})  # type: ignore[operator]
    call(  # type: ignore[operator]
        "SubagentStop",
        {
            **base,
            **agent,
            "stop_hook_active": False,
            "agent_transcript_path": str(tmp_path / "none.jsonl"),
            "last_assistant_message": "Wrote  the code\nin app.py.",
        },
    )
    with TaskStore.open(default_paths().db) as store:
        done = store.get_task(first)
        assert done.status == Status.COMPLETED and done.summary == "Wrote the code in app.py."
        assert store.get_task(second).status == Status.PENDING


def test_without_a_start_the_prompt_names_the_subtask(
    call: object, workspace_dir: Path, tmp_path: Path
) -> None:
    _root, _first, second = _plan(workspace_dir)
    transcript = tmp_path / "agent.jsonl"
    line = {"type": "user", "message": {"role": "user", "content": f"Do {second} now."}}
    transcript.write_text(json.dumps(line) + "\n", encoding="utf-8")
    call(  # type: ignore[operator]
        "SubagentStop",
        {
            "cwd": str(workspace_dir),
            "agent_id": "b1",
            "agent_type": AGENT,
            "agent_transcript_path": str(transcript),
            "last_assistant_message": "Tested.",
        },
    )
    with TaskStore.open(default_paths().db) as store:
        assert store.get_task(second).status == Status.COMPLETED


def test_other_agents_are_left_alone(call: object, workspace_dir: Path, tmp_path: Path) -> None:
    _root, first, _second = _plan(workspace_dir)
    agent = {"cwd": str(workspace_dir), "agent_id": "c1", "agent_type": "Explore"}
    call("SubagentStart", agent)  # type: ignore[operator]
    call("SubagentStop", {**agent, "last_assistant_message": "Found it."})  # type: ignore[operator]
    with TaskStore.open(default_paths().db) as store:
        assert store.get_task(first).status == Status.IN_PROGRESS


def test_task_id_in() -> None:
    assert task_id_in("work on task_7kq2m9xw please") == "task_7kq2m9xw"
    assert task_id_in("task_7kq2m9xwz and task_abcdefgh.") == "task_abcdefgh"
    assert task_id_in("no id here, task_") is None


def test_a_failed_tool_call_is_recorded_on_the_subtask_in_progress(
    call: object, workspace_dir: Path
) -> None:
    _root, first, _second = _plan(workspace_dir)
    with TaskStore.open(default_paths().db) as store:
        ws = store.workspace(workspace_dir)
        session = store.open_session(ws.id, "claude-code", SID)[0]
        store.set_active_task(session.id, _root)
    call(  # type: ignore[operator]
        "PostToolUseFailure",
        {
            "cwd": str(workspace_dir),
            "tool_name": "Read",
            "tool_input": {"file_path": "/nope"},
            "error": "File does not exist.",
            "is_interrupt": False,
        },
    )
    with TaskStore.open(default_paths().db) as store:
        [failed] = store.events(kind="tool_failed", task_id=first)
        assert "File does not exist." in json.dumps(failed)
