"""What every tool shares: its state from the SDK's lifespan context, the calling client's
workspace and session, the error boundary, the answer's shape and its size budget.

Tools are plain module-level functions (tools_*.py) that take ``ctx`` and call these.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import unquote, urlparse

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from ..core import db
from ..core.actor import Actor
from ..core.errors import InvalidInput, StoreError
from ..core.models import Session, Workspace
from .budget import TEXT_BUDGET, clip
from .state import ClientState, ServerState, default_directory
from .teamauth import caller
from .teamspace import remote_workspace

log = logging.getLogger(__name__)

Ctx = Context[ServerState, Any]
TaskId = Annotated[str, Field(min_length=1, max_length=100, description="A task id.")]

#: The longest error message; one that echoes a huge argument is cut to this.
MAX_ERROR_CHARS = 4_000
ROOTS_TIMEOUT_S = 3.0
#: The client key over stdio, where one process serves one client.
STDIO_CLIENT = "stdio"


@dataclass(frozen=True)
class Tool:
    """How a tool function is registered (server/app.py adds each)."""

    fn: Callable[..., Any]
    name: str
    annotations: ToolAnnotations


def state_of(ctx: Ctx) -> ServerState:
    """The process state the lifespan opened."""
    try:
        state = ctx.request_context.lifespan_context
    except ValueError:
        state = None
    if not isinstance(state, ServerState):
        raise ToolError("the server is still starting; call the tool again")
    return state


def client_key(ctx: Ctx) -> str | None:
    """Which client is calling: the MCP session id over streamable HTTP (each session is
    one client), one fixed key over stdio (one client per process), None for an HTTP
    request without a session (the stateless protocol: nothing to remember it by)."""
    headers = getattr(ctx.request_context.request, "headers", None)
    if headers is None:
        return STDIO_CLIENT
    session_id = headers.get("mcp-session-id")
    if not session_id:
        return None
    # On a team server a session's state is its member's: another token presenting the same
    # session id gets a state of its own, not that member's workspace.
    member = team_actor(ctx)
    return f"http:{member.user}:{session_id}" if member is not None else f"http:{session_id}"


def client_of(ctx: Ctx) -> tuple[ServerState, ClientState]:
    """The process state and the calling client's state; a client without a key gets a
    state of its own for this call, which is never stored."""
    state = state_of(ctx)
    key = client_key(ctx)
    client = ClientState() if key is None else state.clients.get(key)
    if client.workspace is None:
        client.name = client_name(ctx)
    return state, client


def team_actor(ctx: Ctx | None) -> Actor | None:
    """On a team server, the member and machine of the calling request (server/team.py
    keeps them in the request's scope); None elsewhere. The SDK hands every tool call the
    HTTP request that carried it, as ``request_context.request`` (a starlette Request)."""
    if ctx is None:
        return None
    try:
        request = ctx.request_context.request
    except ValueError:  # no request context: a call from inside the process
        return None
    scope = getattr(request, "scope", None)
    return caller(scope) if isinstance(scope, dict) else None


#: What a team server refuses, and why: it writes no file for a member, whose project is
#: on another machine (docs/ARCHITECTURE.md, "The team").
NO_FILES = (
    "a team server writes no file for a member: your project is on your machine, not on "
    "the server; nothing was written."
)


def team_refusal(tool: str, arguments: dict[str, Any]) -> str | None:
    """Why a team server refuses this call, or None."""
    if tool == "orchestrator_synthesize_results" and arguments.get("write_to") is not None:
        return (
            f"write_to: {NO_FILES} Call it without write_to; the document is in the answer "
            "and stored on the task"
        )
    if tool == "orchestrator_maintenance_coordinator" and (
        arguments.get("action") == "update_documentation"
    ):
        return (
            f"update_documentation: {NO_FILES} Use action prepare_handover for a summary, or "
            "`task-orchestrator tasks export` on your machine"
        )
    return None


async def client_root(ctx: Ctx, *, remote: bool = False) -> str | None:
    """The first file:// root the client declares, if it supports roots at all
    (``remote``: a path on the member's machine, which is not looked for here)."""
    try:
        caps = ctx.request_context.session.client_capabilities
        if caps is None or caps.roots is None:
            return None
        # Roots are deprecated in the 2026 protocol but still what Claude Code and VS Code
        # send; the SDK warns, which tests turn into errors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with anyio.fail_after(ROOTS_TIMEOUT_S):
                answer = await ctx.request_context.session.list_roots()
    except Exception:  # no back channel, a client that never answers, an old client
        return None
    for root in answer.roots:
        parsed = urlparse(str(root.uri))
        if parsed.scheme == "file":
            path = unquote(parsed.path)
            if os.name == "nt" and path.startswith("/") and path[2:3] == ":":
                path = path[1:]
            if remote or os.path.isdir(path):
                return path
    return None


def client_name(ctx: Ctx) -> str:
    try:
        params = ctx.request_context.session.client_params
        if params is not None and params.client_info.name:
            return str(params.client_info.name)[:100]
    except Exception:  # the modern in-process path has no handshake parameters
        pass
    return "mcp"


async def resolve_workspace(ctx: Ctx, directory: str | None = None) -> ClientState:
    """Point the calling client at a workspace: ``directory`` if given, else the client's
    roots, else the environment, else the server's folder."""
    state, client = client_of(ctx)
    await _point(ctx, state, client, directory)
    return client


async def _point(ctx: Ctx, state: ServerState, client: ClientState, directory: str | None) -> None:
    member = team_actor(ctx)
    if member is not None:
        await _point_remote(ctx, state, client, directory, member.machine)
        return
    with tool_errors():
        if directory is not None:
            client.use_workspace(state.store, directory, "argument")
        else:
            root = await client_root(ctx)
            if root is not None:
                client.use_workspace(state.store, root, "roots")
            else:
                client.use_workspace(state.store, *default_directory())


async def _point_remote(
    ctx: Ctx, state: ServerState, client: ClientState, directory: str | None, machine: str
) -> None:
    """A team server's client: its folder is on the member's machine (server/teamspace.py)."""
    source = "argument"
    if directory is None:
        directory, source = await client_root(ctx, remote=True), "roots"
    with tool_errors():
        if directory is None:
            raise InvalidInput(
                "this team server cannot tell which project you work in: your client sent no "
                "roots. Call orchestrator_initialize_session with working_directory set to the "
                "project's absolute path on your machine"
            )
        ws = remote_workspace(state.store, machine, directory, source)
    if client.workspace is None or ws.id != client.workspace.id:
        client.session = None  # a session belongs to one workspace
    client.workspace, client.workspace_source, client.directory = ws, source, directory


async def session_for(ctx: Ctx) -> tuple[ServerState, Workspace, Session]:
    """The calling client's workspace and session, resolved on first use by any tool."""
    state, client = client_of(ctx)
    if client.workspace is None:
        await _point(ctx, state, client, None)
    with tool_errors():
        ws, session, _ = client.ensure_session(state.store)
    return state, ws, session


def follow_git(ctx: Ctx, ws: Workspace, *task_ids: str) -> None:
    """Record the git facts the tasks' new statuses call for (core/gitlink.py), asking git
    in the folder the client works in."""
    from ..core.gitlink import follow

    if team_actor(ctx) is not None:
        return  # the member's repository is on their machine, not here
    state, client = client_of(ctx)
    folder = client.directory or state.store.local_folder(ws)
    if folder is None:
        return  # a team store's workspace with no folder on this machine: no git to ask
    for task_id in task_ids:
        follow(state.store, task_id, folder)


@contextmanager
def tool_errors() -> Iterator[None]:
    """What the caller can fix becomes a tool error with the store's message; each store
    write is one transaction, so a refused call has written nothing. Anything else is a bug
    and reaches the server's boundary (app.py), which logs it with its traceback."""
    try:
        yield
    except StoreError as exc:
        raise ToolError(clip_error(with_advice(exc))) from exc
    except sqlite3.Error as exc:  # outside a transaction: a read of a locked or damaged file
        raise ToolError(clip_error(str(db.store_error("file", exc)))) from exc


#: How a model gets out of each error (core/errors.py, FIXES), in tool calls.
TOOL_ADVICE = {
    "find_id": "use orchestrator_query_tasks to find the right id",
    "other_workspace": "to work on it, call orchestrator_initialize_session with that folder "
    "as working_directory",
    "reopen": "reopen it with orchestrator_update_task (status and reopen=true)",
    "dependencies_first": "execute and complete those first",
    "subtasks_first": "finish the subtasks (orchestrator_execute_task, "
    "orchestrator_complete_task or orchestrator_cancel_task), then call "
    "orchestrator_synthesize_results",
    "workspace_gone": "call orchestrator_initialize_session with the project's folder",
}


def with_advice(exc: StoreError) -> str:
    advice = TOOL_ADVICE.get(exc.fix or "")
    return f"{exc}; {advice}" if advice else str(exc)


def clip_error(message: str) -> str:
    if len(message) <= MAX_ERROR_CHARS:
        return message
    return message[: MAX_ERROR_CHARS - 60] + f" ... [message cut, {len(message)} characters]"


def result(model: BaseModel, text: str) -> CallToolResult:
    """Structured content for programs, one short text for the model's transcript."""
    return CallToolResult(
        content=[TextContent(type="text", text=clip(text, TEXT_BUDGET))],
        structured_content=model.model_dump(mode="json"),
    )
