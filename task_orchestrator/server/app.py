"""Builds the MCP server: the lifespan that owns the store, the error boundary every tool
uses, the resources, and the registration of the sixteen tools (in tools_*.py)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel

from .. import __version__
from ..core.errors import StoreError
from ..core.paths import Paths, default_paths
from .state import ServerState

log = logging.getLogger(__name__)

SERVER_NAME = "task-orchestrator"
INSTRUCTIONS = (
    "Plans work as a tree of tasks with specialist roles in a local store shared by all your "
    "MCP clients. Start with orchestrator_initialize_session; then plan_task, execute_task "
    "(in dependency order), complete_task, and synthesize_results on the parent."
)


class App:
    """Holds the per-process state once the lifespan has opened it."""

    def __init__(self, paths: Paths | None) -> None:
        self._paths = paths
        self._state: ServerState | None = None

    @property
    def paths(self) -> Paths:
        return self._paths or default_paths()

    @property
    def state(self) -> ServerState:
        if self._state is None:
            raise ToolError("the server is still starting; call the tool again")
        return self._state

    @asynccontextmanager
    async def lifespan(self, _server: MCPServer[Any]) -> AsyncIterator[ServerState]:
        # Opened here rather than at import so a broken store is reported per call, and the
        # spawn-to-initialize time stays close to importing the SDK alone.
        state = ServerState.open(self.paths)
        self._state = state
        log.info("server started, store %s", self.paths.db)
        try:
            yield state
        finally:
            self._state = None
            # Another process may hold the WAL; the next checkpoint folds it then.
            with suppress(sqlite3.Error, StoreError):
                state.store.checkpoint()
            state.close()


@contextmanager
def tool_errors() -> Iterator[None]:
    """The one error boundary: what the caller can fix becomes a tool error with the store's
    message; each store write is one transaction, so a refused call has written nothing."""
    try:
        yield
    except StoreError as exc:
        raise ToolError(str(exc)) from exc
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ToolError(
                "the task store is busy with another process's write; try again in a moment"
            ) from exc
        raise


def result(model: BaseModel, text: str) -> CallToolResult:
    """Structured content for programs, one short text for the model's transcript."""
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=model.model_dump(mode="json"),
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


def _lean_schemas(server: MCPServer[Any]) -> None:
    # The SDK has no public hook for this; if its internals move, tools/list is merely longer.
    manager = getattr(server, "_tool_manager", None)
    for info in manager.list_tools() if manager is not None else []:
        lean = strip_titles(info.parameters)
        info.parameters.clear()
        info.parameters.update(lean)
        meta = getattr(info, "fn_metadata", None)
        if meta is not None and meta.output_schema is not None:
            meta.output_schema = strip_titles(meta.output_schema)


def build_server(paths: Paths | None = None) -> MCPServer[ServerState]:
    from . import tools_health, tools_manage, tools_session, tools_tasks

    app = App(paths)
    server: MCPServer[ServerState] = MCPServer(
        SERVER_NAME,
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=app.lifespan,
        # Our own logging setup (stderr + file) stays in charge.
        log_level="WARNING",
    )
    tools_session.register(server, app)
    tools_tasks.register(server, app)
    tools_manage.register(server, app)
    tools_health.register(server, app)
    _lean_schemas(server)

    @server.resource(
        "orchestrator://templates",
        name="templates",
        description="Plan templates: name, description, keywords and steps.",
        mime_type="application/json",
    )
    def templates_resource() -> str:
        cat = app.state.catalog
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

    @server.resource(
        "orchestrator://specialists",
        name="specialists",
        description="Specialist roles: definition, expertise, approach, expected output.",
        mime_type="application/json",
    )
    def specialists_resource() -> str:
        cat = app.state.catalog
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

    return server
