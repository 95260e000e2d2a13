"""Task tools that move work forward: plan, execute, complete (the others are in
tools_manage.py). The rules they apply live in the core (core/rules.py); these functions
turn arguments into store calls and answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from ..core.enums import ArtifactType, Complexity, Status, TaskType, agent_type
from ..core.errors import InvalidInput
from ..core.models import MAX_DESCRIPTION, MAX_PLAN_NODES, MAX_SUMMARY, NewTask, Task
from ..core.rules import plan_progress
from ..core.store import TaskStore
from .budget import STRUCTURED_BUDGET, clip, fit
from .context import Ctx, TaskId, Tool, follow_git, result, session_for, tool_errors
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
from .planner import Catalog, Template, expand_template

NEXT_ACTIONS: dict[str, Status] = {
    "continue": Status.IN_PROGRESS,
    "needs_revision": Status.NEEDS_REVISION,
    "blocked": Status.BLOCKED,
    "complete": Status.COMPLETED,
}


async def plan_task(
    ctx: Ctx,
    title: Annotated[str, Field(max_length=400, description="Short title of the goal.")],
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] = "",
    complexity: Complexity = Complexity.MODERATE,
    task_type: TaskType = TaskType.BREAKDOWN,
    context: Annotated[
        dict[str, Any] | None, Field(description="Free-form facts to keep with the task.")
    ] = None,
    parent_task_id: Annotated[
        str | None, Field(max_length=100, description="Plan under this existing task.")
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
    state, ws, session = await session_for(ctx)
    text = f"{title}\n{description}"
    chosen: Template | None = None
    matched: tuple[str, ...] = ()
    routing: list[RoutingOut] = []
    with tool_errors():
        if subtasks:
            if template is not None:
                raise InvalidInput("give either subtasks or a template, not both")
            children, routing = _subtasks(state.catalog, subtasks)
        else:
            if template is not None:
                chosen = state.catalog.template(template)
            else:
                chosen, matched = state.catalog.choose_template(text)
            children = expand_template(chosen, " ".join(title.split()), description)
        root = NewTask(
            title=title,
            description=description,
            complexity=complexity,
            task_type=task_type,
            specialist=state.catalog.route(text).specialist,
            context=context or {},
            subtasks=children,
        )
        tasks = state.store.create_tree(
            ws.id, root, parent_id=parent_task_id, session_id=session.id
        )
        ready = new_ready(state.store, tasks[1:])
    return result(*_plan_answer(tasks, chosen, matched, routing, ready))


def _subtasks(
    catalog: Catalog, subtasks: list[SubtaskIn]
) -> tuple[list[NewTask], list[RoutingOut]]:
    """The plan's steps as the store takes them; a step without a specialist is routed by
    its text, and the answer says how."""
    children, routing = [], []
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
    return children, routing


def new_ready(store: TaskStore, planned: list[Task]) -> list[str]:
    """Which freshly planned tasks can start now (core/rules.py, "ready")."""
    return [t.id for t in store.ready_among([t.id for t in planned])]


def _plan_answer(
    tasks: list[Task],
    chosen: Template | None,
    matched: tuple[str, ...],
    routing: list[RoutingOut],
    ready: list[str],
) -> tuple[PlanOut, str]:
    top = tasks[0]
    subs = [TaskBrief.of(t) for t in tasks[1:]]
    shown_subs = fit(subs, STRUCTURED_BUDGET // 2)
    if chosen is not None:
        hint = (
            f"Planned from template '{chosen.name}'"
            + (f" (matched: {', '.join(matched)})" if matched else "")
            + ". To adjust: orchestrator_update_task to edit a step, orchestrator_cancel_task"
            " to drop one, or plan again with your own subtasks or another template."
        )
    else:
        hint = "Execute the ready subtasks with orchestrator_execute_task."
    if len(shown_subs) < len(subs):
        hint += (
            f" {len(subs) - len(shown_subs)} subtasks are not listed here; "
            f"orchestrator_query_tasks with parent_task_id={top.id} lists them."
        )
    out = PlanOut(
        task=TaskBrief.of(top),
        subtasks=shown_subs,
        subtasks_total=len(subs),
        subtasks_omitted=len(subs) - len(shown_subs),
        template=chosen.name if chosen else None,
        template_matched=list(matched),
        routing=fit(routing, STRUCTURED_BUDGET // 5),
        ready=ready,
        hint=hint,
    )
    lines = [f"Planned {top.title} ({top.id}) with {len(subs)} subtasks."]
    lines += [f"- {s.id} [{s.specialist}] {s.title}" for s in subs[:30]]
    lines.append(f"Ready now: {', '.join(ready[:50]) or 'none'}. {hint}")
    return out, "\n".join(lines)


async def execute_task(ctx: Ctx, task_id: TaskId) -> Annotated[CallToolResult, ExecuteOut]:
    """Start work on a task: it is marked in progress and you receive the specialist
    role to adopt (definition, expertise, approach, expected output), the task, its
    parent's goal and the results of the tasks it depends on. Refused, with the blockers
    listed, while a dependency is not complete."""
    state, ws, session = await session_for(ctx)
    store = state.store
    with tool_errors():
        task = store.start_task(task_id, workspace_id=ws.id)
        store.set_active_task(session.id, task_id)
        follow_git(ctx, ws, task_id)
        parent = store.get_task(task.parent_id) if task.parent_id else None
        deps = [_dependency_result(store, d) for d in store.get_tasks(list(task.depends_on))]
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
    shown_deps = fit(deps, STRUCTURED_BUDGET // 3)
    if len(shown_deps) < len(deps):
        instructions += (
            f" {len(deps) - len(shown_deps)} of its {len(deps)} dependencies' results are not "
            "shown here; read them with orchestrator_query_tasks (detail=full)."
        )
    out = ExecuteOut(
        task=TaskView.of_task(task, full=True, max_description=8_000, max_context_bytes=15_000),
        specialist=spec,
        parent_goal=clip((parent.description or parent.title), 6_000) if parent else None,
        dependency_results=shown_deps,
        dependency_results_omitted=len(deps) - len(shown_deps),
        instructions=instructions,
        agent=agent_type(task.specialist),
    )
    text = [f"{prof.role}", f"Task {task.id}: {task.title}", task.description[:2_000]]
    if out.parent_goal:
        text.append(f"Parent goal: {out.parent_goal[:500]}")
    for d in shown_deps[:20]:
        text.append(f"Depends on {d.title}: {d.summary or '(no summary)'}"[:300])
    text.append("Approach: " + "; ".join(prof.approach))
    text.append("Expected output: " + prof.expected_output)
    text.append(instructions)
    text.append(
        f"With the task-orchestrator plugin in Claude Code you may delegate it instead: the "
        f"Agent tool with subagent_type={out.agent} and a prompt that names {task.id}; the "
        "agent's final message then completes the task."
    )
    return result(out, "\n".join(text))


def _dependency_result(store: TaskStore, dep: Task) -> DependencyResult:
    return DependencyResult(
        task_id=dep.id,
        title=dep.title,
        summary=clip(dep.summary or "", 4_000) or None,
        artifacts=[clip(a.summary, 1_500) for a in store.artifacts(dep.id)[-5:]],
    )


async def complete_task(
    ctx: Ctx,
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
    state, ws, _ = await session_for(ctx)
    store = state.store
    with tool_errors():
        if not summary.strip():
            raise InvalidInput("the summary is empty; say in a sentence what was done")
        task, art = store.record_work(
            task_id,
            status=NEXT_ACTIONS[next_action],
            summary=summary,
            content=detailed_work,
            artifact_type=artifact_type,
            file_paths=file_paths,
            workspace_id=ws.id,
        )
        follow_git(ctx, ws, task_id)
        # Only the tasks waiting on this one can have become ready: checking them is
        # cheap, where listing every ready task of a big store is not.
        ready = []
        if task.status == Status.COMPLETED:
            ready = store.ready_among([t.id for t in store.dependents(task.id)])
        parent_ready = (
            bool(task.parent_id)
            and plan_progress(store.children(task.parent_id or "", include_archived=True)).finished
        )
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


TOOLS = [
    Tool(
        plan_task,
        "orchestrator_plan_task",
        ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False),
    ),
    Tool(
        execute_task,
        "orchestrator_execute_task",
        ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True),
    ),
    Tool(
        complete_task,
        "orchestrator_complete_task",
        ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False),
    ),
]
