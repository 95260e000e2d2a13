"""Live updates: one watcher per board process tells every open page that the store changed.

Any process may write the store (a hook, a server, the CLI, this board). SQLite's
``PRAGMA data_version`` on a connection changes whenever another connection, in any
process, commits; reading it costs a few microseconds and takes no lock. So one task polls
it every :data:`INTERVAL` seconds (with an ``os.stat`` of the file, which notices the store
being deleted or replaced) and, when anything differs, wakes every server-sent-events
stream at once. The pages then refetch what they show; nothing is queried per client per
tick. See docs/ARCHITECTURE.md, "The board".

A PostgreSQL store has no data_version; its writes ``NOTIFY`` the channel ``db.CHANGES_CHANNEL``
when they commit (core/pg.py). A thread of the watcher's ``LISTEN``-s on a connection of
its own and wakes the poll loop at once, so a change reaches the pages without waiting for
the next poll; the poll stays, as the fallback for writers that do not notify (an older
version) and a listener that lost its connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from ..core import db
from ..core.errors import StoreError

INTERVAL = 0.25
#: How long the listener waits for a notification before looking whether it should stop,
#: and before connecting again after losing its connection.
LISTEN_TICK_S = 0.5
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
        #: Set (from the listener's thread) when a notification arrived: poll now.
        self._nudge = asyncio.Event()
        #: Notifications received; the tests compare them with the polls.
        self.notifications = 0
        self._listener: threading.Thread | None = None

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
        """The one polling loop of the process (started by the app's lifespan); on
        PostgreSQL a notification ends the wait for the next poll early."""
        if db.is_url(self.path):
            self._listen(asyncio.get_running_loop())
        try:
            while not self._stopping:
                self.check()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._nudge.wait(), self.interval)
                self._nudge.clear()
        finally:
            self._drop()

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the thread that LISTENs: psycopg waits for notifications in a blocking
        call, which must not hold the event loop."""

        def nudge() -> None:
            self.notifications += 1
            self._nudge.set()

        def listen() -> None:
            from ..core import pg  # psycopg: only a board on PostgreSQL gets here

            while not self._stopping:
                try:
                    pg.listen_for_changes(
                        self.path,
                        tick=LISTEN_TICK_S,
                        stopping=lambda: self._stopping,
                        on_listen=lambda: loop.call_soon_threadsafe(self._nudge.set),
                        on_change=lambda: loop.call_soon_threadsafe(nudge),
                    )
                except StoreError:
                    time.sleep(LISTEN_TICK_S)  # the poll carries on meanwhile
                except RuntimeError:  # the loop closed under us: the board is stopping
                    return

        self._listener = threading.Thread(target=listen, name="board-listen", daemon=True)
        self._listener.start()

    def stop(self) -> None:
        """End the loop and every stream (Ctrl-C: open streams would hold the shutdown)."""
        self._stopping = True
        self._changed.set()
        self._nudge.set()

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
