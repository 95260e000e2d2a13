"""``POST /hooks/{EVENT}`` on a team server: a member's Claude Code event, handled by the
same handlers as a local hook (hooks/events.py) on the team's store.

The handlers are the hooks' own; what differs is given to them through the event
(hooks/protocol.py ``Event``): the store (``store``, lent as a spool replay lends its own)
and the workspace (``locate``: worked out from the request, since the member's folder is
not on this machine). What needs the member's files is skipped: the work a handler leaves
for after its answer (git facts, a SQLite quick check) is dropped, and the health check
(a local store file, the local Claude Code config) is off.

Handlers are synchronous and may wait for the store's write lock, so they run in a worker
thread, one at a time on one connection of their own (the MCP tools keep theirs on the
event loop). Limits: a body over :data:`MAX_BODY` is 413, a member over their rate 429 with
``Retry-After``, a store that cannot be reached 503 (the member's hook client keeps the
event and sends it later).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio

from ..core.actor import Actor, acting
from ..core.errors import StoreBusy, StoreError, StoreUnavailable
from ..core.models import Workspace
from ..core.store import TaskStore
from ..hooks import events, protocol
from ..hooks.settings import Settings
from .teamauth import (
    STORE_RETRY_S,
    Buckets,
    Receive,
    Scope,
    Send,
    StoreLine,
    header,
    retry_after,
    send_json,
    store_trouble,
)
from .teamspace import normalized

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
#: A body over MAX_BODY is read to its end and dropped up to this size; past it the
#: connection is dropped.
DRAIN_LIMIT = 16 * MAX_BODY
PREFIX = "/hooks/"
WORKSPACE_HEADER = b"x-task-orchestrator-workspace"
ROOT_HEADER = b"x-task-orchestrator-root"
#: As a local hook's: a handler waiting for the write lock gives up well before a member's
#: hook client (2 s) would; the event is then answered 503 and sent again later.
BUSY_TIMEOUT_S = 1.5


class HookEndpoint:
    def __init__(self, url: str, settings: Settings, buckets: Buckets) -> None:
        self.line = StoreLine(url, busy_timeout=BUSY_TIMEOUT_S)
        self.limiter = anyio.CapacityLimiter(1)
        # A member's own [hooks] settings stay on their machine; the server's apply to all.
        settings.values["health_check"] = "off"
        self.settings = settings
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send, actor: Actor) -> None:
        name = scope["path"][len(PREFIX) :]
        if scope.get("method") != "POST":
            await send_json(
                send, 405, b'{"error": "POST the event\'s JSON"}', [(b"allow", b"POST")]
            )
            return
        if name not in events.HANDLERS:
            body = json.dumps({"error": f"{name!r} is not a hook event this server handles"})
            await send_json(send, 404, body.encode())
            return
        wait = self.buckets.take(actor.user)
        if wait:
            body = json.dumps({"error": f"member {actor.user} is over the hook event rate"})
            await send_json(send, 429, body.encode(), retry_after(wait))
            return
        raw = await read_body(scope, receive, MAX_BODY)
        if raw is None:
            await send_json(send, 413, b'{"error": "the event is larger than 1 MB"}')
            return
        try:
            payload = protocol.parse(raw)
            where = _where(scope, payload)
        except protocol.BadInput as exc:
            await send_json(send, 400, json.dumps({"error": str(exc)}).encode())
            return
        try:
            answer = await anyio.to_thread.run_sync(
                self.line.call,
                lambda store: self.handle(store, name, payload, actor, where),
                limiter=self.limiter,
            )
        except (StoreBusy, StoreUnavailable) as exc:
            log.warning("hook %s of %s: store trouble: %s", name, actor.user, exc)
            await send_json(send, 503, store_trouble(exc), retry_after(STORE_RETRY_S))
            return
        except protocol.BadInput as exc:  # a field the handler needs is missing
            await send_json(send, 400, json.dumps({"error": str(exc)}).encode())
            return
        await send_json(send, 200, json.dumps(answer or {}, ensure_ascii=False).encode())

    def handle(
        self,
        store: TaskStore,
        name: str,
        payload: dict[str, object],
        actor: Actor,
        where: tuple[str, str],
    ) -> dict[str, object] | None:
        """One event, in a worker thread: its handler, stamped with the member and machine.
        Bad input and an unreachable store are the caller's to hear (400, 503); anything
        else is answered as a local hook fails: open, the details in the server's log."""
        event = protocol.Event(name, payload, store)
        event.locate = lambda s: locate(s, actor.machine, *where)
        try:
            with acting(actor):
                return events.handler(name)(event, self.settings)
        except (StoreBusy, StoreUnavailable, protocol.BadInput):
            raise
        except StoreError as exc:
            log.warning("hook %s of %s failed open: %s", name, actor.user, exc)
            return None
        except Exception:
            log.exception(
                "hook %s of %s crashed; answered as a hook that fails open", name, actor.user
            )
            return None
        finally:
            # Git follow-up and file checks need the member's files: never run here.
            protocol.take_after()

    def close(self) -> None:
        self.line.close()


def _where(scope: Scope, payload: dict[str, object]) -> tuple[str, str]:
    """(key, folder): the workspace key and root our hook client sends, or ("", cwd) for
    Claude Code's own http hooks, which send neither."""
    key, root = header(scope, WORKSPACE_HEADER), header(scope, ROOT_HEADER)
    folder = root if key and root else protocol.text_of(payload, "cwd")
    if not folder:
        raise protocol.BadInput("payload has no cwd string")
    # Not refused for being a home folder, as a local hook does not refuse one: a session
    # started there still has its tasks.
    return (key if root else ""), normalized(folder)


def locate(store: TaskStore, machine: str, key: str, folder: str) -> Workspace:
    """The event's workspace: the key the member's machine worked out, recorded at its
    folder; without one, the workspace recorded for the folder or a parent of it on that
    machine, else ``MACHINE:FOLDER``."""
    if key:
        return store.workspace_by_key(key, machine=machine, path=folder)
    found = store.workspace_at(machine, folder)
    if found is not None:
        return found
    return store.workspace_by_key(f"{machine}:{folder}", machine=machine, path=folder)


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The request body, or None when it is over ``limit`` bytes. The rest of a body too
    large is still read (up to :data:`DRAIN_LIMIT`) and dropped: a client cut off while it
    sends gets a broken pipe instead of the 413, and would keep the event to send again."""
    declared = header(scope, b"content-length")
    if declared.isdigit() and int(declared) > DRAIN_LIMIT:
        return None
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message: Any = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > DRAIN_LIMIT:
            return None
        if size <= limit:
            chunks.append(chunk)
        more = message.get("more_body", False)
    return None if size > limit else b"".join(chunks)
