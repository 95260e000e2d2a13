"""Everything about one task, as plain data: what `task-orchestrator tasks show` prints and
the board's task panel draws. One function builds it, so both show the same facts; its keys
are the stable `--json` shape (README, "tasks --json"): keys are only ever added."""

from __future__ import annotations

from typing import Any

from .errors import NotFound
from .models import Artifact, Task
from .rules import is_finished, plan_progress
from .store import TaskStore

#: At most this many events (newest first) and artifacts in a detail; a long-lived task
#: can have thousands, and a person reads the latest.
MAX_EVENTS = 200
MAX_ARTIFACTS = 100
#: A subtask list longer than this is cut, with the total kept.
MAX_SUBTASKS = 500
#: Commits and changed files listed in a detail; a task keeps at most 200 commits of its
#: range and 500 changed files (core/gitstate.py), plus those linked during a session.
MAX_COMMITS = 200
MAX_CHANGED_FILES = 500


#: The keys of :func:`task_brief`, for a caller that cuts a brief out of a task's fields.
BRIEF_KEYS = (
    "id",
    "title",
    "status",
    "finished",
    "specialist",
    "parent_id",
    "created_at",
    "updated_at",
    "version",
)


def task_brief(task: Task) -> dict[str, Any]:
    """The fields a list row or a card shows. ``finished`` is core/rules.py's answer, so a
    page or a script never restates which statuses are final."""
    return {
        "id": task.id,
        "title": task.title,
        "status": task.status.value,
        "finished": is_finished(task),
        "specialist": task.specialist.value,
        "parent_id": task.parent_id,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "version": task.version,
    }


def task_fields(task: Task) -> dict[str, Any]:
    """Every stored field of a task (its context included)."""
    return {
        **task_brief(task),
        "description": task.description,
        "task_type": task.task_type.value,
        "complexity": task.complexity.value,
        "estimated_effort": task.estimated_effort,
        "summary": task.summary,
        "archived": task.archived,
        "session_id": task.session_id,
        "workspace_id": task.workspace_id,
        "started_at": task.started_at,
        "completed_at": task.completed_at,
        "depends_on": list(task.depends_on),
        "context": task.context,
        # Who and where (core/actor.py): "" for a task older than schema v7.
        "created_by": task.created_by,
        "created_on": task.created_on,
        "changed_by": task.changed_by,
        "changed_on": task.changed_on,
    }


def task_detail(
    store: TaskStore, task_id: str, *, workspace_id: str | None, full: bool = False
) -> dict[str, Any]:
    """The task, its subtasks, dependencies and dependents, artifacts (with their content
    when ``full``), files touched, status history, the session that made it, and what git
    says of it: where it started and completed, its commits and the files they changed."""
    task = store.get_task(task_id, workspace_id=workspace_id)
    children = store.children(task_id, include_archived=True)
    progress = plan_progress(children)
    artifacts = store.artifacts(task_id)
    shown_artifacts = artifacts[-MAX_ARTIFACTS:]
    session = None
    if task.session_id:
        try:
            found = store.get_session(task.session_id)
        except NotFound:  # sessions are pruned by maintenance; the task outlives them
            found = None
        if found is not None:
            session = {
                "id": found.id,
                "client": found.client,
                "external_id": found.external_id,
                "started_at": found.started_at,
            }
    parent = store.get_task(task.parent_id) if task.parent_id else None
    commits, commits_total = store.task_commits(task_id, limit=MAX_COMMITS)
    changed, changed_total = store.task_files(task_id, limit=MAX_CHANGED_FILES)
    return {
        "task": task_fields(task),
        "parent": task_brief(parent) if parent else None,
        "subtasks": [task_brief(c) for c in children[:MAX_SUBTASKS]],
        "subtasks_total": len(children),
        "progress": {
            "completed": len(progress.completed),
            "cancelled": len(progress.cancelled),
            "open": len(progress.open),
        },
        "dependencies": [task_brief(t) for t in store.get_tasks(list(task.depends_on))],
        "dependents": [task_brief(t) for t in store.dependents(task_id)],
        "blockers": [t.id for t in store.blockers(task_id)],
        "artifacts": [_artifact(store, a, full=full) for a in shown_artifacts],
        "artifacts_total": len(artifacts),
        "files": files_touched(task, artifacts),
        "events": [
            {"at": e["at"], "kind": e["kind"], "data": e["data"]}
            for e in store.events(task_id=task_id, limit=MAX_EVENTS)
        ],
        "session": session,
        "git": store.task_git(task_id),
        "commits": commits,
        "commits_total": commits_total,
        "changed_files": changed,
        "changed_files_total": changed_total,
    }


def files_touched(task: Task, artifacts: list[Artifact]) -> list[str]:
    """The files the hooks saw Write/Edit touch for this task, then those its artifacts
    name, each once, in the order first seen."""
    seen: dict[str, None] = {}
    listed = task.context.get("files")
    for path in listed if isinstance(listed, list) else []:
        if isinstance(path, str):
            seen.setdefault(path)
    for art in artifacts:
        for path in art.file_paths:
            seen.setdefault(path)
    return list(seen)


def _artifact(store: TaskStore, art: Artifact, *, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": art.id,
        "type": art.artifact_type.value,
        "summary": art.summary,
        "size": art.size,
        "file_paths": list(art.file_paths),
        "created_at": art.created_at,
    }
    if full:
        out["content"] = store.artifact_content(art.id)
    return out
