"""core/steer.py, the hand actions of the CLI and the board: the same rules as the tools,
each refusal writing nothing, and the ranking of next_task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from task_orchestrator.core import steer
from task_orchestrator.core.enums import ArtifactType, Status
from task_orchestrator.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    VersionConflict,
    WrongWorkspace,
)
from task_orchestrator.core.models import MAX_SUMMARY
from task_orchestrator.core.store import TaskStore


@pytest.fixture
def ws(store: TaskStore, workspace_dir: Path) -> str:
    return store.workspace(workspace_dir).id


def _data(store: TaskStore) -> dict[str, Any]:
    listing = (
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if store.engine == "sqlite"
        else "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema()"
    )
    tables = [r[0] for r in store.conn.execute(listing)]
    return {t: sorted(map(tuple, store.conn.execute(f"SELECT * FROM {t}"))) for t in tables}


def test_start_waits_for_dependencies(store: TaskStore, ws: str) -> None:
    first = steer.add(store, ws, "first")
    then = steer.add(store, ws, "then", depends_on=(first.id,))
    before = _data(store)
    with pytest.raises(InvalidTransition) as err:
        steer.start(store, then.id, workspace_id=ws)
    assert err.value.fix == "dependencies_first" and "waits for 1 unfinished" in str(err.value)
    assert _data(store) == before
    steer.complete(store, first.id, workspace_id=ws)
    assert steer.start(store, then.id, workspace_id=ws).status == Status.IN_PROGRESS


def test_a_parent_completes_after_its_subtasks_with_their_synthesis(
    store: TaskStore, ws: str
) -> None:
    plan = steer.add(store, ws, "plan")
    a = steer.add(store, ws, "a", parent_id=plan.id)
    b = steer.add(store, ws, "b", parent_id=plan.id)
    before = _data(store)
    with pytest.raises(InvalidTransition) as err:
        steer.complete(store, plan.id, workspace_id=ws)
    assert err.value.fix == "subtasks_first" and "2 unfinished subtasks" in str(err.value)
    assert _data(store) == before
    steer.complete(store, a.id, workspace_id=ws, summary="a done")
    steer.cancel(store, b.id, workspace_id=ws)
    done = steer.complete(store, plan.id, workspace_id=ws)
    assert done.status == Status.COMPLETED
    assert done.summary == "1 of 2 subtasks complete, 1 cancelled."
    (art,) = store.artifacts(plan.id)
    assert art.artifact_type == ArtifactType.SYNTHESIS
    assert "a done" in store.artifact_content(art.id)


def test_a_plan_whose_subtasks_were_all_cancelled_is_not_completed(
    store: TaskStore, ws: str
) -> None:
    plan = steer.add(store, ws, "plan")
    steer.cancel(store, steer.add(store, ws, "a", parent_id=plan.id).id, workspace_id=ws)
    before = _data(store)
    with pytest.raises(InvalidTransition, match="cancel it instead"):
        steer.complete(store, plan.id, workspace_id=ws)
    assert _data(store) == before


def test_complete_refuses_a_finished_task_and_a_long_summary(store: TaskStore, ws: str) -> None:
    task = steer.add(store, ws, "t")
    before = _data(store)
    with pytest.raises(InvalidInput, match=f"longer than {MAX_SUMMARY}"):
        steer.complete(store, task.id, workspace_id=ws, summary="x" * (MAX_SUMMARY + 1))
    assert _data(store) == before
    done = steer.complete(store, task.id, workspace_id=ws)
    assert done.summary == "Done." and store.artifact_content(store.artifacts(task.id)[0].id)
    before = _data(store)
    with pytest.raises(InvalidTransition) as err:
        steer.complete(store, task.id, workspace_id=ws)
    assert err.value.fix == "reopen" and _data(store) == before


def test_reopen_only_a_finished_task(store: TaskStore, ws: str) -> None:
    task = steer.add(store, ws, "t")
    for status in (None, Status.IN_PROGRESS):
        if status:
            steer.start(store, task.id, workspace_id=ws)
        before = _data(store)
        with pytest.raises(InvalidTransition, match="needs no reopen"):
            steer.reopen(store, task.id, workspace_id=ws)
        assert _data(store) == before
    steer.complete(store, task.id, workspace_id=ws)
    again = steer.reopen(store, task.id, workspace_id=ws)
    assert again.status == Status.PENDING and again.completed_at is None
    steer.cancel(store, task.id, workspace_id=ws)
    assert steer.reopen(store, task.id, workspace_id=ws).status == Status.PENDING


def test_edit_with_a_stale_version_is_refused(store: TaskStore, ws: str) -> None:
    task = steer.add(store, ws, "t")
    edited = steer.edit(store, task.id, workspace_id=ws, title="new", expected_version=1)
    assert (edited.title, edited.version) == ("new", 2)
    before = _data(store)
    with pytest.raises(VersionConflict, match="at version 2, not 1"):
        steer.edit(store, task.id, workspace_id=ws, description="d", expected_version=1)
    with pytest.raises(InvalidInput, match="nothing to change"):
        steer.edit(store, task.id, workspace_id=ws)
    assert _data(store) == before


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"depends_on": ("task_nope",)}, NotFound),
        ({"parent_id": "task_nope"}, NotFound),
        ({"parent_id": "{plan}", "depends_on": ("{plan}",)}, InvalidInput),  # a cycle
        ({"parent_id": "{theirs}"}, WrongWorkspace),
        ({"depends_on": ("{theirs}",)}, WrongWorkspace),
    ],
)
def test_add_refuses_bad_references_writing_nothing(
    store: TaskStore, ws: str, tmp_path: Path, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    ids = {
        "plan": steer.add(store, ws, "plan").id,
        "theirs": steer.add(store, store.workspace(tmp_path / "elsewhere").id, "t").id,
    }
    kwargs = {
        k: (v.format(**ids) if isinstance(v, str) else tuple(x.format(**ids) for x in v))
        for k, v in kwargs.items()
    }
    before = _data(store)
    with pytest.raises(error):
        steer.add(store, ws, "new", **kwargs)
    assert _data(store) == before


def test_actions_are_scoped_to_the_workspace(store: TaskStore, ws: str, tmp_path: Path) -> None:
    other = store.workspace(tmp_path / "elsewhere").id
    task = steer.add(store, other, "theirs")
    before = _data(store)
    for act in (steer.start, steer.complete, steer.cancel, steer.reopen):
        with pytest.raises(WrongWorkspace):
            act(store, task.id, workspace_id=ws)
    assert _data(store) == before


def _age(store: TaskStore, task_id: str, created: str) -> None:
    store.conn.execute("UPDATE tasks SET created_at = ? WHERE id = ?", (created, task_id))


def test_next_task_ranking(store: TaskStore, ws: str) -> None:
    assert steer.next_task(store, ws) is None
    oldest = steer.add(store, ws, "oldest")
    _age(store, oldest.id, "2020-01-01T00:00:00.000000Z")
    busy = steer.add(store, ws, "unblocks two")
    _age(store, busy.id, "2021-01-01T00:00:00.000000Z")
    for i in range(2):
        steer.add(store, ws, f"waits {i}", depends_on=(busy.id,))
    # Most dependents beats the oldest.
    first = steer.next_task(store, ws)
    assert first is not None and first.task.id == busy.id and first.unblocks == 2
    assert "2 tasks wait for it" in first.reasons and "it depends on nothing" in first.reasons
    # A step of a plan under way beats both, however new.
    plan = steer.add(store, ws, "plan")
    step = steer.add(store, ws, "step", parent_id=plan.id)
    store.update_task(plan.id, status=Status.IN_PROGRESS)
    pick = steer.next_task(store, ws)
    assert pick is not None and pick.task.id == step.id
    assert f"its plan {plan.id} is in progress" in pick.reasons
    # With equal dependents, the oldest first.
    steer.cancel(store, plan.id, workspace_id=ws)
    steer.cancel(store, busy.id, workspace_id=ws)
    pick = steer.next_task(store, ws)
    assert pick is not None and pick.task.id == oldest.id and pick.unblocks == 0
