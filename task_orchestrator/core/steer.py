"""What a person does to tasks by hand, from the CLI (`task-orchestrator tasks`) or the board:
add, start, complete, cancel, reopen, edit, and which task to do next.

Each action is the store call a tool makes, under the same rules (core/rules.py) and with
the same errors; only the defaults differ where a person types less than a model (a
completion's summary is also its stored work). Nothing here knows about click, HTTP or
terminals, so the CLI and the board cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from .enums import ArtifactType, Specialist, Status
from .errors import InvalidInput, InvalidTransition
from .gitlink import follow
from .models import MAX_SUMMARY, NewTask, Task
from .recordtype import FrozenRecord
from .rules import is_finished, plan_progress
from .store import TaskStore
from .synthesis import headline, synthesize

#: What a cancellation by hand records as its reason when the person gives none.
HAND_CANCEL = "cancelled by hand"


def add(
    store: TaskStore,
    workspace_id: str,
    title: str,
    *,
    description: str = "",
    parent_id: str | None = None,
    depends_on: tuple[str, ...] = (),
    specialist: Specialist = Specialist.GENERALIST,
) -> Task:
    """A new pending task (under ``parent_id`` when given) that waits for ``depends_on``.
    The parent and every dependency must be tasks of ``workspace_id``."""
    for dep in depends_on:
        store.get_task(dep, workspace_id=workspace_id)
    task = NewTask(
        title=title, description=description, specialist=specialist, depends_on=list(depends_on)
    )
    # create_tree checks the parent's workspace and state, and refuses cycles, in one
    # transaction with the insert.
    return store.create_tree(workspace_id, task, parent_id=parent_id)[0]


def _folder(store: TaskStore, workspace_id: str, directory: str | None) -> str | None:
    """Where git is asked about a task moved by hand: the folder the person works in (the
    CLI's), else the workspace's folder on this machine (the board's); None when a team
    store's workspace has none here (no git to ask)."""
    return directory or store.local_folder(store.get_workspace(workspace_id))


def _follow(store: TaskStore, task_id: str, folder: str | None) -> bool:
    return folder is not None and follow(store, task_id, folder)


def start(
    store: TaskStore, task_id: str, *, workspace_id: str, directory: str | None = None
) -> Task:
    """Start a task, and record where git stood (core/gitlink.py) in ``directory``."""
    task = store.start_task(task_id, workspace_id=workspace_id)
    if _follow(store, task_id, _folder(store, workspace_id, directory)):
        task = store.get_task(task_id)
    return task


def complete(
    store: TaskStore,
    task_id: str,
    *,
    workspace_id: str,
    summary: str = "",
    work: str = "",
    directory: str | None = None,
) -> Task:
    """Complete a task, and record its commits and changed files (core/gitlink.py) from
    ``directory``. A task with subtasks completes once they are all finished (at least one
    completed), and its synthesis becomes its stored work, as the Stop hook does; a task
    without subtasks stores ``work`` (or the summary) as its work."""
    done = _complete(store, task_id, workspace_id=workspace_id, summary=summary, work=work)
    _follow(store, task_id, _folder(store, workspace_id, directory))
    return done


def _complete(
    store: TaskStore, task_id: str, *, workspace_id: str, summary: str = "", work: str = ""
) -> Task:
    summary = " ".join(summary.split())
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"the summary is longer than {MAX_SUMMARY} characters")
    task = store.get_task(task_id, workspace_id=workspace_id)
    if is_finished(task):
        raise InvalidTransition(
            f"task {task_id} is already {task.status}", fix="reopen", task_id=task_id
        )
    children = store.children(task_id, include_archived=True)
    if not children:
        summary = summary or "Done."
        done, _ = store.record_work(
            task_id,
            status=Status.COMPLETED,
            summary=summary,
            content=work or summary,
            workspace_id=workspace_id,
        )
        return done
    progress = plan_progress(children)
    if progress.open:
        raise InvalidTransition(
            f"task {task_id} has {len(progress.open)} unfinished subtasks",
            fix="subtasks_first",
            task_id=task_id,
        )
    if not progress.finished:
        raise InvalidTransition(
            f"every subtask of {task_id} was cancelled, so it did nothing; cancel it instead"
        )
    document = synthesize(store, task_id, record=False, workspace_id=workspace_id).markdown
    done, _ = store.record_work(
        task_id,
        status=Status.COMPLETED,
        summary=summary or headline(progress),
        content=work or document,
        artifact_type=ArtifactType.SYNTHESIS,
        workspace_id=workspace_id,
    )
    return done


def cancel(
    store: TaskStore, task_id: str, *, workspace_id: str, reason: str = HAND_CANCEL
) -> list[str]:
    """Cancel a task and its unfinished subtasks; completed subtasks keep their work."""
    return store.cancel_tree(task_id, reason=reason or HAND_CANCEL, workspace_id=workspace_id)


def reopen(store: TaskStore, task_id: str, *, workspace_id: str) -> Task:
    """A completed or cancelled task becomes pending again."""
    task = store.get_task(task_id, workspace_id=workspace_id)
    if not is_finished(task):
        # update_task lets a task "move" to the status it has, so a pending task would be
        # "reopened" with a new version and event while nothing changed.
        raise InvalidTransition(
            f"task {task_id} is {task.status}, not completed or cancelled; it needs no reopen"
        )
    return store.update_task(task_id, workspace_id=workspace_id, status=Status.PENDING, reopen=True)


def edit(
    store: TaskStore,
    task_id: str,
    *,
    workspace_id: str,
    title: str | None = None,
    description: str | None = None,
    expected_version: int | None = None,
) -> Task:
    """Rename a task or change its description; with ``expected_version``, refused when
    someone changed it since (VersionConflict), as the board sends it."""
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = title
    if description is not None:
        changes["description"] = description
    if not changes:
        raise InvalidInput("nothing to change: give a new title or description")
    return store.update_task(
        task_id, workspace_id=workspace_id, expected_version=expected_version, **changes
    )


class Suggestion(FrozenRecord):
    """The task to do next and why, in words a person reads."""

    __slots__ = ("task", "reasons", "unblocks")
    task: Task
    reasons: list[str]
    #: How many tasks wait on this one.
    unblocks: int


#: How many ready tasks ``next_task`` weighs; the oldest come first, so a workspace with
#: thousands of ready tasks costs one short query, not a sort of all of them.
CANDIDATES = 200


def next_task(store: TaskStore, workspace_id: str) -> Suggestion | None:
    """The ready task (core/rules.py) to do next: a step of a plan already under way before
    a new plan, then the one that unblocks most tasks, then the oldest."""
    ready = store.ready_tasks(workspace_id, limit=CANDIDATES)
    if not ready:
        return None
    parents = {t.parent_id for t in ready if t.parent_id}
    started = {p.id for p in store.get_tasks(sorted(parents)) if p.status == Status.IN_PROGRESS}
    ranked = sorted(
        ((t, len(store.dependents(t.id))) for t in ready),
        key=lambda pair: (pair[0].parent_id not in started, -pair[1]),
    )
    task, unblocks = ranked[0]
    reasons = []
    if task.depends_on:
        reasons.append(
            f"{_count(len(task.depends_on), 'dependency is', 'dependencies are')} completed"
        )
    else:
        reasons.append("it depends on nothing")
    if task.parent_id in started:
        reasons.append(f"its plan {task.parent_id} is in progress")
    if unblocks:
        reasons.append(f"{_count(unblocks, 'task waits', 'tasks wait')} for it")
    reasons.append(f"created {task.created_at}")
    return Suggestion(task=task, reasons=reasons, unblocks=unblocks)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
