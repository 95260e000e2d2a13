"""Builds the MCP server: the lifespan that owns the state, the one error boundary around
every tool call, the resources, and the registration of the sixteen tools (tools_*.py)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ToolError, UnexpectedToolError
from mcp.types import CallToolResult, InputRequiredResult, TextContent
from mcp.types import Tool as MCPTool

from .. import __version__
from ..core.actor import acting, local
from ..core.errors import StoreError
from ..core.paths import Paths, default_paths
from ..logs import log_file
from . import tools_health, tools_manage, tools_session, tools_tasks
from .budget import MAX_ANSWER_BYTES
from .context import clip_error, team_actor, team_refusal
from .planner import Catalog
from .state import CORE_TOOLS, ServerState, read_config, tool_set

log = logging.getLogger(__name__)

SERVER_NAME = "task-orchestrator"
INSTRUCTIONS = (
    "Plans work as a tree of tasks with specialist roles in a local store shared by all your "
    "MCP clients. Start with orchestrator_initialize_session; then plan_task, execute_task "
    "(in dependency order), complete_task, and synthesize_results on the parent."
)
TOOL_MODULES = (tools_session, tools_tasks, tools_manage, tools_health)


class OrchestratorServer(MCPServer[ServerState]):
    """The SDK's server with our boundary around each tool call and leaner schemas.

    Both through the SDK's public methods: ``call_tool`` (what every tools/call runs) and
    ``list_tools`` (what tools/list answers).
    """

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[ServerState, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        """Every answer is bounded (server/budget.py), and a crash is told apart from a
        refusal: the caller gets "internal error, see <log>", the log gets the traceback.

        On a team server the call acts for the member and machine of its request
        (server/context.py ``team_actor``): the store stamps its writes with them."""
        reconnect_if_lost(context)
        member = team_actor(context)
        if member is not None:
            refusal = team_refusal(name, arguments)
            if refusal is not None:
                raise ToolError(refusal)
        try:
            with acting(member or local()):
                answer = await super().call_tool(name, arguments, context)
        except UnexpectedToolError as exc:
            cause = exc.__cause__ or exc
            log.error("tool %s crashed", name, exc_info=(type(cause), cause, cause.__traceback__))
            raise ToolError(internal_error(name)) from exc
        except ToolError as exc:
            raise ToolError(clip_error(str(exc))) from exc
        if isinstance(answer, CallToolResult):
            size = len(answer.model_dump_json(by_alias=True, exclude_none=True).encode())
            if size > MAX_ANSWER_BYTES:
                log.error(
                    "tool %s answered %d bytes, over the %d budget", name, size, MAX_ANSWER_BYTES
                )
                return CallToolResult(
                    content=[TextContent(type="text", text=internal_error(name))], is_error=True
                )
        return answer

    async def list_tools(self) -> list[MCPTool]:
        tools = await super().list_tools()
        return [
            tool.model_copy(
                update={
                    "input_schema": strip_titles(tool.input_schema),
                    "output_schema": strip_titles(tool.output_schema)
                    if tool.output_schema is not None
                    else None,
                }
            )
            for tool in tools
        ]


def reconnect_if_lost(context: Context[ServerState, Any] | None) -> None:
    """A PostgreSQL store whose connection was lost (the database restarted, a network
    cut) is opened again before the next call, rather than failing every call until a
    restart_server: the call that met the loss failed, the next one reconnects."""
    try:
        state = context.request_context.lifespan_context if context is not None else None
    except ValueError:
        return
    store = getattr(state, "store_or_none", None)
    raw = getattr(getattr(store, "conn", None), "raw", None)
    if isinstance(state, ServerState) and raw is not None and (raw.closed or raw.broken):
        try:
            state.reopen()
            log.warning("the store's connection was lost; opened it again")
        except StoreError as exc:  # still away: the tool says so
            log.warning("the store's connection was lost and cannot be opened again: %s", exc)


def internal_error(tool: str) -> str:
    return (
        f"internal error in {tool}; nothing you sent was wrong. The details are in "
        f"{log_file()}; please report it"
    )


def strip_titles(node: Any, *, names: bool = False) -> Any:
    """A JSON schema without pydantic's generated ``title`` annotations ("Task Id" for
    task_id...), which repeat the property names and cost about a fifth of tools/list.
    ``names`` marks a mapping of names to schemas (properties, $defs), whose keys stay."""
    if isinstance(node, list):
        return [strip_titles(v) for v in node]
    if not isinstance(node, dict):
        return node
    return {
        k: strip_titles(v, names=k in ("properties", "$defs"))
        for k, v in node.items()
        if names or not (k == "title" and isinstance(v, str))
    }


class Catalogs:
    """What the two resources read. The SDK hands a static resource no context, so the
    lifespan binds the state here as well as in the lifespan context the tools read."""

    state: ServerState | None = None

    def catalog(self) -> Catalog:
        if self.state is None:
            raise ResourceError("the server is still starting; read the resource again")
        return self.state.catalog


def lifespan_for(paths: Paths | None, catalogs: Catalogs) -> Any:
    @asynccontextmanager
    async def lifespan(_server: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        # Opened here rather than at import so a broken store is reported per call, and the
        # spawn-to-initialize time stays close to importing the SDK alone.
        state = ServerState.open(paths or default_paths())
        catalogs.state = state
        log.info("server started, store %s", state.paths.db)
        try:
            yield state
        finally:
            catalogs.state = None
            # Another process may hold the WAL; the next checkpoint folds it then.
            with suppress(sqlite3.Error, StoreError):
                state.store.checkpoint()
            state.close()

    return lifespan


def build_server(paths: Paths | None = None) -> OrchestratorServer:
    """The server with the tools ``[server] tools`` in config.toml selects (read once here:
    a changed setting takes a new server process, not restart_server)."""
    catalogs = Catalogs()
    config, _ = read_config((paths or default_paths()).config_file)
    selected, problem = tool_set(config)
    if problem:
        log.warning("%s", problem)
    server = OrchestratorServer(
        SERVER_NAME,
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan_for(paths, catalogs),
        # Our own logging setup (stderr + file) stays in charge.
        log_level="WARNING",
    )
    for module in TOOL_MODULES:
        for tool in module.TOOLS:
            if selected == "core" and tool.name not in CORE_TOOLS:
                continue
            server.add_tool(tool.fn, name=tool.name, annotations=tool.annotations)
    server.resource(
        "orchestrator://templates",
        name="templates",
        description="Plan templates: name, description, keywords and steps.",
        mime_type="application/json",
    )(lambda: templates_json(catalogs.catalog()))
    server.resource(
        "orchestrator://specialists",
        name="specialists",
        description="Specialist roles: definition, expertise, approach, expected output.",
        mime_type="application/json",
    )(lambda: specialists_json(catalogs.catalog()))
    return server


def templates_json(cat: Catalog) -> str:
    return json.dumps(
        [
            {
                "name": t.name,
                "description": t.description,
                "keywords": list(t.keywords),
                "steps": [
                    {
                        "title": s.title,
                        "specialist": s.specialist.value,
                        "depends_on": list(s.depends_on),
                    }
                    for s in t.steps
                ],
                "source": t.source,
            }
            for t in sorted(cat.templates.values(), key=lambda t: t.name)
        ],
        indent=1,
    )


def specialists_json(cat: Catalog) -> str:
    return json.dumps(
        [
            {
                "name": p.name.value,
                "role": p.role,
                "expertise": list(p.expertise),
                "approach": list(p.approach),
                "expected_output": p.expected_output,
                "keywords": list(p.keywords),
                "source": p.source,
            }
            for p in cat.specialists.values()
        ],
        indent=1,
    )
