"""Task tools: plan, execute, complete, query, update, cancel, delete."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from ..core.enums import TERMINAL, ArtifactType, Complexity, Specialist, Status, TaskType
from ..core.errors import InvalidInput, InvalidTransition
from ..core.models import MAX_DESCRIPTION, MAX_PLAN_NODES, MAX_SUMMARY, NewTask, TaskFilter
from ..core.planner import Template, expand_template
from ..core.store import MAX_PAGE
from ..core.workspace import resolve_workspace
from .app import App, result, tool_errors
from .models import (
    CancelOut,
    CompleteOut,
    DeleteOut,
    DependencyResult,
    ExecuteOut,
    PlanOut,
    QueryOut,
    RoutingOut,
    SpecialistOut,
    SubtaskIn,
    TaskBrief,
    TaskView,
    UpdateOut,
)
from .tools_session import session_for

#: No query answer may exceed about 20,000 tokens (~80,000 characters of JSON) whatever the
#: store holds; the task list gets this much and the rest of the answer is small.
QUERY_BUDGET_CHARS = 70_000
MAX_PAGE_TOOL = min(MAX_PAGE, 100)

NEXT_ACTIONS: dict[str, Status] = {
    "continue": Status.IN_PROGRESS,
    "needs_revision": Status.NEEDS_REVISION,
    "blocked": Status.BLOCKED,
    "complete": Status.COMPLETED,
}

TaskId = Annotated[str, Field(min_length=1, max_length=100, description="A task id.")]


def _size(view: TaskView) -> int:
    return len(json.dumps(view.model_dump(mode="json"), ensure_ascii=False))


def register(server: MCPServer[Any], app: App) -> None:
    @server.tool(
        name="orchestrator_plan_task",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False
        ),
    )
    async def plan_task(
        ctx: Context[Any],
        title: Annotated[str, Field(max_length=400, description="Short title of the goal.")],
        description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] = "",
        complexity: Complexity = Complexity.MODERATE,
        task_type: TaskType = TaskType.BREAKDOWN,
        context: Annotated[
            dict[str, Any] | None, Field(description="Free-form facts to keep with the task.")
        ] = None,
        parent_task_id: Annotated[
            str | None, Field(description="Plan under this existing task.")
        ] = None,
        subtasks: Annotated[
            list[SubtaskIn] | None,
            Field(max_length=MAX_PLAN_NODES, description="The steps; omit to use a template."),
        ] = None,
        template: Annotated[
            str | None,
            Field(
                max_length=50,
                description="Template name (see orchestrator://templates) when no subtasks.",
            ),
        ] = None,
    ) -> Annotated[CallToolResult, PlanOut]:
        """Create a task and its subtask tree in one step. Use it when work has several
        steps: give subtasks (each with title, description, optional specialist, effort and
        dependencies by index, title or existing id), or omit them and a template (named, or
        chosen from the description) proposes steps with a specialist routed by each step's
        text. Nothing is written if any part is invalid."""
        state, ws, session = await session_for(app, ctx)
        catalog = state.catalog
        text = f"{title}\n{description}"
        chosen: Template | None = None
        matched_tpl: tuple[str, ...] = ()
        routing: list[RoutingOut] = []
        with tool_errors():
            if subtasks:
                if template is not None:
                    raise InvalidInput("give either subtasks or a template, not both")
                children = []
                for sub in subtasks:
                    spec = sub.specialist
                    if spec is None:
                        route = catalog.route(f"{sub.title}\n{sub.description}")
                        spec = route.specialist
                        routing.append(
                            RoutingOut(
                                title=sub.title,
                                specialist=spec,
                                chosen_by="keywords" if route.score else "default",
                                matched=list(route.matched),
                            )
                        )
                    children.append(
                        NewTask(
                            title=sub.title,
                            description=sub.description,
                            specialist=spec,
                            complexity=sub.complexity,
                            task_type=sub.task_type,
                            estimated_effort=sub.estimated_effort,
                            depends_on=list(sub.depends_on),
                        )
                    )
            else:
                if template is not None:
                    chosen = catalog.template(template)
                else:
                    chosen, matched_tpl = catalog.choose_template(text)
                children = expand_template(chosen, " ".join(title.split()), description)
            root = NewTask(
                title=title,
                description=description,
                complexity=complexity,
                task_type=task_type,
                specialist=catalog.route(text).specialist,
                context=context or {},
                subtasks=children,
            )
            tasks = state.store.create_tree(
                ws.id, root, parent_id=parent_task_id, session_id=session.id
            )
            ready = [
                t.id
                for t in state.store.ready_tasks(ws.id, limit=50)
                if t.id in {c.id for c in tasks[1:]}
            ]
        top = tasks[0]
        subs = [TaskBrief.of(t) for t in tasks[1:]]
        if chosen is not None:
            hint = (
                f"Planned from template '{chosen.name}'"
                + (f" (matched: {', '.join(matched_tpl)})" if matched_tpl else "")
                + ". To adjust: orchestrator_update_task to edit a step, orchestrator_cancel_task"
                " to drop one, or plan again with your own subtasks or another template."
            )
        else:
            hint = "Execute the ready subtasks with orchestrator_execute_task."
        out = PlanOut(
            task=TaskBrief.of(top),
            subtasks=subs,
            template=chosen.name if chosen else None,
            template_matched=list(matched_tpl),
            routing=routing,
            ready=ready,
            hint=hint,
        )
        lines = [f"Planned {top.title} ({top.id}) with {len(subs)} subtasks."]
        lines += [f"- {s.id} [{s.specialist}] {s.title}" for s in subs[:30]]
        lines.append(f"Ready now: {', '.join(ready) or 'none'}. {hint}")
        return result(out, "\n".join(lines))

    @server.tool(
        name="orchestrator_execute_task",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True
        ),
    )
    async def execute_task(
        ctx: Context[Any], task_id: TaskId
    ) -> Annotated[CallToolResult, ExecuteOut]:
        """Start work on a task: it is marked in progress and you receive the specialist
        role to adopt (definition, expertise, approach, expected output), the task, its
        parent's goal and the results of the tasks it depends on. Refused, with the blockers
        listed, while a dependency is not complete."""
        state, _, session = await session_for(app, ctx)
        store = state.store
        with tool_errors():
            task = store.get_task(task_id)
            if task.status in TERMINAL:
                raise InvalidTransition(
                    f"task {task_id} is {task.status}; reopen it with orchestrator_update_task "
                    "(status and reopen=true) to work on it again"
                )
            blockers = store.blockers(task_id)
            if blockers:
                names = "; ".join(f"{b.id} '{b.title}' ({b.status})" for b in blockers[:10])
                raise InvalidTransition(
                    f"task {task_id} waits for {len(blockers)} unfinished dependencies: {names}. "
                    "Execute and complete those first"
                )
            open_children = [c for c in store.children(task_id) if c.status not in TERMINAL]
            if open_children:
                raise InvalidTransition(
                    f"task {task_id} has {len(open_children)} unfinished subtasks; execute them "
                    "and finish it with orchestrator_synthesize_results"
                )
            if task.status != Status.IN_PROGRESS:
                task = store.update_task(task_id, status=Status.IN_PROGRESS)
            store.set_active_task(session.id, task_id)
            parent = store.get_task(task.parent_id) if task.parent_id else None
            deps = store.get_tasks(list(task.depends_on))
            dep_results = [
                DependencyResult(
                    task_id=d.id,
                    title=d.title,
                    summary=(d.summary or "")[:1_500] or None,
                    artifacts=[a.summary[:500] for a in store.artifacts(d.id)[-5:]],
                )
                for d in deps
            ]
        prof = state.catalog.profile(task.specialist)
        spec = SpecialistOut(
            name=task.specialist,
            role=prof.role,
            expertise=list(prof.expertise),
            approach=list(prof.approach),
            expected_output=prof.expected_output,
        )
        instructions = (
            f"Act as the {task.specialist}. Do the task below, then call "
            f"orchestrator_complete_task with task_id={task.id}, a summary, the detailed work "
            "and next_action."
        )
        out = ExecuteOut(
            task=TaskView.of_task(task, full=True, max_description=8_000),
            specialist=spec,
            parent_goal=(parent.description or parent.title)[:2_000] if parent else None,
            dependency_results=dep_results,
            instructions=instructions,
        )
        text = [f"{prof.role}", f"Task {task.id}: {task.title}", task.description[:2_000]]
        if out.parent_goal:
            text.append(f"Parent goal: {out.parent_goal[:500]}")
        for d in dep_results:
            text.append(f"Depends on {d.title}: {d.summary or '(no summary)'}"[:600])
        text.append("Approach: " + "; ".join(prof.approach))
        text.append("Expected output: " + prof.expected_output)
        text.append(instructions)
        return result(out, "\n".join(text))

    @server.tool(
        name="orchestrator_complete_task",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False
        ),
    )
    async def complete_task(
        ctx: Context[Any],
        task_id: TaskId,
        summary: Annotated[str, Field(min_length=1, max_length=MAX_SUMMARY)],
        detailed_work: Annotated[str, Field(description="The full work; stored, not echoed back.")],
        next_action: Literal["continue", "needs_revision", "blocked", "complete"] = "complete",
        file_paths: Annotated[list[str], Field(max_length=200)] = [],  # noqa: B006 - pydantic copies
        artifact_type: ArtifactType = ArtifactType.GENERAL,
    ) -> Annotated[CallToolResult, CompleteOut]:
        """Record the result of a task you executed: the summary and the detailed work
        (stored as an artifact), and what happens next (complete, continue, needs_revision,
        blocked). The answer lists the tasks that became ready and whether the parent can now
        be synthesized."""
        state, ws, _ = await session_for(app, ctx)
        store = state.store
        with tool_errors():
            if not summary.strip():
                raise InvalidInput("the summary is empty; say in a sentence what was done")
            before = {t.id for t in store.ready_tasks(ws.id, limit=200)}
            task, art = store.record_work(
                task_id,
                status=NEXT_ACTIONS[next_action],
                summary=summary,
                content=detailed_work,
                artifact_type=artifact_type,
                file_paths=file_paths,
            )
            ready = [
                t for t in store.ready_tasks(task.workspace_id, limit=200) if t.id not in before
            ]
            parent_ready = False
            if task.parent_id:
                siblings = store.children(task.parent_id)
                parent_ready = bool(siblings) and all(s.status in TERMINAL for s in siblings)
        if parent_ready:
            nxt = f"All subtasks of {task.parent_id} are finished: orchestrator_synthesize_results."
        elif ready:
            nxt = "Execute next: " + ", ".join(t.id for t in ready[:5])
        else:
            nxt = "Check orchestrator_get_status for what is left."
        out = CompleteOut(
            task_id=task.id,
            status=task.status,
            version=task.version,
            artifact_id=art.id,
            artifact_size=art.size,
            newly_ready=[TaskBrief.of(t) for t in ready[:20]],
            parent_id=task.parent_id,
            parent_ready_for_synthesis=parent_ready,
            next_step=nxt,
        )
        return result(out, f"Task {task.id} is {task.status}; work stored as {art.id}. {nxt}")

    @server.tool(
        name="orchestrator_query_tasks",
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True),
    )
    async def query_tasks(
        ctx: Context[Any],
        status: list[Status] | None = None,
        specialist: list[Specialist] | None = None,
        complexity: list[Complexity] | None = None,
        task_type: list[TaskType] | None = None,
        parent_task_id: Annotated[
            str | None, Field(description="Children of this task; '' for top-level tasks.")
        ] = None,
        text: Annotated[str | None, Field(max_length=200)] = None,
        created_after: Annotated[str | None, Field(description="ISO time, UTC.")] = None,
        created_before: str | None = None,
        workspace: Annotated[
            str | None, Field(description="A project path; '*' for all workspaces.")
        ] = None,
        include_archived: bool = False,
        limit: Annotated[int, Field(ge=1, le=MAX_PAGE_TOOL)] = 20,
        cursor: str | None = None,
        offset: Annotated[int | None, Field(ge=0, le=1_000_000)] = None,
        detail: Literal["summary", "full"] = "summary",
    ) -> Annotated[CallToolResult, QueryOut]:
        """Find tasks by status, specialist, complexity, type, parent, text, creation time
        or workspace (default: this one), newest first. Pages: pass next_cursor back as
        cursor. Summary detail shortens descriptions; full returns them with context. Answers
        are capped in size, so ask for fewer or filter more if truncated_to_fit is set."""
        state, ws, _ = await session_for(app, ctx)
        with tool_errors():
            ws_id: str | None = ws.id
            if workspace == "*":
                ws_id = None
            elif workspace is not None:
                ws_id = state.store.workspace(resolve_workspace(workspace)).id
            flt = TaskFilter(
                workspace_id=ws_id,
                statuses=status,
                specialists=specialist,
                complexities=complexity,
                task_types=task_type,
                parent_id=parent_task_id,
                text=text,
                created_after=created_after,
                created_before=created_before,
                include_archived=include_archived,
            )
            page = state.store.query(
                flt, limit=limit, cursor=cursor, offset=offset, with_total=True
            )
            full = detail == "full"
            views: list[TaskView] = []
            used = 0
            for t in page.tasks:
                v = TaskView.of_task(t, full=full)
                size = _size(v)
                if not views and size > QUERY_BUDGET_CHARS:
                    # One huge task alone: shorten its description rather than return nothing.
                    v = TaskView.of_task(t, full=full, max_description=2_000)
                    size = _size(v)
                if used + size > QUERY_BUDGET_CHARS:
                    break
                views.append(v)
                used += size
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
            total=page.total or 0,
            next_cursor=next_cursor,
            next_offset=next_offset,
            truncated_to_fit=cut,
            detail=detail,
        )
        lines = [f"{len(views)} of {page.total} tasks" + (" (cut to fit)" if cut else "")]
        lines += [f"- {v.id} [{v.status}] {v.title}" for v in views[:50]]
        if next_cursor or next_offset is not None:
            lines.append("More: pass next_cursor (or next_offset) to get the next page.")
        return result(out, "\n".join(lines))

    @server.tool(
        name="orchestrator_update_task",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True
        ),
    )
    async def update_task(
        ctx: Context[Any],
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
        state, _, _ = await session_for(app, ctx)
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
                expected_version=expected_version,
                status=status,
                reopen=reopen,
                context=context,
                add_dependencies=add_dependencies,
                remove_dependencies=remove_dependencies,
                **fields,
            )
        out = UpdateOut(task=TaskView.of_task(task, full=False), changed=changed)
        return result(
            out,
            f"Task {task.id} updated ({', '.join(changed)}); now {task.status}, "
            f"version {task.version}.",
        )

    @server.tool(
        name="orchestrator_cancel_task",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=False
        ),
    )
    async def cancel_task(
        ctx: Context[Any],
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
        state, _, _ = await session_for(app, ctx)
        with tool_errors():
            if not reason.strip():
                raise InvalidInput("the reason is empty; say why the task is cancelled")
            ids = state.store.cancel_tree(
                task_id, reason=reason, cascade=cascade, drop_artifacts=not preserve_work
            )
        out = CancelOut(task_id=task_id, cancelled=ids, artifacts_kept=preserve_work, reason=reason)
        return result(out, f"Cancelled {len(ids)} task(s): {', '.join(ids[:20])}.")

    @server.tool(
        name="orchestrator_delete_task",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=False
        ),
    )
    async def delete_task(
        ctx: Context[Any],
        task_id: TaskId,
        force: Annotated[bool, Field(description="Allow deleting a task with subtasks.")] = False,
        archive_instead: Annotated[
            bool, Field(description="Archive (hide, recoverable) instead of deleting.")
        ] = True,
    ) -> Annotated[CallToolResult, DeleteOut]:
        """Remove a task from view. By default it is archived with its subtasks (hidden from
        queries, kept in the store). With archive_instead=false it is deleted for good; a task
        with subtasks is only deleted with force=true."""
        state, _, _ = await session_for(app, ctx)
        with tool_errors():
            if archive_instead:
                ids = state.store.archive_task(task_id)
                action = "archived"
            else:
                ids = state.store.delete_task(task_id, force=force)
                action = "deleted"
        out = DeleteOut(task_id=task_id, action=action, ids=ids)
        return result(out, f"{action.capitalize()} {len(ids)} task(s): {', '.join(ids[:20])}.")
