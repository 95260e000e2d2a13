"""Fault tests: whatever goes wrong on our side, the hook exits 0 within its budget, prints
nothing or one JSON object, logs the details, and loses nothing already in the store."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hooks_support import assert_shape, fixture, hook_command, run_hook

from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks.events import HANDLERS
from task_orchestrator.hooks.spec import HOOK_SPECS

EVENTS = sorted(HANDLERS)
WORK = "Implement a REST API for tasks with create, list and delete endpoints, and test it"
TIMEOUTS = {s.event: s.timeout for s in HOOK_SPECS}


def _payload(event: str, project: Path) -> dict[str, Any]:
    name = {
        "PostToolUse": "PostToolUse-TaskCreate",
        "PostToolUseFailure": "PostToolUseFailure-Read",
        "SubagentStop": "Stop",
        "PreCompact": "SessionEnd",
    }.get(event, event)
    return fixture(name, project, hook_event_name=event, prompt=WORK)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _seed(project: Path) -> None:
    assert_shape(
        run_hook("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=WORK)),
        "UserPromptSubmit",
    )


def _log_text() -> str:
    path = default_paths().logs / "hooks.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.mark.fault(
    "a hook given empty stdin (every event)",
    "exit 0, nothing or one JSON object on stdout",
)
@pytest.mark.parametrize("event", EVENTS)
def test_empty_stdin(event: str) -> None:
    run = run_hook(event, b"")
    assert run.returncode == 0 and run.stdout == ""


@pytest.mark.fault(
    "a hook given malformed JSON on stdin",
    "exit 0, at most one JSON object; details in hooks.log",
)
@pytest.mark.parametrize(
    "stdin",
    [b"not json", b"[1, 2]", b'"a string"', b"{", b"\xff\xfe garbage", b"null", b"[" * 100_000],
    ids=["text", "list", "string", "truncated", "binary", "null", "deep"],
)
def test_bad_json(stdin: bytes) -> None:
    for event in ("SessionStart", "UserPromptSubmit", "PostToolUse", "Stop"):
        run = run_hook(event, stdin)
        assert run.returncode == 0 and run.stdout == "", (event, run.stdout, run.stderr)
    assert "failed open" in _log_text()


@pytest.mark.fault(
    "a hook given payload fields of the wrong type",
    "exit 0, at most one JSON object, nothing lost in the store",
)
@pytest.mark.parametrize(
    "changes",
    [
        {"session_id": 123},
        {"session_id": None, "cwd": None},
        {"cwd": ["/tmp"]},
        {"prompt": ["a", "list"], "source": 7},
        {"tool_input": "a string", "tool_response": '{"task": 1}'},
        {"tool_input": {"taskId": {"nested": 1}, "status": 5}, "tool_response": []},
        {"stop_hook_active": "yes", "last_assistant_message": {"x": 1}},
        {"task_id": None, "task_subject": 3},
        {"reason": 42},
    ],
)
def test_wrong_types(changes: dict[str, Any], project: Path) -> None:
    _seed(project)
    for event in EVENTS:
        run = run_hook(event, {**_payload(event, project), **changes})
        assert_shape(run, event)
        assert "Traceback" not in run.stderr
    assert " ERROR " not in _log_text()  # odd input is the caller's trouble, never a bug of ours


@pytest.mark.fault(
    "a hook run for an unknown event, or with none",
    "exit 0, nothing on stdout",
)
def test_unknown_event_and_missing_argument(project: Path) -> None:
    assert run_hook("NoSuchEvent", fixture("Stop", project)).stdout == ""
    proc = subprocess.run(
        hook_command(""),
        input=json.dumps(fixture("Stop", project)).encode(),
        capture_output=True,
        timeout=30,
    )
    assert proc.returncode == 0


@pytest.mark.fault(
    "a hook given 10 MB on stdin",
    "exit 0 within its budget, nothing lost in the store",
)
def test_ten_megabytes_of_stdin(project: Path, open_store: Callable[[], TaskStore]) -> None:
    big = "Implement the importer described below.\n" + "lorem ipsum dolor " * 600_000
    assert len(big) > 10_000_000
    answer = assert_shape(
        run_hook("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=big)),
        "UserPromptSubmit",
    )
    assert answer is not None and "tracked as task" in json.dumps(answer)
    write = fixture("PostToolUse-Write", project)
    write["tool_input"]["content"] = write["tool_response"]["content"] = big
    assert_shape(run_hook("PostToolUse", write), "PostToolUse")
    for event in ("UserPromptSubmit", "PostToolUse"):
        run = run_hook(event, b"x" * 10_500_000)
        assert run.returncode == 0 and run.stdout == ""
    store = open_store()
    session = store.find_session("claude-code", fixture("Stop", project)["session_id"])
    assert session is not None and session.active_task_id
    task = store.get_task(session.active_task_id)
    assert task.description.endswith("[... prompt truncated]") and len(task.description) <= 20_000
    assert task.context["files"] == ["hello.txt"]


@pytest.mark.fault(
    "a hook while another process holds the store write-locked",
    "exit 0 well within the timeout; the event kept for replay",
)
def test_locked_store_fails_open_quickly(
    project: Path, open_store: Callable[[], TaskStore]
) -> None:
    _seed(project)
    db = default_paths().db
    holder = sqlite3.connect(str(db), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO scratch (key, value, written_at) VALUES ('lock', 'held', 'now')")
    try:
        for event in ("UserPromptSubmit", "PostToolUse", "SessionStart", "Stop", "SessionEnd"):
            start = time.monotonic()
            payload = _payload(event, project)
            if event == "UserPromptSubmit":
                payload["prompt_id"] = "p-locked"
            run = run_hook(event, payload)
            elapsed = time.monotonic() - start
            answer = assert_shape(run, event)
            assert elapsed < TIMEOUTS[event] * 0.8, (event, elapsed)
            if event == "UserPromptSubmit":
                assert answer is not None and "recorded later" in answer["systemMessage"]
            if event == "SessionStart":  # reads still work: the context arrives anyway
                assert answer is not None and "busy" in answer["systemMessage"]
                assert "Open tasks: 1" in answer["hookSpecificOutput"]["additionalContext"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" in _log_text() and "spooled" in _log_text()
    spool = default_paths().data / "hooks-spool.jsonl"
    assert len(spool.read_text(encoding="utf-8").splitlines()) == 3  # prompt, TaskCreate, end
    # The next hook that reaches the store replays what the lock held back, in order.
    assert_shape(
        run_hook("TaskCreated", fixture("TaskCreated", project, task_id="9")), "TaskCreated"
    )
    assert not spool.exists()
    store = open_store()
    assert store.integrity_problems() == []
    sid = fixture("Stop", project)["session_id"]
    locked_task = store.find_external("claude-code-prompt", sid, "p-locked")
    mirrored = store.find_external("claude-code", sid, "1")
    assert locked_task is not None and mirrored is not None
    assert store.get_task(mirrored).parent_id == locked_task
    assert (
        store.get_task(store.find_external("claude-code", sid, "9") or "").parent_id == locked_task
    )
    assert store.counts_by_status()["pending"] >= 3  # the seeded task is still there too


@pytest.mark.fault(
    "SessionStart with the store file corrupted",
    "one line naming `task-orchestrator doctor`; the file is not replaced",
)
def test_corrupted_store_is_reported_and_left_alone(project: Path) -> None:
    db = default_paths().db
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a sqlite database " * 2000)
    before = _digest(db)
    answer = assert_shape(
        run_hook("SessionStart", fixture("SessionStart", project)), "SessionStart"
    )
    assert answer is not None and "task-orchestrator doctor" in answer["systemMessage"]
    for event in EVENTS:
        assert_shape(run_hook(event, _payload(event, project)), event)
    assert _digest(db) == before


@pytest.mark.fault(
    "every hook with the store file deleted (its folder still there)",
    "SessionStart: one line naming `task-orchestrator doctor`; no hook creates an empty "
    "store in its place",
)
def test_deleted_store_is_reported_and_not_recreated(project: Path) -> None:
    db = default_paths().db
    TaskStore.open(db).close()
    db.unlink()
    answer = assert_shape(
        run_hook("SessionStart", fixture("SessionStart", project)), "SessionStart"
    )
    assert answer is not None and "task-orchestrator doctor" in answer["systemMessage"]
    for event in EVENTS:
        assert_shape(run_hook(event, _payload(event, project)), event)
    assert not db.exists()


def test_first_hook_on_a_new_machine_creates_the_store(project: Path) -> None:
    db = default_paths().db
    assert not db.parent.exists()
    assert_shape(run_hook("SessionStart", fixture("SessionStart", project)), "SessionStart")
    assert db.is_file()


def _make_read_only(paths: list[Path], on: bool) -> None:
    """chmod for a normal user; for root (whom permissions do not stop) the immutable
    attribute, which stops root too."""
    if os.geteuid() != 0:
        for path in paths:
            path.chmod(
                (0o555 if path.is_dir() else 0o444) if on else (0o755 if path.is_dir() else 0o644)
            )
        return
    subprocess.run(
        ["chattr", "+i" if on else "-i", *map(str, paths)], check=True, capture_output=True
    )


@pytest.mark.fault(
    "hooks with a read-only data folder",
    "exit 0, at most one JSON object",
)
def test_read_only_data_folder(project: Path, isolated_home: Path) -> None:
    if os.geteuid() == 0 and shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a folder read-only")
    orch = default_paths().root
    store = TaskStore.open(default_paths().db)
    ws = store.workspace(project)
    store.open_session(ws.id, "claude-code", "s-ro")
    store.checkpoint()
    store.close()
    db = default_paths().db
    for leftover in db.parent.glob("tasks.db-*"):
        leftover.unlink()
    (orch / "logs").mkdir(exist_ok=True)
    before = _digest(db)
    frozen = [orch, *orch.rglob("*")]
    try:
        _make_read_only(frozen, True)
    except subprocess.CalledProcessError:
        pytest.skip("chattr is not permitted here")
    try:
        for event in EVENTS:
            payload = {**_payload(event, project), "session_id": "s-ro"}
            run = run_hook(event, payload)
            assert_shape(run, event)
            assert "Traceback" not in run.stderr
    finally:
        _make_read_only(frozen, False)
    assert _digest(db) == before
    assert not (orch / "logs" / "hooks.log").exists()  # nowhere to write, and no crash either
