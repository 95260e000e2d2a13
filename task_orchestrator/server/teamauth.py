"""Who is calling a team server: the member a bearer token names, and the machine the
request says it comes from; and how often a member may post hook events.

Every request is checked against the store (``member_for_token``: live members only). An
answer is kept for :data:`AUTH_CACHE_S` seconds per token, so a burst of hook events costs
one lookup, and a revoked token stops working within that time at most.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import anyio

from ..core.actor import Actor
from ..core.errors import StoreError, StoreUnavailable
from ..core.store import TaskStore

if TYPE_CHECKING:
    from ..core.models import Member

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: How long an answer about a token is kept: the longest a revoked token still works.
AUTH_CACHE_S = 2.0
#: Tokens remembered at once; past this the cache starts again (a flood of wrong tokens).
AUTH_CACHE_MAX = 10_000
MACHINE_HEADER = b"x-task-orchestrator-machine"
#: Where the authenticated caller is kept in the ASGI scope's ``state`` (what the SDK's
#: request object, and so every tool call, can read: server/context.py ``team_actor``).
ACTOR_STATE = "task_orchestrator_actor"
#: Hook events a member may post per second, and how many at once (a spool being sent).
DEFAULT_HOOK_RATE = 20.0
BURST_SECONDS = 10.0
#: Whole seconds until a request of the store may be tried again (503).
STORE_RETRY_S = 2


def bearer(scope: Scope) -> str | None:
    """The token of ``Authorization: Bearer TOKEN`` (the scheme in any case), or None."""
    for key, value in scope.get("headers") or []:
        if key == b"authorization":
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


def header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key == name:
            return str(value.decode("utf-8", "replace")).strip()
    return ""


class StoreLine:
    """A store connection of its own, used from worker threads one call at a time (the
    caller's limiter), opened on first use and dropped when the database went away, so
    the next call reconnects."""

    def __init__(self, url: str, *, busy_timeout: float) -> None:
        self.url = url
        self.busy_timeout = busy_timeout
        self._store: TaskStore | None = None
        self._lock = threading.Lock()

    def call(self, fn: Callable[[TaskStore], Any]) -> Any:
        with self._lock:
            if self._store is None:
                self._store = TaskStore.open(self.url, busy_timeout=self.busy_timeout)
            try:
                return fn(self._store)
            except StoreUnavailable:
                self.close_locked()
                raise

    def close_locked(self) -> None:
        if self._store is not None:
            with suppress(Exception):  # a broken connection: nothing left to close
                self._store.close()
            self._store = None

    def close(self) -> None:
        with self._lock:
            self.close_locked()


class Members:
    """Token to member, asked of the store at most once every AUTH_CACHE_S per token."""

    def __init__(self, url: str) -> None:
        self.line = StoreLine(url, busy_timeout=2.0)
        self.limiter = anyio.CapacityLimiter(1)
        self._cache: dict[str, tuple[float, Member | None]] = {}

    async def member(self, token: str) -> Member | None:
        """The live member ``token`` belongs to, or None; StoreError when the store cannot
        say (the caller answers 503)."""
        key = hashlib.sha256(token.encode()).hexdigest()  # no raw token kept in memory
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < AUTH_CACHE_S:
            return hit[1]
        found: Member | None = await anyio.to_thread.run_sync(
            self.line.call, lambda store: store.member_for_token(token), limiter=self.limiter
        )
        if len(self._cache) >= AUTH_CACHE_MAX:
            self._cache.clear()
        self._cache[key] = (time.monotonic(), found)
        return found


class Buckets:
    """A token bucket per member: ``rate`` events a second, up to ``burst`` at once."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, member: str) -> float:
        """0 when ``member`` may post now (one token taken), else the seconds to wait."""
        now = time.monotonic()
        tokens, at = self._buckets.get(member, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= 1:
            self._buckets[member] = (tokens - 1, now)
            return 0.0
        self._buckets[member] = (tokens, now)
        return (1 - tokens) / self.rate


def hook_rate(config: dict[str, Any]) -> tuple[float, str | None]:
    """``[team] hook_rate`` in the server's config.toml: hook events per second per member
    (default 20; the burst is 10 seconds' worth), and a problem for a bad value."""
    section = config.get("team")
    value = section.get("hook_rate") if isinstance(section, dict) else None
    if value is None:
        return DEFAULT_HOOK_RATE, None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 10_000:
        return float(value), None
    return DEFAULT_HOOK_RATE, (
        f"config.toml: [team] hook_rate = {value!r} is not a number of events per second "
        f"in 0..10000; using {DEFAULT_HOOK_RATE:g}"
    )


def caller(scope: Scope) -> Actor | None:
    state = scope.get("state")
    found = state.get(ACTOR_STATE) if isinstance(state, dict) else None
    return found if isinstance(found, Actor) else None


async def send_json(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def retry_after(seconds: float) -> list[tuple[bytes, bytes]]:
    return [(b"retry-after", str(max(1, math.ceil(seconds))).encode())]


def store_trouble(exc: StoreError) -> bytes:
    import json

    return json.dumps({"error": f"the team's store is unavailable: {exc}"}).encode()
