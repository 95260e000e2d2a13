"""update_task, transitions, versions, archive and delete."""

from __future__ import annotations

import pytest

from task_orchestrator.core.enums import Complexity, Status
from task_orchestrator.core.errors import InvalidInput, InvalidTransition, VersionConflict
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.store import TaskStore


@pytest.fixture
def tree(store: TaskStore) -> list[str]:
    ws = store.workspace("/tmp/p")
    tasks = store.create_tree(
        ws.id, NewTask("Root", subtasks=[NewTask("a"), NewTask("b", depends_on=[0])])
    )
    return [t.id for t in tasks]


def _snapshot(store: TaskStore) -> list[tuple[object, ...]]:
    return [tuple(r) for r in store.conn.execute("SELECT * FROM tasks ORDER BY id")]


def test_partial_update_bumps_version_and_merges_context(store: TaskStore, tree: list[str]) -> None:
    task = store.update_task(tree[1], title="A renamed", context={"k": 1, "files": ["x.py"]})
    assert (task.title, task.version, task.context) == ("A renamed", 2, {"k": 1, "files": ["x.py"]})
    task = store.update_task(tree[1], expected_version=2, context={"k": None}, complexity="complex")
    assert task.context == {"files": ["x.py"]}
    assert task.complexity == Complexity.COMPLEX
    assert task.version == 3
    assert store.events(kind="task.updated", task_id=tree[1], limit=10)


def test_stale_version_is_a_conflict_and_writes_nothing(store: TaskStore, tree: list[str]) -> None:
    store.update_task(tree[1], title="first")
    before = _snapshot(store)
    with pytest.raises(VersionConflict, match="at version 2, not 1"):
        store.update_task(tree[1], expected_version=1, title="second")
    assert _snapshot(store) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"owner": "me"}, "cannot update owner"),
        ({"complexity": "huge"}, "complexity 'huge' is not one of"),
        ({"title": ""}, "title is empty"),
        ({"title": 5}, "title must be a string"),
        ({"status": "done"}, "status 'done' is not one of"),
    ],
)
def test_bad_updates_write_nothing(
    store: TaskStore, tree: list[str], changes: dict[str, object], message: str
) -> None:
    before = _snapshot(store)
    with pytest.raises(InvalidInput, match=message):
        store.update_task(tree[1], **changes)  # type: ignore[arg-type]
    assert _snapshot(store) == before


def test_transitions(store: TaskStore, tree: list[str]) -> None:
    a = tree[1]
    assert store.set_status(a, Status.IN_PROGRESS).started_at is not None
    done = store.set_status(a, Status.COMPLETED)
    assert done.completed_at is not None
    with pytest.raises(InvalidTransition, match="completed to in_progress; pass reopen=true"):
        store.set_status(a, Status.IN_PROGRESS)
    reopened = store.set_status(a, Status.IN_PROGRESS, reopen=True)
    assert reopened.status == Status.IN_PROGRESS and reopened.completed_at is None
    store.set_status(a, Status.CANCELLED)
    with pytest.raises(InvalidTransition, match="cancelled to in_progress"):
        store.set_status(a, Status.IN_PROGRESS)
    with pytest.raises(InvalidTransition, match="it needs no reopen"):
        store.set_status(tree[2], Status.IN_PROGRESS, reopen=True)
    with pytest.raises(InvalidTransition, match="becomes pending"):
        store.set_status(a, Status.COMPLETED, reopen=True)
    assert store.set_status(a, Status.PENDING, reopen=True).status == Status.PENDING


def test_blocked_cannot_jump_to_completed(store: TaskStore, tree: list[str]) -> None:
    store.set_status(tree[1], Status.BLOCKED)
    with pytest.raises(InvalidTransition, match="blocked to completed"):
        store.set_status(tree[1], Status.COMPLETED)


def test_ready_and_blocked_follow_dependencies(store: TaskStore, tree: list[str]) -> None:
    root, a, b = tree
    ws = store.get_task(root).workspace_id
    assert [t.id for t in store.ready_tasks(ws)] == [a]
    assert [t.id for t in store.blocked_tasks(ws)] == [b]
    assert [t.id for t in store.blockers(b)] == [a]
    store.set_status(a, Status.COMPLETED)
    assert [t.id for t in store.ready_tasks(ws)] == [b]
    assert store.blocked_tasks(ws) == []
    assert [t.id for t in store.dependents(a)] == [b]
    store.set_status(b, Status.COMPLETED)
    # The parent becomes ready once its subtasks are finished.
    assert [t.id for t in store.ready_tasks(ws)] == [root]


def test_dependency_changes_refuse_cycles(store: TaskStore, tree: list[str]) -> None:
    _, a, b = tree
    before = store.conn.execute("SELECT COUNT(*) FROM dependencies").fetchone()[0]
    with pytest.raises(InvalidInput, match="would form a cycle"):
        store.update_task(a, add_dependencies=[b])
    with pytest.raises(InvalidInput, match="cannot depend on itself"):
        store.update_task(a, add_dependencies=[a])
    assert store.conn.execute("SELECT COUNT(*) FROM dependencies").fetchone()[0] == before
    assert store.update_task(b, remove_dependencies=[a]).depends_on == ()


def test_archive_hides_subtree_and_delete_needs_force(store: TaskStore, tree: list[str]) -> None:
    root, a, _b = tree
    ws = store.get_task(root).workspace_id
    with pytest.raises(InvalidInput, match="has 2 subtasks"):
        store.delete_task(root)
    assert store.get_task(root).archived is False
    assert sorted(store.archive_task(root)) == sorted(tree)
    assert store.counts_by_status(ws)["pending"] == 0
    assert store.get_task(a).archived
    deleted = store.delete_task(root, force=True)
    assert sorted(deleted) == sorted(tree)
    assert store.conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0] == 0
    assert store.conn.execute("SELECT COUNT(*) FROM dependencies").fetchone()[0] == 0
    assert store.events(kind="task.deleted", limit=5)[0]["data"]["title"] == "Root"


def test_delete_leaf_drops_dependency_of_dependents(store: TaskStore, tree: list[str]) -> None:
    _, a, b = tree
    assert store.delete_task(a) == [a]
    assert store.get_task(b).depends_on == ()
