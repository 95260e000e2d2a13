"""Task tools that read and change existing tasks: query, update, cancel, delete."""

from __future__ import annotations

import os
import re
from typing import Annotated, Any, Literal

from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from ..core.enums import Complexity, Specialist, Status, TaskType
from ..core.errors import InvalidInput, shown
from ..core.gitlink import sha_prefix
from ..core.models import MAX_DESCRIPTION, MAX_SUMMARY, Task, TaskFilter
from ..core.store import MAX_PAGE, TaskStore
from ..core.workspace import find_workspace
from .budget import json_size
from .context import Ctx, TaskId, Tool, follow_git, result, session_for, tool_errors
from .models import CancelOut, DeleteOut, QueryOut, TaskView, UpdateOut

#: The task list's share of the answer budget (server/budget.py), in bytes of JSON; the rest
#: of the answer is small.
QUERY_BUDGET_BYTES = 60_000
#: Ids listed in a cancel or delete answer; the rest are counted.
MAX_IDS = 200
MAX_PAGE_TOOL = min(MAX_PAGE, 100)
#: Counting stops here: an exact count of 100,000 rows costs more than the page itself.
TOTAL_CAP = 10_000
ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?Z?)?")


async def query_tasks(
    ctx: Ctx,
    status: list[Status] | None = None,
    specialist: list[Specialist] | None = None,
    complexity: list[Complexity] | None = None,
    task_type: list[TaskType] | None = None,
    parent_task_id: Annotated[
        str | None,
        Field(max_length=100, description="Children of this task; '' for top-level tasks."),
    ] = None,
    text: Annotated[str | None, Field(max_length=200)] = None,
    created_after: Annotated[
        str | None,
        Field(max_length=40, description="UTC, e.g. 2026-01-31 or 2026-01-31T14:00:00Z."),
    ] = None,
    created_before: Annotated[str | None, Field(max_length=40)] = None,
    workspace: Annotated[
        str | None, Field(max_length=4_096, description="A project path; '*' for all workspaces.")
    ] = None,
    include_archived: bool = False,
    branch: Annotated[
        str | None,
        Field(
            max_length=255,
            description="Tasks started or completed on this git branch, or with a commit on it.",
        ),
    ] = None,
    commit: Annotated[
        str | None,
        Field(
            min_length=7,
            max_length=64,
            description="Tasks that produced the git commit whose sha starts with this.",
        ),
    ] = None,
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_TOOL)] = 20,
    cursor: Annotated[str | None, Field(max_length=2_000)] = None,
    offset: Annotated[int | None, Field(ge=0, le=1_000_000)] = None,
    detail: Literal["summary", "full"] = "summary",
) -> Annotated[CallToolResult, QueryOut]:
    """Find tasks by status, specialist, complexity, type, parent, text, creation time,
    git branch or commit, or workspace (default: this one), newest first. Pages: pass next_cursor back as
    cursor. Summary detail shortens descriptions; full returns them with context. Answers
    are capped in size, so ask for fewer or filter more if truncated_to_fit is set."""
    state, ws, _ = await session_for(ctx)
    with tool_errors():
        flt = TaskFilter(
            workspace_id=_workspace_id(state.store, ws.id, workspace),
            statuses=status,
            specialists=specialist,
            complexities=complexity,
            task_types=task_type,
            parent_id=parent_task_id,
            text=text,
            created_after=_utc(created_after),
            created_before=_utc(created_before),
            include_archived=include_archived,
            branch=branch or None,
            commit=_commit(commit),
        )
        page = state.store.query(flt, limit=limit, cursor=cursor, offset=offset)
        total = state.store.count_capped(flt, TOTAL_CAP)
        views = _fit_views(page.tasks, full=detail == "full")
        cut = len(views) < len(page.tasks)
        next_cursor = page.next_cursor
        if cut:
            # Re-ask for exactly what fits so the cursor points after the last task sent.
            next_cursor = state.store.query(
                flt, limit=len(views), cursor=cursor, offset=offset
            ).next_cursor
    next_offset = None
    if offset is not None and (cut or page.next_cursor):
        next_offset = offset + len(views)
        next_cursor = None
    out = QueryOut(
        tasks=views,
        returned=len(views),
        total=total,
        total_is_lower_bound=total >= TOTAL_CAP,
        next_cursor=next_cursor,
        next_offset=next_offset,
        truncated_to_fit=cut,
        detail=detail,
    )
    count_text = f"{total}+" if total >= TOTAL_CAP else str(total)
    lines = [f"{len(views)} of {count_text} tasks" + (" (cut to fit)" if cut else "")]
    lines += [f"- {v.id} [{v.status}] {v.title}" for v in views[:50]]
    if next_cursor or next_offset is not None:
        lines.append("More: pass next_cursor (or next_offset) to get the next page.")
    return result(out, "\n".join(lines))


def _utc(moment: str | None) -> str | None:
    """A time as the store compares it: stored times are fixed-width UTC text, and anything
    else would compare wrongly."""
    if moment is not None and not ISO_UTC.fullmatch(moment):
        raise InvalidInput(
            f"{shown(moment)} is not a UTC time; write 2026-01-31 or 2026-01-31T14:00:00Z"
        )
    return moment


def _commit(commit: str | None) -> str | None:
    if commit is None:
        return None
    prefix = sha_prefix(commit)
    if prefix is None:
        raise InvalidInput(
            f"commit {shown(commit)} is not the start of a commit sha; give at least 7 hex "
            "digits, as git log --oneline prints them"
        )
    return prefix


def _workspace_id(store: TaskStore, own: str, workspace: str | None) -> str | None:
    """The workspace to search: the session's, another project by path, or all ('*')."""
    if workspace is None:
        return own
    if workspace == "*":
        return None
    if not os.path.isabs(workspace) or not os.path.isdir(workspace):
        raise InvalidInput(
            f"workspace {shown(workspace)} is not an existing absolute directory; give a "
            "project path, or '*' for all workspaces"
        )
    return store.workspace_for_root(find_workspace(workspace)).id


def _fit_views(tasks: list[Task], *, full: bool) -> list[TaskView]:
    """The views of the longest head of ``tasks`` that fits the query's budget."""
    views: list[TaskView] = []
    used = 0
    for t in tasks:
        v = TaskView.of_task(t, full=full)
        size = json_size(v)
        if not views and size > QUERY_BUDGET_BYTES:
            # One huge task alone: shorten it rather than return nothing (a description of
            # 2,000 characters and a context of 10 KB fit whatever their letters).
            v = TaskView.of_task(t, full=full, max_description=2_000, max_context_bytes=10_000)
            size = json_size(v)
        if used + size > QUERY_BUDGET_BYTES:
            break
        views.append(v)
        used += size
    return views


async def update_task(
    ctx: Ctx,
    task_id: TaskId,
    expected_version: Annotated[
        int | None, Field(ge=1, description="Refuse if the task changed since this version.")
    ] = None,
    title: Annotated[str | None, Field(max_length=400)] = None,
    description: Annotated[str | None, Field(max_length=MAX_DESCRIPTION)] = None,
    status: Status | None = None,
    reopen: Annotated[bool, Field(description="Needed to leave completed/cancelled.")] = False,
    complexity: Complexity | None = None,
    task_type: TaskType | None = None,
    specialist: Specialist | None = None,
    estimated_effort: Annotated[str | None, Field(max_length=50)] = None,
    summary: Annotated[str | None, Field(max_length=MAX_SUMMARY)] = None,
    context: Annotated[
        dict[str, Any] | None, Field(description="Merged key by key; null removes a key.")
    ] = None,
    add_dependencies: Annotated[list[str], Field(max_length=50)] = [],  # noqa: B006
    remove_dependencies: Annotated[list[str], Field(max_length=50)] = [],  # noqa: B006
) -> Annotated[CallToolResult, UpdateOut]:
    """Change some fields of a task: title, description, status (validated transitions;
    reopen=true to reopen a finished task), complexity, type, specialist, effort, summary,
    context, dependencies. Pass expected_version to refuse the change if someone else
    changed the task since you read it."""
    state, ws, _ = await session_for(ctx)
    fields = {
        k: v
        for k, v in {
            "title": title,
            "description": description,
            "complexity": complexity,
            "task_type": task_type,
            "specialist": specialist,
            "estimated_effort": estimated_effort,
            "summary": summary,
        }.items()
        if v is not None
    }
    changed = [*fields, *(["status"] if status else []), *(["context"] if context else [])]
    if add_dependencies or remove_dependencies:
        changed.append("dependencies")
    with tool_errors():
        if not changed and not reopen:
            raise InvalidInput("nothing to change; pass at least one field to update")
        task = state.store.update_task(
            task_id,
            workspace_id=ws.id,
            expected_version=expected_version,
            status=status,
            reopen=reopen,
            context=context,
            add_dependencies=add_dependencies,
            remove_dependencies=remove_dependencies,
            **fields,
        )
        if status is not None:
            follow_git(ctx, ws, task.id)
    out = UpdateOut(task=TaskView.of_task(task, full=False), changed=changed)
    return result(
        out,
        f"Task {task.id} updated ({', '.join(changed)}); now {task.status}, "
        f"version {task.version}.",
    )


async def cancel_task(
    ctx: Ctx,
    task_id: TaskId,
    reason: Annotated[str, Field(min_length=1, max_length=1_000)],
    preserve_work: Annotated[
        bool, Field(description="Keep stored artifacts (default); false deletes them.")
    ] = True,
    cascade: Annotated[bool, Field(description="Also cancel unfinished subtasks.")] = True,
) -> Annotated[CallToolResult, CancelOut]:
    """Cancel a task that is no longer needed, with a reason; by default its unfinished
    subtasks are cancelled too and all stored work is kept. Completed subtasks stay
    completed. Use orchestrator_delete_task to remove tasks instead."""
    state, ws, _ = await session_for(ctx)
    with tool_errors():
        if not reason.strip():
            raise InvalidInput("the reason is empty; say why the task is cancelled")
        ids = state.store.cancel_tree(
            task_id,
            reason=reason,
            cascade=cascade,
            drop_artifacts=not preserve_work,
            workspace_id=ws.id,
        )
    out = CancelOut(
        task_id=task_id,
        cancelled=ids[:MAX_IDS],
        cancelled_total=len(ids),
        artifacts_kept=preserve_work,
        reason=reason,
    )
    return result(out, f"Cancelled {len(ids)} task(s): {', '.join(ids[:20])}.")


async def delete_task(
    ctx: Ctx,
    task_id: TaskId,
    force: Annotated[bool, Field(description="Allow deleting a task with subtasks.")] = False,
    archive_instead: Annotated[
        bool, Field(description="Archive (hide, recoverable) instead of deleting.")
    ] = True,
) -> Annotated[CallToolResult, DeleteOut]:
    """Remove a task from view. By default it is archived with its subtasks (hidden from
    queries, kept in the store). With archive_instead=false it is deleted for good; a task
    with subtasks is only deleted with force=true."""
    state, ws, _ = await session_for(ctx)
    with tool_errors():
        if archive_instead:
            ids = state.store.archive_task(task_id, workspace_id=ws.id)
            action = "archived"
        else:
            ids = state.store.delete_task(task_id, force=force, workspace_id=ws.id)
            action = "deleted"
    out = DeleteOut(task_id=task_id, action=action, ids=ids[:MAX_IDS], ids_total=len(ids))
    return result(out, f"{action.capitalize()} {len(ids)} task(s): {', '.join(ids[:20])}.")


TOOLS = [
    Tool(
        query_tasks,
        "orchestrator_query_tasks",
        ToolAnnotations(read_only_hint=True, idempotent_hint=True),
    ),
    Tool(
        update_task,
        "orchestrator_update_task",
        ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False),
    ),
    Tool(
        cancel_task,
        "orchestrator_cancel_task",
        ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False),
    ),
    Tool(
        delete_task,
        "orchestrator_delete_task",
        ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False),
    ),
]
