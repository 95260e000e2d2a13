"""Live updates: one watcher per board process tells every open page that the store changed.

Any process may write the store (a hook, a server, the CLI, this board). SQLite's
``PRAGMA data_version`` on a connection changes whenever another connection, in any
process, commits; reading it costs a few microseconds and takes no lock. So one task polls
it every :data:`INTERVAL` seconds (with an ``os.stat`` of the file, which notices the store
being deleted or replaced) and, when anything differs, wakes every server-sent-events
stream at once. The pages then refetch what they show; nothing is queried per client per
tick. See docs/ARCHITECTURE.md, "The board".
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

from ..core import db
from ..core.errors import StoreError

INTERVAL = 0.25
#: A comment line this often keeps proxies and the browser from deeming the stream dead.
KEEPALIVE_S = 15.0


class Watcher:
    def __init__(self, db_path: str, *, interval: float = INTERVAL) -> None:
        self.path = db_path
        self.interval = interval
        #: Bumped on every change seen; the pages get it with each event.
        self.version = 0
        self.state: tuple[Any, ...] = ()
        self.polls = 0
        self._conn: Any = None
        self._file: tuple[int, int] | None = None
        self._changed = asyncio.Event()
        self._stopping = False

    def probe(self) -> tuple[Any, ...]:
        """What identifies the store's current content: the file and its data_version."""
        if db.is_url(self.path):
            return self._probe_postgres()
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._drop()
            return ("missing",)
        key = (st.st_dev, st.st_ino)
        try:
            if self._conn is None or key != self._file:
                self._drop()
                # The board's watcher never creates or migrates the store: it only looks.
                self._conn = db.connect(self.path, create=False, migrate=False, busy_timeout=0.2)
                self._file = key
            return (key, db.change_stamp(self._conn))
        except (StoreError, sqlite3.Error) as exc:
            self._drop()
            return ("error", str(exc))

    def _probe_postgres(self) -> tuple[Any, ...]:
        """A PostgreSQL store has no data_version: its newest event stands for it (every
        change the board shows records one)."""
        try:
            if self._conn is None:
                from ..core import pg

                self._conn = pg.connect(self.path, busy_timeout=0.2)
            return ("postgres", db.change_stamp(self._conn))
        except StoreError as exc:
            self._drop()
            return ("error", str(exc))

    def _drop(self) -> None:
        if self._conn is not None:
            db.close(self._conn)  # through db: see "The store file"
            self._conn = None
            self._file = None

    def check(self) -> bool:
        """One poll; wakes the streams and returns True when the store changed."""
        self.polls += 1
        state = self.probe()
        if state == self.state:
            return False
        first = not self.state
        self.state = state
        if first:
            return False
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()
        return True

    async def run(self) -> None:
        """The one polling loop of the process (started by the app's lifespan)."""
        try:
            while not self._stopping:
                self.check()
                await asyncio.sleep(self.interval)
        finally:
            self._drop()

    def stop(self) -> None:
        """End the loop and every stream (Ctrl-C: open streams would hold the shutdown)."""
        self._stopping = True
        self._changed.set()

    async def stream(self) -> AsyncIterator[str]:
        """Server-sent events for one page: ``hello`` at once, then ``change`` after each
        change (several changes within one poll are one event), ``gone`` while the store
        file is missing or unreadable."""
        yield "retry: 1000\n\n"
        yield _event("hello", {"version": self.version})
        while not self._stopping:
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), KEEPALIVE_S)
            except asyncio.TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if self._stopping:
                break
            kind = "gone" if self.state and self.state[0] in ("missing", "error") else "change"
            yield _event(kind, {"version": self.version})


def _event(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n"
