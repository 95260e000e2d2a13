"""TaskStore.create_linked: the check and the insert in one transaction, so a process that
loses a race creates nothing and deletes nothing."""

from __future__ import annotations

import pytest

from task_orchestrator.core.errors import InvalidInput, NotFound
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.store import TaskStore

LINK = ("claude-code", "sess-1", "3")


def test_a_link_is_made_once_and_the_loser_gets_the_winner(store: TaskStore) -> None:
    ws = store.workspace("/tmp/linked")
    first, created = store.create_linked(ws.id, NewTask("Design"), link=LINK)
    assert created and store.find_external(*LINK) == first.id
    again, created = store.create_linked(ws.id, NewTask("Design, seen twice"), link=LINK)
    assert not created and again.id == first.id and again.title == "Design"
    # Nothing was created and deleted again: the event log says so.
    assert [e["kind"] for e in store.events(limit=10)].count("task.planned") == 1
    assert store.events(kind="task.deleted") == []


def test_a_linked_subtask_goes_under_its_parent(store: TaskStore) -> None:
    ws = store.workspace("/tmp/linked")
    (parent,) = store.create_tree(ws.id, NewTask("Plan"))
    child, _ = store.create_linked(ws.id, NewTask("Step"), parent_id=parent.id, link=LINK)
    assert child.parent_id == parent.id
    with pytest.raises(InvalidInput, match="another workspace"):
        other = store.workspace("/tmp/other")
        store.create_linked(other.id, NewTask("x"), parent_id=parent.id, link=("a", "b", "c"))
    assert store.find_external("a", "b", "c") is None  # a refused insert leaves no link


def test_activate_and_if_no_active(store: TaskStore) -> None:
    ws = store.workspace("/tmp/active")
    session, _ = store.open_session(ws.id, "claude-code", "s")
    first, created = store.create_linked(
        ws.id, NewTask("Parent"), session_id=session.id, if_no_active=True
    )
    assert created and store.get_session(session.id).active_task_id == first.id
    # A second process with the same stale view of the session gets the first one's task.
    second, created = store.create_linked(
        ws.id, NewTask("Parent too"), session_id=session.id, if_no_active=True
    )
    assert not created and second.id == first.id
    # An archived active task counts as none.
    store.archive_task(first.id)
    third, created = store.create_linked(
        ws.id, NewTask("New parent"), session_id=session.id, if_no_active=True
    )
    assert created and store.get_session(session.id).active_task_id == third.id
    # activate alone always makes the new task the active one (a new prompt).
    prompt, created = store.create_linked(
        ws.id, NewTask("Prompt"), session_id=session.id, activate=True
    )
    assert created and store.get_session(session.id).active_task_id == prompt.id
    with pytest.raises(NotFound):
        store.create_linked(ws.id, NewTask("x"), session_id="sess_none", activate=True)
    with pytest.raises(InvalidInput, match="session_id"):
        store.create_linked(ws.id, NewTask("x"), activate=True)
