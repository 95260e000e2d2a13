"""Task tools that move work forward: plan, execute, complete (the others are in
tools_manage.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from ..core.enums import TERMINAL, ArtifactType, Complexity, Status, TaskType
from ..core.errors import InvalidInput, InvalidTransition
from ..core.models import MAX_DESCRIPTION, MAX_PLAN_NODES, MAX_SUMMARY, NewTask, Task
from ..core.planner import Template, expand_template
from ..core.store import TaskStore
from .app import App, result, tool_errors
from .models import (
    CompleteOut,
    DependencyResult,
    ExecuteOut,
    PlanOut,
    RoutingOut,
    SpecialistOut,
    SubtaskIn,
    TaskBrief,
    TaskView,
)
from .tools_session import session_for

NEXT_ACTIONS: dict[str, Status] = {
    "continue": Status.IN_PROGRESS,
    "needs_revision": Status.NEEDS_REVISION,
    "blocked": Status.BLOCKED,
    "complete": Status.COMPLETED,
}

TaskId = Annotated[str, Field(min_length=1, max_length=100, description="A task id.")]


def is_ready(store: TaskStore, task: Task) -> bool:
    """Pending or needing revision, every dependency completed, no unfinished subtask: the
    same rule as TaskStore.ready_tasks, for one task."""
    if task.archived or task.status not in (Status.PENDING, Status.NEEDS_REVISION):
        return False
    if store.blockers(task.id):
        return False
    return all(c.status in TERMINAL for c in store.children(task.id))


def new_ready(store: TaskStore, planned: list[Task]) -> list[str]:
    """Which freshly planned tasks can start now: no subtasks of their own, and no dependency
    other than existing tasks that are completed (new tasks are all pending)."""
    new_ids = {t.id for t in planned}
    parents = {t.parent_id for t in planned}
    outside = sorted({d for t in planned for d in t.depends_on if d not in new_ids})
    done = {t.id for t in store.get_tasks(outside) if t.status == Status.COMPLETED}
    return [t.id for t in planned if t.id not in parents and all(d in done for d in t.depends_on)]


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
            ready = new_ready(state.store, tasks[1:])
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
        state, _ws, _ = await session_for(app, ctx)
        store = state.store
        with tool_errors():
            if not summary.strip():
                raise InvalidInput("the summary is empty; say in a sentence what was done")
            if next_action == "complete":
                # A parent is finished by synthesis: completing it over open subtasks would
                # report work as done that is not.
                still_open = [c for c in store.children(task_id) if c.status not in TERMINAL]
                if still_open:
                    raise InvalidTransition(
                        f"task {task_id} has {len(still_open)} unfinished subtasks; complete or "
                        "cancel them, then call orchestrator_synthesize_results"
                    )
            task, art = store.record_work(
                task_id,
                status=NEXT_ACTIONS[next_action],
                summary=summary,
                content=detailed_work,
                artifact_type=artifact_type,
                file_paths=file_paths,
            )
            # Only the tasks waiting on this one can have become ready: checking them is
            # cheap, where listing every ready task of a big store is not.
            ready = []
            if task.status == Status.COMPLETED:
                ready = [t for t in store.dependents(task.id) if is_ready(store, t)]
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
