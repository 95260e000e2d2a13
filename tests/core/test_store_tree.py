"""create_tree: one transaction, references resolved, bad plans write nothing."""

from __future__ import annotations

import pytest

from task_orchestrator.core.enums import Specialist, Status
from task_orchestrator.core.errors import InvalidInput, NotFound
from task_orchestrator.core.models import MAX_PLAN_NODES, MAX_TITLE, NewTask
from task_orchestrator.core.store import TaskStore


def _task_count(store: TaskStore) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0])


def _dep_count(store: TaskStore) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM dependencies").fetchone()[0])


def test_tree_with_dependencies_by_index_title_and_id(store: TaskStore) -> None:
    ws = store.workspace("/tmp/project-a")
    (existing,) = store.create_tree(ws.id, NewTask("Existing research"))
    tasks = store.create_tree(
        ws.id,
        NewTask(
            "Add login",
            "Users log in with email",
            subtasks=[
                NewTask("Design schema", specialist=Specialist.ARCHITECT),
                NewTask("Write code", depends_on=[0, existing.id]),
                NewTask("Test it", depends_on=["write code"]),
            ],
        ),
    )
    root, design, code, test = tasks
    assert root.parent_id is None
    assert [t.parent_id for t in (design, code, test)] == [root.id] * 3
    assert set(code.depends_on) == {design.id, existing.id}
    assert test.depends_on == (code.id,)
    assert design.specialist == Specialist.ARCHITECT
    assert all(t.id.startswith("task_") and len(t.id) == 13 for t in tasks)
    assert [e["kind"] for e in store.events(task_id=root.id)] == ["task.planned"]


def test_plan_under_existing_parent_appends_positions(store: TaskStore) -> None:
    ws = store.workspace("/tmp/p")
    root, first = store.create_tree(ws.id, NewTask("Parent", subtasks=[NewTask("one")]))
    (second,) = store.create_tree(ws.id, NewTask("two"), parent_id=root.id)
    assert second.parent_id == root.id
    assert second.position == first.position + 1
    assert [c.title for c in store.children(root.id)] == ["one", "two"]


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (NewTask("  "), "title is empty"),
        (NewTask("x" * (MAX_TITLE + 1)), "more than 200"),
        (NewTask("p", subtasks=[NewTask("a", depends_on=["nope"])]), "'nope' is neither"),
        (NewTask("p", subtasks=[NewTask("a", depends_on=[3])]), "index 3 is out of range"),
        (NewTask("p", subtasks=[NewTask("a", depends_on=[0])]), "depends on itself"),
        (NewTask("p", subtasks=[NewTask("a", depends_on=[True])]), "not an index"),
        (
            NewTask("p", subtasks=[NewTask("a", depends_on=["b"]), NewTask("b", depends_on=[0])]),
            "form a cycle: 'a' -> 'b' -> 'a'",
        ),
        (
            NewTask("p", subtasks=[NewTask("a"), NewTask("a"), NewTask("c", depends_on=["a"])]),
            "matches 2 tasks",
        ),
        (NewTask("p", subtasks=[NewTask("a", depends_on=["p"])]), "its own parent"),
        (NewTask("p", subtasks=[NewTask(f"t{i}") for i in range(MAX_PLAN_NODES)]), "more than 200"),
        (NewTask("p", context={"x": object()}), "not JSON-serializable"),
        (NewTask("p", description="d" * 20_001), "description has 20001"),
    ],
)
def test_bad_plans_write_nothing(store: TaskStore, plan: NewTask, message: str) -> None:
    ws = store.workspace("/tmp/p")
    before = (_task_count(store), _dep_count(store), len(store.events(limit=1000)))
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        store.create_tree(ws.id, plan)
    assert (_task_count(store), _dep_count(store), len(store.events(limit=1000))) == before


def test_too_deep_plan_refused(store: TaskStore) -> None:
    ws = store.workspace("/tmp/p")
    node = NewTask("leaf")
    for i in range(7):
        node = NewTask(f"level {i}", subtasks=[node])
    with pytest.raises(InvalidInput, match="deeper than 5"):
        store.create_tree(ws.id, node)
    assert _task_count(store) == 0


def test_unknown_parent_and_cross_workspace_refused(store: TaskStore) -> None:
    a = store.workspace("/tmp/a")
    b = store.workspace("/tmp/b")
    (in_a,) = store.create_tree(a.id, NewTask("A task"))
    with pytest.raises(NotFound, match="no task 'task_missing1'"):
        store.create_tree(a.id, NewTask("child"), parent_id="task_missing1")
    with pytest.raises(InvalidInput, match="another workspace"):
        store.create_tree(b.id, NewTask("child"), parent_id=in_a.id)
    # An id from another workspace is not a valid dependency either.
    with pytest.raises(InvalidInput, match="neither the title"):
        store.create_tree(b.id, NewTask("p", subtasks=[NewTask("x", depends_on=[in_a.id])]))
    assert _task_count(store) == 1


def test_planning_under_finished_parent_needs_reopen(store: TaskStore) -> None:
    ws = store.workspace("/tmp/p")
    (parent,) = store.create_tree(ws.id, NewTask("done already"))
    store.set_status(parent.id, Status.COMPLETED)
    with pytest.raises(InvalidInput, match="reopen it"):
        store.create_tree(ws.id, NewTask("more"), parent_id=parent.id)
    assert _task_count(store) == 1
