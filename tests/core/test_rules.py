"""The task rules of core/rules.py, each as a table: what the subtasks (or the dependencies)
are, and what the rule says. The server, the hooks and synthesis all ask these."""

from __future__ import annotations

import pytest

from task_orchestrator.core.enums import Status
from task_orchestrator.core.errors import InvalidInput, InvalidTransition
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.rules import plan_progress
from task_orchestrator.core.store import TaskStore
from task_orchestrator.core.synthesis import synthesize

C, X, P, IP, B = "completed", "cancelled", "pending", "in_progress", "blocked"

# (statuses of the subtasks, which are archived, finished?)
PLANS = [
    ([], set(), False),  # nothing planned: nothing done
    ([C], set(), True),
    ([C, C], set(), True),
    ([C, X], set(), True),
    ([X, X], set(), False),  # everything cancelled: nothing was done
    ([C, P], set(), False),
    ([C, IP], set(), False),
    ([C, B], set(), False),
    ([C, P], {1}, False),  # an archived unfinished subtask keeps the plan open
    ([C, X], {1}, True),  # an archived cancelled one counts as cancelled
    ([C, C], {0}, True),  # an archived completed one as completed
]


def build(store: TaskStore, workspace_dir: object, statuses: list[str], archived: set[int]) -> str:
    ws = store.workspace(str(workspace_dir))
    tasks = store.create_tree(
        ws.id,
        NewTask(title="plan", subtasks=[NewTask(title=f"s{i}") for i in range(len(statuses))]),
    )
    for i, (task, status) in enumerate(zip(tasks[1:], statuses, strict=True)):
        if status == C:
            store.record_work(task.id, status=Status.COMPLETED, summary="done", content="work")
        elif status != P:
            store.set_status(task.id, Status(status))
        if i in archived:
            store.archive_task(task.id)
    return tasks[0].id


@pytest.mark.parametrize(("statuses", "archived", "finished"), PLANS)
def test_plan_finished(
    store: TaskStore, workspace_dir: object, statuses: list[str], archived: set[int], finished: bool
) -> None:
    parent = build(store, workspace_dir, statuses, archived)
    children = store.children(parent, include_archived=True)
    assert plan_progress(children).finished is finished
    # Synthesis says the same, and so does the store when asked to complete the parent.
    assert synthesize(store, parent, record=False).all_complete is finished
    unfinished = any(s not in (C, X) for s in statuses)
    if unfinished:
        with pytest.raises(InvalidTransition, match="unfinished subtasks"):
            store.record_work(parent, status=Status.COMPLETED, summary="s", content="c")
    # A parent with unfinished subtasks is not ready and cannot start either.
    ready = {t.id for t in store.ready_tasks(store.get_task(parent).workspace_id)}
    assert (parent in ready) is (not unfinished)
    if unfinished:
        with pytest.raises(InvalidTransition, match="unfinished subtasks"):
            store.start_task(parent)


# (status of the dependency, may the dependent start?)
DEPENDENCIES = [(P, False), (IP, False), (B, False), (X, False), (C, True)]


@pytest.mark.parametrize(("dep_status", "startable"), DEPENDENCIES)
def test_start_waits_for_completed_dependencies(
    store: TaskStore, workspace_dir: object, dep_status: str, startable: bool
) -> None:
    ws = store.workspace(str(workspace_dir))
    dep = store.create_tree(ws.id, NewTask(title="dep"))[0]
    task = store.create_tree(ws.id, NewTask(title="task", depends_on=[dep.id]))[0]
    if dep_status == C:
        store.record_work(dep.id, status=Status.COMPLETED, summary="s", content="c")
    elif dep_status != P:
        store.set_status(dep.id, Status(dep_status))
    assert (task.id in {t.id for t in store.ready_among([task.id])}) is startable
    if startable:
        assert store.start_task(task.id).status == Status.IN_PROGRESS
    else:
        with pytest.raises(InvalidTransition, match="waits for 1 unfinished dependencies"):
            store.start_task(task.id)
        assert store.get_task(task.id).status == Status.PENDING


@pytest.mark.parametrize("finished", [C, X])
def test_a_finished_task_does_not_start(
    store: TaskStore, workspace_dir: object, finished: str
) -> None:
    ws = store.workspace(str(workspace_dir))
    task = store.create_tree(ws.id, NewTask(title="t"))[0]
    store.set_status(task.id, Status(finished))
    with pytest.raises(InvalidTransition, match="reopen"):
        store.start_task(task.id)


def test_no_task_depends_on_its_own_ancestor_or_descendant(
    store: TaskStore, workspace_dir: object
) -> None:
    """Either way round neither could finish: a parent is finished by its subtasks."""
    ws = store.workspace(str(workspace_dir))
    top, mid, leaf = store.create_tree(
        ws.id,
        NewTask(title="top", subtasks=[NewTask(title="mid", subtasks=[NewTask(title="leaf")])]),
    )
    before = store.conn.execute("SELECT COUNT(*) FROM dependencies").fetchone()[0]
    for task, dep in [(leaf, top), (leaf, mid), (mid, top), (top, leaf), (mid, leaf)]:
        with pytest.raises(InvalidInput, match="planned under the other"):
            store.update_task(task.id, add_dependencies=[dep.id])
    with pytest.raises(InvalidInput, match="which it is planned under"):
        store.create_tree(ws.id, NewTask(title="new", depends_on=[top.id]), parent_id=mid.id)
    assert store.conn.execute("SELECT COUNT(*) FROM dependencies").fetchone()[0] == before
    # A sibling or a task outside the plan is fine.
    other = store.create_tree(ws.id, NewTask(title="other"))[0]
    store.update_task(leaf.id, add_dependencies=[other.id])


def test_file_paths_count_toward_the_artifact_cap(store: TaskStore, workspace_dir: object) -> None:
    ws = store.workspace(str(workspace_dir))
    task = store.create_tree(ws.id, NewTask(title="t"))[0]
    for paths, needle in [
        (["p" * 4_000] * 200, "more than 500000"),
        (["x"] * 201, "more than 200"),
        (["x" * 5_000], "1 to 4096 characters"),
        ([""], "1 to 4096 characters"),
    ]:
        with pytest.raises(InvalidInput, match=needle):
            store.record_work(
                task.id, status=Status.COMPLETED, summary="s", content="c", file_paths=paths
            )
    assert store.artifacts(task.id) == []
