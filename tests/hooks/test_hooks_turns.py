"""Prompt turns, with real hook processes on real Claude Code 2.1.197 payloads: the model's own
task list after a prompt that made no task goes under a new task titled from that prompt, and
a task finished before that prompt is never reopened (hooks/state.py ``ensure_parent``)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hooks_support import assert_shape, fixture, run_hook

from task_orchestrator.core.enums import Status
from task_orchestrator.core.models import TaskFilter
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks.classify import classify, title_from
from task_orchestrator.hooks.state import NOT_KEPT, PROMPT_MARK, PROMPT_TEXT_CHARS

SID = "385b9237-d99d-45fc-ad3d-5aa2af4c7230"
WORK = "Implement a REST API for tasks with create, list and delete endpoints, and test it"
# A German work request the classifier does not take for work (no verb it knows, no opener):
# the model's own list is then the only sign that it was work.
MISSED = (
    "Für die Bestellübersicht hätte ich gern noch einen CSV-Export, mit Tests für Umlaute "
    "und leere Felder."
)
GERMAN = "Implementiere einen CSV-Export für die Bestellübersicht, mit Tests für Umlaute und leere Felder."

OpenStore = Callable[[], TaskStore]


def hook(event: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    return assert_shape(run_hook(event, payload), event)


def drop_ids(payload: dict[str, Any], keep: bool) -> dict[str, Any]:
    if not keep:
        payload.pop("prompt_id", None)
    return payload


def first_turn(project: Path, *, ids: bool = True) -> None:
    """An English work prompt becomes task A; Claude's list for it is mirrored, completed,
    and Stop completes A."""
    hook(
        "UserPromptSubmit",
        drop_ids(fixture("UserPromptSubmit", project, prompt=WORK, prompt_id="p1"), ids),
    )
    hook("TaskCreated", drop_ids(fixture("TaskCreated", project, prompt_id="p1"), ids))
    hook("PostToolUse", drop_ids(fixture("PostToolUse-TaskCreate", project, prompt_id="p1"), ids))
    done = fixture("PostToolUse-TaskUpdate-completed", project, prompt_id="p1")
    done["tool_input"] = {"taskId": "1", "status": "completed"}
    hook("PostToolUse", drop_ids(done, ids))
    answer = hook("Stop", drop_ids(fixture("Stop", project, prompt_id="p1"), ids))
    assert answer is not None and "completed task" in answer["systemMessage"]


def new_list(project: Path, prompt_id: str, *, ids: bool = True) -> None:
    """Claude starts a new list: TaskCreated, then the PostToolUse of the same TaskCreate."""
    subject = "CSV-Export bauen"
    created = fixture(
        "TaskCreated", project, prompt_id=prompt_id, task_id="2", task_subject=subject
    )
    hook("TaskCreated", drop_ids(created, ids))
    post = fixture("PostToolUse-TaskCreate", project, prompt_id=prompt_id)
    post["tool_input"] = {"subject": subject, "description": "", "activeForm": "Baue den Export"}
    post["tool_response"] = {"task": {"id": "2", "subject": subject}}
    hook("PostToolUse", drop_ids(post, ids))


def top_level(store: TaskStore) -> list[Any]:
    tasks = store.query(TaskFilter()).tasks
    return sorted((t for t in tasks if t.parent_id is None), key=lambda t: t.created_at)


@pytest.mark.parametrize("ids", [True, False], ids=["prompt_id", "no-prompt_id"])
@pytest.mark.parametrize("text", [MISSED, GERMAN], ids=["missed", "classified"])
def test_new_work_never_lands_under_finished_work(
    text: str, ids: bool, project: Path, open_store: OpenStore
) -> None:
    first_turn(project, ids=ids)
    store = open_store()
    (a,) = top_level(store)
    assert a.status == Status.COMPLETED
    assert classify(text).is_work is (text == GERMAN)
    hook(
        "UserPromptSubmit",
        drop_ids(fixture("UserPromptSubmit", project, prompt=text, prompt_id="p2"), ids),
    )
    new_list(project, "p2", ids=ids)
    first, second = top_level(store)
    again = store.get_task(a.id)
    assert first.id == a.id
    assert (again.status, again.version, again.completed_at) == (
        a.status,
        a.version,
        a.completed_at,
    )
    assert [k.title for k in store.children(a.id)] == ["Design the API"]
    assert second.title == title_from(text) and second.description == text
    assert not second.completed_at
    assert [k.title for k in store.children(second.id)] == ["CSV-Export bauen"]
    session = store.find_session("claude-code", SID)
    assert session is not None and session.active_task_id == second.id


def test_work_after_stop_in_the_same_turn_reopens(project: Path, open_store: OpenStore) -> None:
    """Stop completed A, then the model went on in the same prompt turn (a Stop hook that
    blocked, a subagent): its new item belongs to A, which is reopened."""
    first_turn(project)
    new_list(project, "p1")
    store = open_store()
    (a,) = top_level(store)
    assert a.status == Status.IN_PROGRESS
    assert [k.title for k in store.children(a.id)] == ["Design the API", "CSV-Export bauen"]


def test_a_short_follow_up_names_the_task_after_the_first_item(
    project: Path, open_store: OpenStore
) -> None:
    first_turn(project)
    hook(
        "UserPromptSubmit",
        fixture("UserPromptSubmit", project, prompt="ja, mach das", prompt_id="p2"),
    )
    new_list(project, "p2")
    store = open_store()
    _, second = top_level(store)
    assert second.title == "Claude Code plan: CSV-Export bauen"
    assert second.description == "ja, mach das"


def _mark(store: TaskStore) -> str | None:
    return store.get_mark(PROMPT_MARK + SID)


def test_title_mode_keeps_no_prompt_text(
    project: Path, open_store: OpenStore, write_config: Any
) -> None:
    write_config('[hooks]\ncapture_prompts = "title"\n')
    first_turn(project)
    secret = MISSED + " Das Kennwort ist hunter2-geheim."
    hook("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=secret, prompt_id="p2"))
    store = open_store()
    kept = _mark(store)
    assert kept is not None and "hunter2" not in kept and '"text": ""' in kept
    new_list(project, "p2")
    _, second = top_level(store)
    assert second.title == title_from(secret) and second.description == NOT_KEPT
    store.checkpoint()
    data = b"".join(
        Path(str(default_paths().db) + suffix).read_bytes()
        for suffix in ("", "-wal")
        if Path(str(default_paths().db) + suffix).exists()
    )
    assert b"hunter2" not in data


def test_the_latest_prompt_is_bounded_private_and_dropped_at_session_end(
    project: Path, open_store: OpenStore
) -> None:
    huge = "Warum ist das so langsam? " + "x" * 50_000
    hook("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=huge, prompt_id="p1"))
    store = open_store()
    kept = _mark(store)
    assert kept is not None and PROMPT_TEXT_CHARS < len(kept) < PROMPT_TEXT_CHARS + 200
    assert stat.S_IMODE(os.stat(default_paths().db).st_mode) == 0o600
    hook("SessionEnd", fixture("SessionEnd", project))
    assert _mark(store) is None


def test_the_latest_prompt_waits_in_the_spool_when_the_store_is_busy(
    project: Path, open_store: OpenStore, write_config: Any
) -> None:
    """A prompt that made no task, spooled: kept cut to its bounded text (or, in title mode,
    its title), and applied as the latest prompt by the next hook."""
    from task_orchestrator.hooks.prompt import SEEN_TITLE, for_spool
    from task_orchestrator.hooks.settings import load_settings

    payload = fixture("UserPromptSubmit", project, prompt=MISSED + " y" * 5_000, prompt_id="p2")
    kept = for_spool(payload, load_settings())
    assert kept is not None and len(kept["prompt"]) == PROMPT_TEXT_CHARS  # type: ignore[arg-type]
    write_config('[hooks]\ncapture_prompts = "title"\n')
    kept = for_spool(payload, load_settings())
    assert kept is not None and "prompt" not in kept and kept[SEEN_TITLE] == title_from(MISSED)
    first_turn(project)
    hook("UserPromptSubmit", kept)
    new_list(project, "p2")
    store = open_store()
    _, second = top_level(store)
    assert second.title == title_from(MISSED) and second.description == NOT_KEPT


def test_auto_plan_off_keeps_only_when_a_prompt_arrived(
    project: Path, open_store: OpenStore, write_config: Any
) -> None:
    first_turn(project)
    write_config('[hooks]\nauto_plan = "off"\n')
    hook("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=GERMAN, prompt_id="p2"))
    store = open_store()
    kept = _mark(store)
    assert kept is not None and '"text": ""' in kept and '"title": ""' in kept
    new_list(project, "p2")
    a, second = top_level(store)
    assert a.status == Status.COMPLETED
    assert second.title == "Claude Code plan: CSV-Export bauen"
