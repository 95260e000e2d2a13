"""Session tools: initialize_session, get_status, synthesize_results; and the workspace
resolution they share with every other tool (argument > client roots > env > cwd)."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote, urlparse

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from ..core.enums import ArtifactType
from ..core.errors import InvalidInput
from ..core.models import Session, Workspace
from ..core.overview import render_overview
from ..core.synthesis import synthesize
from .app import App, result, tool_errors
from .models import SessionOut, StatusOut, SynthesisOut, TaskBrief
from .state import ServerState
from .views import open_work

GUIDE = (
    "1. orchestrator_plan_task: describe the goal; give subtasks with dependencies, or let a "
    "template propose them. 2. orchestrator_execute_task on a ready subtask: you get the "
    "specialist role and the results it depends on; do the work. 3. orchestrator_complete_task "
    "with a summary and the detailed work; it tells you what became ready. 4. When all subtasks "
    "are done, orchestrator_synthesize_results on the parent. orchestrator_get_status shows "
    "where things stand."
)
ROOTS_TIMEOUT_S = 3.0


async def client_root(ctx: Context[Any]) -> str | None:
    """The first file:// root the client declares, if it supports roots at all."""
    try:
        caps = ctx.client_capabilities
        if caps is None or caps.roots is None:
            return None
        # Roots are deprecated in the 2026 protocol but still what Claude Code and VS Code
        # send; the SDK warns, which tests turn into errors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with anyio.fail_after(ROOTS_TIMEOUT_S):
                answer = await ctx.session.list_roots()
    except Exception:  # no back channel, a client that never answers, an old client
        return None
    for root in answer.roots:
        parsed = urlparse(str(root.uri))
        if parsed.scheme == "file":
            path = unquote(parsed.path)
            if os.name == "nt" and path.startswith("/") and path[2:3] == ":":
                path = path[1:]
            if Path(path).is_dir():
                return path
    return None


def client_name(ctx: Context[Any]) -> str:
    try:
        params = ctx.session.client_params
        if params is not None and params.client_info.name:
            return str(params.client_info.name)[:100]
    except Exception:  # the modern in-process path has no handshake parameters
        pass
    return "mcp"


async def session_for(app: App, ctx: Context[Any]) -> tuple[ServerState, Workspace, Session]:
    """The workspace and session of this server, resolved on first use by any tool."""
    state = app.state
    if state.workspace is None:
        state.client_name = client_name(ctx)
        root = await client_root(ctx)
        with tool_errors():
            if root is not None:
                state.use_workspace(root, "roots")
    with tool_errors():
        ws, session, _ = state.ensure_session()
    return state, ws, session


def write_in_workspace(workspace: Path, relative: str, text: str) -> Path:
    """Write ``text`` to ``relative`` inside ``workspace`` atomically; refuse anything that
    would land outside it (``..``, absolute paths, symlinks pointing out)."""
    if not relative.strip() or "\x00" in relative:
        raise InvalidInput("the document path is empty; give a path such as docs/result.md")
    root = workspace.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        raise InvalidInput(
            f"the path {relative!r} leads outside the workspace {root}; give a path inside it"
        )
    if target.is_dir():
        raise InvalidInput(f"{relative!r} is a directory; give a file name such as result.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def register(server: MCPServer[Any], app: App) -> None:
    @server.tool(
        name="orchestrator_initialize_session",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True
        ),
    )
    async def initialize_session(
        ctx: Context[Any],
        working_directory: Annotated[
            str | None,
            Field(description="Absolute path of the project; omit to use the client's roots."),
        ] = None,
    ) -> Annotated[CallToolResult, SessionOut]:
        """Call this first in every conversation. It finds the project you work in (the
        argument, else the client's roots, else the environment, else the server's folder,
        normalized to the git top-level), opens or resumes a session, and returns the open
        work of that project and a short guide to the plan-execute-complete-synthesize loop."""
        state = app.state
        state.client_name = client_name(ctx)
        with tool_errors():
            if working_directory is not None:
                state.use_workspace(working_directory, "argument")
            else:
                root = await client_root(ctx)
                if root is not None:
                    state.use_workspace(root, "roots")
                else:
                    state.use_workspace(*state.default_directory())
            ws, session, resumed = state.ensure_session()
            view = open_work(state.store, ws.id, stale_hours=state.stale_hours)
        text = render_overview(view, max_chars=3_000)
        out = SessionOut(
            workspace=ws.path,
            workspace_id=ws.id,
            workspace_source=state.workspace_source or "cwd",
            session_id=session.id,
            resumed=resumed,
            counts=view.counts,
            open_work=text,
            guide=GUIDE,
            catalog_problems=state.catalog.problems,
        )
        return result(out, f"Workspace {ws.path} (session {session.id}).\n{text}\n\n{GUIDE}")

    @server.tool(
        name="orchestrator_get_status",
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True),
    )
    async def get_status(ctx: Context[Any]) -> Annotated[CallToolResult, StatusOut]:
        """Where the work stands in this workspace: counts by status, tasks in progress,
        tasks ready to start, blocked tasks and recent completions. Use it to pick the next
        task or to report progress."""
        state, ws, session = await session_for(app, ctx)
        with tool_errors():
            view = open_work(state.store, ws.id, stale_hours=state.stale_hours)
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

    @server.tool(
        name="orchestrator_synthesize_results",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False
        ),
    )
    async def synthesize_results(
        ctx: Context[Any],
        parent_task_id: Annotated[str, Field(description="The task whose subtasks to combine.")],
        write_to: Annotated[
            str | None,
            Field(description="Optional file path inside the workspace for the Markdown."),
        ] = None,
    ) -> Annotated[CallToolResult, SynthesisOut]:
        """Combine the subtasks' summaries and artifacts of a planned task into one Markdown
        result, stored on the parent. It says exactly which subtasks are complete and which
        are not. Use it when the subtasks are done (or to report partial progress); pass
        write_to to also save the document in the project."""
        state, ws, _ = await session_for(app, ctx)
        with tool_errors():
            if write_to is not None and (not write_to.strip() or "\x00" in write_to):
                raise InvalidInput("write_to is empty; give a path such as docs/result.md")
            syn = synthesize(state.store, parent_task_id, record=False)
            written = None
            if write_to is not None:
                written = str(write_in_workspace(Path(ws.path), write_to, syn.markdown))
            n_all = len(syn.completed) + len(syn.open) + len(syn.cancelled)
            headline = f"{len(syn.completed)} of {n_all} subtasks complete"
            if syn.open:
                headline += "; not complete: " + ", ".join(t.title for t in syn.open[:5])
            art = state.store.add_artifact(
                parent_task_id,
                summary=headline[:1_000],
                content=syn.markdown,
                artifact_type=ArtifactType.SYNTHESIS,
                file_paths=[written] if written else [],
            )
        out = SynthesisOut(
            parent_task_id=parent_task_id,
            all_complete=syn.all_complete,
            completed=[TaskBrief.of(t) for t in syn.completed],
            not_complete=[TaskBrief.of(t) for t in syn.open],
            cancelled=[TaskBrief.of(t) for t in syn.cancelled],
            markdown=syn.markdown,
            artifact_id=art.id,
            written_to=written,
        )
        tail = f" Written to {written}." if written else ""
        verdict = "All subtasks complete." if syn.all_complete else "NOT all subtasks complete."
        return result(out, f"{headline}. {verdict}{tail}\n\n{syn.markdown[:4_000]}")
