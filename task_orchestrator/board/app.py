"""The board's HTTP routes (Starlette), behind auth.Guard.

:func:`build_app` needs only the store's path and the port, so a benchmark or a test can
run the board in-process or as `task-orchestrator board --no-open --json`. One store
connection serves every request, used by one worker thread at a time: a request waiting on
a write lock held by another process then never stalls the event loop, which keeps the
live streams going.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from importlib import resources
from typing import Any, TypeVar

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..core.errors import NotFound, StoreError, StoreUnavailable, VersionConflict
from ..core.store import MAX_PAGE, TaskStore
from ..errors import person_message
from . import api
from .auth import Access, ASGIApp, Guard
from .live import Watcher

T = TypeVar("T")
#: A POST body larger than this is refused: a title or a summary is a few KB at most.
MAX_BODY = 64 * 1024
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/board.js": ("board.js", "text/javascript; charset=utf-8"),
    "/board.css": ("board.css", "text/css; charset=utf-8"),
}


class Board:
    """The process's state: the store connection, the watcher, the static files."""

    def __init__(self, db_path: str, folder: str | None) -> None:
        self.db_path = db_path
        self.folder = folder
        self.store: TaskStore | None = None
        self.watcher = Watcher(db_path)
        self.limiter = anyio.CapacityLimiter(1)
        static = resources.files(__package__).joinpath("static")
        self.files = {
            path: static.joinpath(name).read_bytes() for path, (name, _) in STATIC.items()
        }

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(store, *args)`` in the worker thread, one call at a time."""

        def run() -> T:
            if self.store is None:
                # Opened on first use, not at start-up: a board started before any task
                # exists shows an empty store once it appears.
                self.store = TaskStore.open(self.db_path, create=False)
            return fn(self.store, *args)

        return await anyio.to_thread.run_sync(run, limiter=self.limiter)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def build_app(
    db_path: str, *, port: int, token: str | None = None, folder: str | None = None
) -> tuple[ASGIApp, Access, Board]:
    """The board for the store at ``db_path`` served on 127.0.0.1:``port``; ``folder`` is
    the project root whose workspace the page shows first. Returns the ASGI app, its
    access secrets (``access.url`` is the address to open) and its state."""
    board = Board(db_path, folder)
    access = Access(port, token)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(board.watcher.run())
        try:
            yield
        finally:
            board.watcher.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await anyio.to_thread.run_sync(board.close, limiter=board.limiter)

    async def static(request: Request) -> Response:
        _, kind = STATIC[request.url.path]
        return Response(board.files[request.url.path], media_type=kind)

    async def workspaces(request: Request) -> Response:
        return await _json(board.call(api.workspaces, board.folder))

    async def columns(request: Request) -> Response:
        q = request.query_params
        limits = {}
        for key, _, _ in api.COLUMNS:
            if key in q:
                limits[key] = _int(q[key], api.PAGE)
        return await _json(board.call(api.board, q.get("workspace", ""), limits))

    async def column(request: Request) -> Response:
        q = request.query_params
        key = request.path_params["key"]
        limit = _int(q.get("limit"), api.PAGE)

        def page(store: TaskStore) -> dict[str, Any]:
            return api.column_page(
                store, q.get("workspace", ""), key, cursor=q.get("cursor") or None, limit=limit
            )

        return await _json(board.call(page))

    async def task(request: Request) -> Response:
        workspace = request.query_params.get("workspace", "")
        return await _json(board.call(api.panel, workspace, request.path_params["task_id"]))

    async def artifact(request: Request) -> Response:
        return await _json(board.call(api.artifact, request.path_params["artifact_id"]))

    async def action(request: Request) -> Response:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return JSONResponse({"error": "the request is too large"}, status_code=413)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"error": "the request must be a JSON object"}, status_code=400)
        workspace = body.get("workspace")
        if not isinstance(workspace, str):
            return JSONResponse({"error": "workspace must be given"}, status_code=400)
        task_id = request.path_params["task_id"]
        name = request.path_params["action"]
        return await _json(board.call(api.act, workspace, task_id, name, body))

    async def events(request: Request) -> Response:
        return StreamingResponse(
            board.watcher.stream(),
            media_type="text/event-stream",
            headers={"x-accel-buffering": "no"},
        )

    routes = [Route(path, static) for path in STATIC]
    routes += [
        Route("/api/workspaces", workspaces),
        Route("/api/columns", columns),
        Route("/api/columns/{key}", column),
        Route("/api/tasks/{task_id}", task),
        Route("/api/artifacts/{artifact_id}", artifact),
        Route("/api/tasks/{task_id}/{action}", action, methods=["POST"]),
        Route("/api/events", events),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    return Guard(app, access), access, board


def _int(text: str | None, default: int) -> int:
    try:
        value = int(text) if text else default
    except ValueError:
        return default
    return max(1, min(value, MAX_PAGE))


def status_of(exc: StoreError) -> int:
    """The HTTP status for a store refusal: 409 for a stale version (the page saw an older
    task), 404 for an unknown id, 503 for a store that cannot be used, else 400."""
    if isinstance(exc, VersionConflict):
        return 409
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, StoreUnavailable):
        return 503
    return 400


async def _json(pending: Any) -> Response:
    """The answer of a store call, or its refusal in the words a person reads
    (errors.person_message, as the CLI prints it)."""
    try:
        result = await pending
    except StoreError as exc:
        return JSONResponse({"error": person_message(exc)}, status_code=status_of(exc))
    return JSONResponse(result)
