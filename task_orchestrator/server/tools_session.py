"""Session tools: initialize_session, get_status, synthesize_results."""

from __future__ import annotations

from typing import Annotated

from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from ..core.documents import write_document
from ..core.enums import ArtifactType
from ..core.errors import InvalidInput
from ..core.overview import overview, render_overview
from ..core.synthesis import Synthesis, headline, synthesize
from .budget import STRUCTURED_BUDGET, clip, fit
from .context import (
    Ctx,
    TaskId,
    Tool,
    resolve_workspace,
    result,
    session_for,
    state_of,
    tool_errors,
)
from .models import SessionOut, StatusOut, SynthesisOut, TaskBrief

GUIDE = (
    "1. orchestrator_plan_task: describe the goal; give subtasks with dependencies, or let a "
    "template propose them. 2. orchestrator_execute_task on a ready subtask: you get the "
    "specialist role and the results it depends on; do the work. 3. orchestrator_complete_task "
    "with a summary and the detailed work; it tells you what became ready. 4. When all subtasks "
    "are done, orchestrator_synthesize_results on the parent. orchestrator_get_status shows "
    "where things stand."
)
MAX_PROBLEMS = 20
#: How many of the newest open tasks the session and status tools check for readiness.
READY_SCAN = 500


async def initialize_session(
    ctx: Ctx,
    working_directory: Annotated[
        str | None,
        Field(
            max_length=4_096,
            description="Absolute path of the project; omit to use the client's roots.",
        ),
    ] = None,
) -> Annotated[CallToolResult, SessionOut]:
    """Call this first in every conversation. It finds the project you work in (the
    argument, else the client's roots, else the environment, else the server's folder,
    normalized to the git top-level), opens or resumes a session, and returns the open
    work of that project and a short guide to the plan-execute-complete-synthesize loop.
    The file system root, the home folder and system folders are refused: name the
    project's own folder."""
    client = await resolve_workspace(ctx, working_directory)
    state = state_of(ctx)
    with tool_errors():
        ws, session, resumed = client.ensure_session(state.store)
        view = overview(state.store, ws.id, stale_hours=state.stale_hours, ready_scan=READY_SCAN)
    text = render_overview(view, max_chars=3_000)
    out = SessionOut(
        workspace=ws.path,
        workspace_id=ws.id,
        workspace_source=client.workspace_source or "cwd",
        session_id=session.id,
        resumed=resumed,
        counts=view.counts,
        open_work=text,
        guide=GUIDE,
        catalog_problems=[clip(p, 400) for p in state.catalog.problems[:MAX_PROBLEMS]],
    )
    return result(out, f"Workspace {ws.path} (session {session.id}).\n{text}\n\n{GUIDE}")


async def get_status(ctx: Ctx) -> Annotated[CallToolResult, StatusOut]:
    """Where the work stands in this workspace: counts by status, tasks in progress,
    tasks ready to start, blocked tasks and recent completions. Use it to pick the next
    task or to report progress."""
    state, ws, session = await session_for(ctx)
    with tool_errors():
        view = overview(state.store, ws.id, stale_hours=state.stale_hours, ready_scan=READY_SCAN)
        done = state.store.recent_completions(ws.id, limit=5)
    out = StatusOut(
        workspace=ws.path,
        workspace_id=ws.id,
        session_id=session.id,
        counts=view.counts,
        in_progress=[TaskBrief.of(t) for t in view.in_progress],
        ready=[TaskBrief.of(t) for t in view.ready],
        blocked=[TaskBrief.of(t) for t in view.blocked],
        recent_completions=[TaskBrief.of(t) for t in done],
    )
    return result(out, render_overview(view, max_chars=3_000))


async def synthesize_results(
    ctx: Ctx,
    parent_task_id: TaskId,
    write_to: Annotated[
        str | None,
        Field(
            max_length=1_024,
            description="Optional new file inside the workspace for the Markdown, such as "
            "docs/result.md (never a dotfile or an existing file of yours).",
        ),
    ] = None,
) -> Annotated[CallToolResult, SynthesisOut]:
    """Combine the subtasks' summaries and artifacts of a planned task into one Markdown
    result, stored on the parent. It says exactly which subtasks are complete and which
    are not. Use it when the subtasks are done (or to report partial progress); pass
    write_to to also save the document in the project as a new file (or over a document
    this tool wrote there before and nobody changed since)."""
    state, ws, _ = await session_for(ctx)
    with tool_errors():
        if write_to is not None and not write_to.strip():
            raise InvalidInput("write_to is empty; give a path such as docs/result.md")
        syn = synthesize(state.store, parent_task_id, record=False, workspace_id=ws.id)
        written = None
        if write_to is not None:
            written = write_document(
                state.store, ws, write_to, syn.markdown, task_id=parent_task_id
            )
        line = headline(syn.progress)
        art = state.store.add_artifact(
            parent_task_id,
            summary=line[:1_000],
            content=syn.markdown,
            artifact_type=ArtifactType.SYNTHESIS,
            file_paths=[written] if written else [],
        )
    return result(*_synthesis_answer(parent_task_id, syn, line, art.id, written))


def _synthesis_answer(
    parent_id: str, syn: Synthesis, line: str, artifact_id: str, written: str | None
) -> tuple[SynthesisOut, str]:
    # The lists share one part of the budget, the document another; the full document is
    # the stored artifact (and the file, when written).
    briefs = {
        "completed": [TaskBrief.of(t) for t in syn.completed],
        "not_complete": [TaskBrief.of(t) for t in syn.open],
        "cancelled": [TaskBrief.of(t) for t in syn.cancelled],
    }
    kept = {k: fit(v, STRUCTURED_BUDGET // 6) for k, v in briefs.items()}
    omitted = sum(len(v) - len(kept[k]) for k, v in briefs.items())
    markdown = clip(
        syn.markdown,
        STRUCTURED_BUDGET // 3,
        f"the whole document is artifact {artifact_id}" + (f" and {written}" if written else ""),
    )
    out = SynthesisOut(
        parent_task_id=parent_id,
        all_complete=syn.all_complete,
        completed=kept["completed"],
        not_complete=kept["not_complete"],
        cancelled=kept["cancelled"],
        subtasks_total=syn.progress.total,
        subtasks_omitted=omitted,
        markdown=markdown,
        markdown_truncated=markdown != syn.markdown,
        artifact_id=artifact_id,
        written_to=written,
    )
    tail = f" Written to {written}." if written else ""
    if omitted:
        tail += (
            f" {omitted} subtasks are not listed here; orchestrator_query_tasks with "
            f"parent_task_id={parent_id} lists them all."
        )
    verdict = "All subtasks complete." if syn.all_complete else "NOT all subtasks complete."
    return out, f"{line} {verdict}{tail}\n\n{syn.markdown[:4_000]}"


TOOLS = [
    Tool(
        initialize_session,
        "orchestrator_initialize_session",
        ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True),
    ),
    Tool(
        get_status,
        "orchestrator_get_status",
        ToolAnnotations(read_only_hint=True, idempotent_hint=True),
    ),
    Tool(
        synthesize_results,
        "orchestrator_synthesize_results",
        ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False),
    ),
]
