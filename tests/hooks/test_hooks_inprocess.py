"""The same flows as the subprocess golden tests, run in-process through runner.run, so that
coverage sees the hook modules (hooks normally run in a child process, which coverage does
not follow here). The subprocess tests remain the proof that the real command works."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hooks_support import fixture

from task_orchestrator.core.enums import Status
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks import runner, spool

SID = "385b9237-d99d-45fc-ad3d-5aa2af4c7230"
WORK = "Implement a REST API for tasks with create, list and delete endpoints, and test it"
Call = Callable[[str, Any], "dict[str, Any] | None"]


@pytest.fixture
def call(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Call]:
    def _call(event: str, payload: Any) -> dict[str, Any] | None:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
        assert runner.run([event]) == 0
        out = capsys.readouterr().out.strip()
        return json.loads(out) if out else None

    yield _call
    logger = logging.getLogger("task_orchestrator.hooks")
    for handler in list(logger.handlers):  # it points into this test's tmp folder
        logger.removeHandler(handler)
        handler.close()


def _store() -> TaskStore:
    return TaskStore.open(default_paths().db)


def test_whole_session_in_process(call: Call, project: Path, registered: Path) -> None:
    start = call("SessionStart", fixture("SessionStart", project))
    assert start is not None and "systemMessage" not in start
    ctx = call("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=WORK))
    assert ctx is not None and "tracked as task" in ctx["hookSpecificOutput"]["additionalContext"]
    assert call("TaskCreated", fixture("TaskCreated", project)) is None
    assert call("PostToolUse", fixture("PostToolUse-TaskCreate", project)) is None
    assert call("PostToolUse", fixture("PostToolUse-TaskUpdate", project)) is None
    assert call("PostToolUse", fixture("PostToolUse-Write", project)) is None
    second = fixture("TaskCreated", project, task_id="2", task_subject="Write the tests")
    assert call("TaskCreated", second) is None
    assert call("PreCompact", {**fixture("SessionEnd", project), "trigger": "manual"}) is None
    restored = call("SessionStart", fixture("SessionStart", project, source="compact"))
    assert restored is not None
    assert "Write the tests" in restored["hookSpecificOutput"]["additionalContext"]
    open_stop = call("Stop", fixture("Stop", project))
    assert open_stop is not None and "Write the tests" in open_stop["systemMessage"]
    assert call("TaskCompleted", fixture("TaskCompleted", project)) is None
    assert call("PostToolUse", fixture("PostToolUse-TaskUpdate-completed", project)) is None
    done = call("Stop", fixture("Stop", project))
    assert done is not None and "completed task" in done["systemMessage"]
    assert call("SessionEnd", fixture("SessionEnd", project)) is None
    with _store() as store:
        session = store.find_session("claude-code", SID)
        assert session is not None and session.status == "closed"
        parent = store.get_task(session.active_task_id or "")
        assert parent.status == Status.COMPLETED
        assert [k.status for k in store.children(parent.id)] == [Status.COMPLETED] * 2


def test_modes_in_process(call: Call, project: Path, write_config: Any) -> None:
    write_config("[hooks]\nauto_plan = 'suggest'\nauto_complete = 'strict'\n")
    ctx = call("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=WORK))
    assert ctx is not None and "orchestrator_plan_task" in json.dumps(ctx)
    call("TaskCreated", fixture("TaskCreated", project))
    blocked = call("Stop", fixture("Stop", project))
    assert blocked is not None and blocked["decision"] == "block"
    assert "decision" not in (call("Stop", fixture("Stop", project, stop_hook_active=True)) or {})
    write_config("[hooks]\nauto_plan = 'off'\nmirror = 'off'\nauto_complete = 'off'\n")
    assert call("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=WORK)) is None
    assert call("TaskCreated", fixture("TaskCreated", project, task_id="5")) is None
    assert call("Stop", fixture("Stop", project)) is None


def test_bad_input_in_process(call: Call, project: Path) -> None:
    for raw in (b"", b"not json", b"[1]"):
        assert call("SessionStart", raw) is None
    assert call("NoSuchEvent", fixture("Stop", project)) is None
    no_cwd = fixture("SessionStart", project)
    del no_cwd["cwd"]
    assert call("SessionStart", no_cwd) is None
    assert "failed open" in (default_paths().logs / "hooks.log").read_text(encoding="utf-8")


def test_spool_is_replayed_in_order(call: Call, project: Path) -> None:
    call("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=WORK))
    created = fixture("PostToolUse-TaskCreate", project)
    created["tool_input"]["content"] = "x" * 100_000  # slimmed away before spooling
    assert spool.save("PostToolUse", created)
    assert spool.save("PostToolUse", fixture("PostToolUse-TaskUpdate-completed", project))
    assert spool.save("TaskCompleted", fixture("TaskCompleted", project))
    assert not spool.save("Stop", fixture("Stop", project))  # answers cannot wait
    assert len(Path(spool.spool_path()).read_text(encoding="utf-8")) < 10_000
    call("TaskCreated", fixture("TaskCreated", project, task_id="3", task_subject="Third"))
    assert not Path(spool.spool_path()).exists()
    with _store() as store:
        one = store.get_task(store.find_external("claude-code", SID, "1") or "")
        assert one.title == "Design the API" and one.status == Status.COMPLETED
        assert store.find_external("claude-code", SID, "3") is not None
