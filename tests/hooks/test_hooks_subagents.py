"""SubagentStart / SubagentStop for the plugin's agents, in-process, with the payload shapes
captured from Claude Code 2.1.197 and 2.1.332 (the same fields in both: SubagentStart has
agent_id and agent_type; SubagentStop adds agent_transcript_path and last_assistant_message)."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from task_orchestrator.core.enums import Status
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks import runner, spool
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


def _plan(project: Path, session: str | None = SID) -> tuple[str, str, str]:
    """A plan with its first subtask in progress, the active task of Claude Code session
    ``session`` (None: of no session)."""
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
        if session is not None:
            opened = store.open_session(ws.id, "claude-code", session)[0]
            store.set_active_task(opened.id, root.id)
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


OTHER = "0c7b1d52-3f0e-4a53-9d0b-6f3a2e1c9a11"


def _stop(agent_id: str, transcript: Path, said: str) -> dict[str, object]:
    return {
        "agent_id": agent_id,
        "agent_type": AGENT,
        "agent_transcript_path": str(transcript),
        "last_assistant_message": said,
    }


def _linked(agent_id: str, session: str = SID) -> str | None:
    with TaskStore.open(default_paths().db) as store:
        return store.get_mark(f"claude-agent:{session}:{agent_id}")


def test_an_agent_is_linked_within_its_own_session_only(
    call: object, workspace_dir: Path, tmp_path: Path
) -> None:
    """Two sessions in one workspace, each with a subtask in progress: an agent of this
    session takes this session's, although the other's was started later; a session with no
    plan of its own links nothing."""
    _root, mine, _ = _plan(workspace_dir, SID)
    _root2, theirs, _ = _plan(workspace_dir, OTHER)
    base = {"cwd": str(workspace_dir), "transcript_path": str(tmp_path / "main.jsonl")}
    call("SubagentStart", {**base, "agent_id": "a1", "agent_type": AGENT})  # type: ignore[operator]
    assert _linked("a1") == mine
    lone = {**base, "session_id": "11111111-2222-3333-4444-555555555555"}
    call("SubagentStart", {**lone, "agent_id": "a2", "agent_type": AGENT})  # type: ignore[operator]
    assert _linked("a2", lone["session_id"]) is None
    with TaskStore.open(default_paths().db) as store:
        assert store.get_task(theirs).status == Status.IN_PROGRESS


def _delegation(path: Path, *task_ids: str, agent: str = AGENT) -> None:
    """The main transcript after the model called the Agent tool once per id, in parallel
    (one line per content block, as Claude Code writes them)."""
    lines = [{"type": "user", "message": {"role": "user", "content": "split the work"}}]
    for i, task_id in enumerate(task_ids):
        block = {
            "type": "tool_use",
            "id": f"toolu_{i}",
            "name": "Agent",
            "input": {"description": "part", "prompt": f"Do {task_id}.", "subagent_type": agent},
        }
        lines.append({"type": "assistant", "message": {"role": "assistant", "content": [block]}})
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")


def test_parallel_agents_take_the_subtasks_their_calls_name(
    call: object, workspace_dir: Path, tmp_path: Path
) -> None:
    """Two agents of one type started at once: each takes the first subtask named in the
    session's Agent calls that no other agent holds, and each stop completes its own."""
    _root, first, second = _plan(workspace_dir)
    main = tmp_path / "main.jsonl"
    _delegation(main, second, first)
    base = {"cwd": str(workspace_dir), "transcript_path": str(main)}
    call("SubagentStart", {**base, "agent_id": "p1", "agent_type": AGENT})  # type: ignore[operator]
    call("SubagentStart", {**base, "agent_id": "p2", "agent_type": AGENT})  # type: ignore[operator]
    assert (_linked("p1"), _linked("p2")) == (second, first)
    call("SubagentStop", {**base, **_stop("p2", tmp_path / "none", "Coded.")})  # type: ignore[operator]
    with TaskStore.open(default_paths().db) as store:
        assert store.get_task(first).summary == "Coded."
        assert store.get_task(second).status == Status.PENDING
    call("SubagentStop", {**base, **_stop("p1", tmp_path / "none", "Tested.")})  # type: ignore[operator]
    with TaskStore.open(default_paths().db) as store:
        assert store.get_task(second).status == Status.COMPLETED
        assert store.get_task(second).summary == "Tested."


def test_the_agents_own_prompt_wins(call: object, workspace_dir: Path, tmp_path: Path) -> None:
    """At start, the agent's transcript (derived from the main one) names the subtask; at
    stop, the prompt's id wins over a link SubagentStart inferred."""
    _root, first, second = _plan(workspace_dir)
    main = tmp_path / "sess.jsonl"
    own = tmp_path / "sess" / "subagents" / "agent-q1.jsonl"
    own.parent.mkdir(parents=True)
    line = {"type": "user", "message": {"role": "user", "content": [{"text": f"Do {second}"}]}}
    own.write_text(json.dumps(line) + "\n", encoding="utf-8")
    base = {"cwd": str(workspace_dir), "transcript_path": str(main)}
    call("SubagentStart", {**base, "agent_id": "q1", "agent_type": AGENT})  # type: ignore[operator]
    assert _linked("q1") == second
    # An inferred link (no transcripts), then a stop whose prompt names the other subtask.
    call("SubagentStart", {**base, "agent_id": "q2", "agent_type": AGENT})  # type: ignore[operator]
    assert _linked("q2") == first
    told = tmp_path / "q2.jsonl"
    told.write_text(
        json.dumps({"message": {"role": "user", "content": f"Do {second}"}}), encoding="utf-8"
    )
    call("SubagentStop", {**base, **_stop("q2", told, "Both.")})  # type: ignore[operator]
    with TaskStore.open(default_paths().db) as store:
        assert store.get_task(second).status == Status.COMPLETED
        assert store.get_task(first).status == Status.IN_PROGRESS
        assert store.get_mark(f"claude-agent-task:{SID}:{first}") is None  # unlinked


@contextmanager
def _locked() -> Iterator[None]:
    """Another process's write lock on the store (reads still work: WAL)."""
    holder = sqlite3.connect(str(default_paths().db), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_agent_events_wait_in_the_spool_with_the_link_of_their_moment(
    call: object, workspace_dir: Path, tmp_path: Path
) -> None:
    """With the store locked, SubagentStart, PostToolUseFailure and SubagentStop are spooled,
    not lost; the start keeps the subtask in progress at that moment, although by the replay
    another one was started later (which a resolution at replay would have taken)."""
    root, first, second = _plan(workspace_dir)
    base = {"cwd": str(workspace_dir), "transcript_path": str(tmp_path / "main.jsonl")}
    with _locked():
        call("SubagentStart", {**base, "agent_id": "s1", "agent_type": AGENT})  # type: ignore[operator]
        failed = {"tool_name": "Bash", "error": "exit 1", "is_interrupt": False}
        call("PostToolUseFailure", {**base, **failed})  # type: ignore[operator]
    spooled = (default_paths().root / "data" / spool.SPOOL_NAME).read_text(encoding="utf-8")
    assert [json.loads(x)["event"] for x in spooled.splitlines()] == [
        "SubagentStart",
        "PostToolUseFailure",
    ]
    assert f'"task_orchestrator_task_id":"{first}"' in spooled.replace(" ", "")
    with TaskStore.open(default_paths().db) as store:
        store.start_task(second)  # newer than the first, and in progress too
    with _locked():
        call("SubagentStop", {**base, **_stop("s1", tmp_path / "none", "Done it.")})  # type: ignore[operator]
    # The next event replays the spool, in order, before itself.
    call("Stop", {**base, "stop_hook_active": False, "last_assistant_message": "ok"})  # type: ignore[operator]
    assert not (default_paths().root / "data" / spool.SPOOL_NAME).exists()
    with TaskStore.open(default_paths().db) as store:
        assert store.get_task(first).status == Status.COMPLETED
        assert store.get_task(first).summary == "Done it."
        assert store.get_task(second).status == Status.IN_PROGRESS
        [failure] = store.events(kind="tool_failed", task_id=first)
        assert "exit 1" in json.dumps(failure)
        assert store.get_task(root).status != Status.COMPLETED  # one subtask still open


def test_a_failure_inside_an_agent_goes_to_its_subtask(
    call: object, workspace_dir: Path, tmp_path: Path
) -> None:
    """Tool events inside an agent carry its agent_id: the failure is the agent's subtask's,
    not the one in progress in the main conversation."""
    _root, first, second = _plan(workspace_dir)
    main = tmp_path / "main.jsonl"
    _delegation(main, second)
    base = {"cwd": str(workspace_dir), "transcript_path": str(main)}
    call("SubagentStart", {**base, "agent_id": "f1", "agent_type": AGENT})  # type: ignore[operator]
    failed = {"tool_name": "Bash", "error": "pytest: 2 failed", "is_interrupt": False}
    call("PostToolUseFailure", {**base, **failed, "agent_id": "f1", "agent_type": AGENT})  # type: ignore[operator]
    with TaskStore.open(default_paths().db) as store:
        assert len(store.events(kind="tool_failed", task_id=second)) == 1
        assert store.events(kind="tool_failed", task_id=first) == []
