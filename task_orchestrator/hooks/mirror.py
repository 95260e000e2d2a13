"""Mirroring Claude Code's own task list (TaskCreate / TaskUpdate, TaskCreated /
TaskCompleted) into subtasks of the session's active task, and recording the files that
Write / Edit / MultiEdit / NotebookEdit touch on the task in progress; a Bash command that
commits goes to hooks/gitcommit.py.

Each Claude Code task id is linked to our task with an external link scoped to the session,
so the same task seen twice (TaskCreated and PostToolUse both fire for one TaskCreate) is
created once. Field names are those of Claude Code 2.1.197's payloads (see the fixtures).
"""

from __future__ import annotations

import os

from .protocol import Event, text_of
from .settings import Settings

FILE_TOOLS = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit"})
TASK_TOOLS = frozenset({"TaskCreate", "TaskUpdate"})
# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ..core.models import Session, Task
    from ..core.store import TaskStore

MAX_FILES = 200  # per task: a context that grows without bound would slow every read


def handle(event: Event, settings: Settings) -> dict[str, object] | None:
    if not settings.mirror:
        return None
    if event.name == "PostToolUse":
        tool = event.text("tool_name")
        tool_input = event.obj("tool_input")
        if tool == "TaskCreate":
            ext_id = text_of(event.obj("tool_response").get("task") or {}, "id")  # type: ignore[arg-type]
            return _created(event, ext_id, text_of(tool_input, "subject"), tool_input)
        if tool == "TaskUpdate":
            return _updated(event, text_of(tool_input, "taskId"), tool_input)
        if tool in FILE_TOOLS:
            path = text_of(tool_input, "file_path") or text_of(tool_input, "notebook_path")
            return _touched(event, path) if path else None
        if tool == "Bash":
            from .gitcommit import handle as commit_made

            return commit_made(event)
        return None  # a tool we do not track (the matcher should not have sent it)
    subject = event.text("task_subject")
    fields: dict[str, object] = {"subject": subject, "description": event.text("task_description")}
    if event.name == "TaskCreated":
        return _created(event, event.text("task_id"), subject, fields)
    if event.name == "TaskCompleted":
        return _updated(event, event.text("task_id"), {**fields, "status": "completed"})
    return None


def _created(
    event: Event, ext_id: str, subject: str, fields: dict[str, object]
) -> dict[str, object] | None:
    if not ext_id:
        return None
    from .state import claude_session, open_store

    with open_store(event) as store:
        session = claude_session(store, event)
        task = _find_or_create(store, session, ext_id, subject, fields, event)
        # TaskCreated (no activeForm) usually arrives before PostToolUse (with it).
        active_form = text_of(fields, "activeForm")
        if active_form and task.context.get("active_form") != active_form:
            store.update_task(task.id, context={"active_form": active_form})
    return None


def _updated(event: Event, ext_id: str, fields: dict[str, object]) -> dict[str, object] | None:
    if not ext_id:
        return None
    from ..core.enums import Status
    from ..core.rules import is_finished
    from .state import claude_session, follow_git, move, open_store

    status = text_of(fields, "status")
    with open_store(event) as store:
        session = claude_session(store, event)
        task = _find_or_create(store, session, ext_id, text_of(fields, "subject"), fields, event)
        changes: dict[str, Any] = {}
        subject, description = text_of(fields, "subject"), text_of(fields, "description")
        if subject and subject != task.title:
            changes["title"] = subject[:200]
        if description and description != task.description:
            changes["description"] = description[:20_000]
        active_form = text_of(fields, "activeForm")
        context = {"active_form": active_form} if active_form else None
        if changes or context:
            task = store.update_task(task.id, context=context, **changes)
        _mirror_dependencies(store, session, task, fields)
        if status == "deleted":
            if not is_finished(task):
                move(store, task, Status.CANCELLED)
            store.archive_task(task.id)
        elif status in ("pending", "in_progress", "completed"):
            task = move(store, task, Status(status))
            follow_git(event, task)
            if task.status == Status.IN_PROGRESS and task.parent_id:
                parent = store.get_task(task.parent_id)
                if parent.status in (Status.PENDING, Status.BLOCKED, Status.NEEDS_REVISION):
                    follow_git(event, move(store, parent, Status.IN_PROGRESS))
    return None


def _mirror_dependencies(
    store: TaskStore, session: Session, task: Task, fields: dict[str, object]
) -> None:
    """TaskUpdate's addBlockedBy / addBlocks become dependencies between mirrored tasks
    (ids Claude Code never told us about are skipped)."""
    from ..core.errors import StoreError
    from .log import log
    from .state import LINK_SOURCE

    scope = session.external_id or ""

    def ours(key: str) -> list[str]:
        ids = fields.get(key)
        if not isinstance(ids, list):
            return []
        found = [store.find_external(LINK_SOURCE, scope, str(i)) for i in ids]
        return [f for f in found if f is not None and f != task.id]

    try:
        blocked_by = ours("addBlockedBy")
        if blocked_by:
            store.update_task(task.id, add_dependencies=blocked_by)
        for other in ours("addBlocks"):
            store.update_task(other, add_dependencies=[task.id])
    except StoreError as exc:  # a cycle, or a task in another workspace: keep the rest
        log("warning", f"TaskUpdate dependencies of {task.id} not mirrored: {exc}")


def _find_or_create(
    store: TaskStore,
    session: Session,
    ext_id: str,
    subject: str,
    fields: dict[str, object],
    event: Event,
) -> Task:
    from ..core.models import NewTask
    from .state import LINK_SOURCE, ensure_parent

    scope = session.external_id or ""
    existing = store.find_external(LINK_SOURCE, scope, ext_id)
    if existing is not None:
        return store.get_task(existing)
    title = (subject or f"Claude Code task {ext_id}")[:200]
    parent = ensure_parent(store, session, title, event.text("prompt_id"))
    description = text_of(fields, "description")[:20_000]
    active_form = text_of(fields, "activeForm")
    context: dict[str, object] = {"claude_task_id": ext_id}
    if active_form:
        context["active_form"] = active_form
    # Another hook process may mirror the same Claude task meanwhile: the first one stays.
    task, _ = store.create_linked(
        session.workspace_id,
        NewTask(title=title, description=description, context=context),
        parent_id=parent.id,
        session_id=session.id,
        link=(LINK_SOURCE, scope, ext_id),
    )
    return task


def _touched(event: Event, path: str) -> dict[str, object] | None:
    from .state import known_active_task, open_store, working_subtask

    with open_store(event) as store:
        found = known_active_task(store, event)
        if found is None:
            return None
        session, parent = found
        target = working_subtask(store, parent) or parent
        root = store.get_workspace(session.workspace_id).path
        if os.path.isabs(path) and (path + os.sep).startswith(root.rstrip(os.sep) + os.sep):
            path = os.path.relpath(path, root)
        files = target.context.get("files")
        files = [f for f in files if isinstance(f, str)] if isinstance(files, list) else []
        if path not in files and len(files) < MAX_FILES:
            store.update_task(target.id, context={"files": [*files, path]})
    return None
