"""The PostgreSQL engine: a connection that the store's code uses exactly as it uses SQLite's.

The store has one implementation of its logic (store.py and its mixins) and one set of
queries, written in the SQL both engines accept. What differs is here, and small
(docs/ARCHITECTURE.md, "Two engines"):

- **Placeholders**: the queries use ``?``; :meth:`PgConnection.execute` rewrites them to
  psycopg's ``%s`` once per distinct query text (the queries carry no ``?`` or ``%`` of
  their own in literals).
- **Rows**: :class:`Row` answers ``row["name"]``, ``row[0]``, ``row.keys()`` and unpacking,
  like ``sqlite3.Row``.
- **The write lock**: SQLite's ``BEGIN IMMEDIATE`` lets one writer in at a time, and every
  read-modify-write of the store relies on that. Here a write takes ``pg_advisory_lock`` on
  one key for the whole database, then ``BEGIN``, and lets go after COMMIT or ROLLBACK: the
  same single-writer rule, so reads inside a write see every earlier write (READ COMMITTED
  takes a fresh snapshot per statement). Readers never wait. Waiting longer than the busy
  timeout (``lock_timeout``) is :class:`StoreBusy`, as in SQLite.
- **Errors**: every psycopg error becomes :class:`StoreBusy` or :class:`StoreUnavailable`
  (the URL shown without its password), so callers never see the driver's types.

Imported only when a ``postgresql://`` store is opened: the hooks never load it (nor psycopg).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors as pgerrors
from psycopg.pq import TransactionStatus

from .db import CHANGES_CHANNEL, SqliteSQL
from .errors import StoreBusy, StoreUnavailable

#: The advisory lock every write takes: one writer at a time, as SQLite's file lock.
WRITE_LOCK_KEY = 0x7461736B6F726368  # "taskorch"


def redact(url: str) -> str:
    """The URL without its password (in the user part or a ``password=`` parameter), for
    messages and logs."""
    parts = urlsplit(url)
    if parts.password is not None:
        host = parts.hostname or ""
        if parts.port is not None:
            host += f":{parts.port}"
        user = f"{parts.username}:***@" if parts.username else ":***@"
        parts = parts._replace(netloc=user + host)
    if "password=" in parts.query:
        query = "&".join(
            "password=***" if p.startswith("password=") else p for p in parts.query.split("&")
        )
        parts = parts._replace(query=query)
    return urlunsplit(parts)


class Row(tuple):  # type: ignore[type-arg]
    """One result row, read by position or by column name like ``sqlite3.Row``."""

    __slots__ = ()
    _index: ClassVar[dict[str, int]] = {}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: Any) -> Any:
    desc = cursor.description
    if desc is None:
        return tuple
    names = {d.name: i for i, d in enumerate(desc)}
    kind = type("Row", (Row,), {"__slots__": (), "_index": names})
    return kind


class Cursor:
    """What ``execute`` returns: fetchone, fetchall, iteration, rowcount, lastrowid."""

    def __init__(self, conn: PgConnection, cur: psycopg.Cursor[Any]) -> None:
        self._conn = conn
        self._cur = cur

    def fetchone(self) -> Any:
        return self._cur.fetchone() if self._cur.description is not None else None

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall() if self._cur.description is not None else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The id the last INSERT of this session took from a sequence (an identity
        column), as SQLite's ``lastrowid``: read it before the next INSERT."""
        row = self._conn.execute("SELECT lastval()").fetchone()
        return None if row is None else int(row[0])


class PostgresSQL(SqliteSQL):
    """PostgreSQL's side of the few fragments the store's queries take from their engine
    (``core/db.py``, :class:`SqliteSQL`)."""

    engine = "postgres"
    # In the text columns' collation (core/migrations.py), or a recursive query refuses it.
    json_values = (
        'SELECT value COLLATE "C" AS value FROM jsonb_array_elements_text(CAST(? AS jsonb))'
    )
    # SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's does not.
    like = "ILIKE"
    # SQLite reads CROSS JOIN as "keep this join order"; PostgreSQL allows no ON after it.
    cross_join = "JOIN"


class PgConnection:
    """A psycopg connection in autocommit mode; transactions are opened by
    :meth:`begin` (``core/db.py``'s ``write``), as the store does with SQLite."""

    engine = "postgres"
    sql = PostgresSQL

    def __init__(self, raw: psycopg.Connection[Any], url: str) -> None:
        self.raw = raw
        self.where = redact(url)
        self._sql: dict[str, str] = {}

    # -- queries ------------------------------------------------------------------------
    def _translate(self, sql: str) -> str:
        out = self._sql.get(sql)
        if out is None:
            out = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        return out

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Cursor:
        cur = self.raw.cursor()
        try:
            cur.execute(self._translate(sql), params or ())
        except psycopg.Error as exc:
            raise self.error(exc) from exc
        return Cursor(self, cur)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> Cursor:
        rows = list(seq)
        cur = self.raw.cursor()
        if rows:
            try:
                cur.executemany(self._translate(sql), rows)
            except psycopg.Error as exc:
                raise self.error(exc) from exc
        return Cursor(self, cur)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    # -- the write transaction ----------------------------------------------------------
    def begin(self, nested: bool) -> None:
        if nested:
            self.execute("SAVEPOINT write")
            return
        # The lock before BEGIN, not pg_advisory_xact_lock inside the transaction: a
        # transaction reads the catalog as it was when it began, so one that began before
        # waiting would not see tables another writer created meanwhile (two processes
        # migrating a new database at once).
        self.execute(f"SELECT pg_advisory_lock({WRITE_LOCK_KEY})")
        try:
            self.execute("BEGIN")
        except BaseException:
            self._unlock()
            raise

    def end(self, nested: bool, ok: bool) -> None:
        status = self.raw.info.transaction_status
        if nested:
            if status == TransactionStatus.IDLE:
                return
            if not ok or status == TransactionStatus.INERROR:
                self.execute("ROLLBACK TO write")
            self.execute("RELEASE write")
            return
        try:
            if ok and status == TransactionStatus.INTRANS:
                # Delivered at COMMIT, never for a rollback; PostgreSQL folds one
                # transaction's identical notifications into one.
                self.execute(f"NOTIFY {CHANGES_CHANNEL}")
                self.execute("COMMIT")
            else:
                self._rollback()
        finally:
            self._unlock()

    def _rollback(self) -> None:
        if self.raw.info.transaction_status != TransactionStatus.IDLE:
            with suppress(psycopg.Error):  # a broken connection has no transaction to end
                self.raw.execute("ROLLBACK")

    def _unlock(self) -> None:
        with suppress(psycopg.Error):  # a broken connection: the server let go of its locks
            self.raw.execute(f"SELECT pg_advisory_unlock({WRITE_LOCK_KEY})")

    # -- the schema version -------------------------------------------------------------
    def schema_version(self) -> int:
        """The last migration applied (``PRAGMA user_version`` in SQLite); 0 for a new
        database."""
        if self.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
            return 0
        row = self.execute("SELECT version FROM schema_version").fetchone()
        return 0 if row is None else int(row[0])

    def set_schema_version(self, version: int) -> None:
        """Inside the migration's transaction."""
        self.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        self.execute("DELETE FROM schema_version")
        self.execute("INSERT INTO schema_version (version) VALUES (?)", (int(version),))

    # -- errors and the rest ------------------------------------------------------------
    def error(self, exc: psycopg.Error, *, opening: bool = False) -> StoreUnavailable:
        return store_error(self.where, exc, opening=opening)

    def close(self) -> None:
        self.raw.close()


def store_error(where: str, exc: psycopg.Error, *, opening: bool = False) -> StoreUnavailable:
    """Our error for a PostgreSQL failure, worded as core/db.py words SQLite's."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(
        exc, (pgerrors.LockNotAvailable, pgerrors.SerializationFailure, pgerrors.DeadlockDetected)
    ):
        return StoreBusy(
            f"the task store {where} failed ({text}): another process held the store "
            "locked past the busy timeout; try again"
        )
    if opening or isinstance(exc, psycopg.OperationalError):
        hint = "check that the PostgreSQL server is running and the URL ([store] url) is right"
        return StoreUnavailable(f"the task store {where} cannot be opened ({text}); {hint}")
    return StoreUnavailable(
        f"the task store {where} failed ({text}): run `task-orchestrator doctor` for what to do"
    )


def connect(url: str, *, busy_timeout: float, connect_timeout: float = 10.0) -> PgConnection:
    """A connection to the database at ``url`` (which must exist), with ``busy_timeout`` as
    the longest wait for the write lock."""
    where = redact(url)
    try:
        raw = psycopg.connect(
            url,
            autocommit=True,
            row_factory=_row_factory,
            connect_timeout=max(1, int(connect_timeout)),
        )
    except psycopg.Error as exc:
        raise store_error(where, exc, opening=True) from exc
    conn = PgConnection(raw, url)
    try:
        conn.execute(f"SET lock_timeout = {max(1, int(busy_timeout * 1000))}")
    except BaseException:
        raw.close()
        raise
    return conn


def listen_for_changes(
    url: str,
    *,
    tick: float,
    stopping: Callable[[], bool],
    on_listen: Callable[[], object],
    on_change: Callable[[], object],
) -> None:
    """LISTEN to :data:`CHANGES_CHANNEL` until ``stopping()`` is true, calling
    ``on_listen()`` once listening (changes made while not listening are unseen: the caller
    looks again) and ``on_change()`` per notification, checking ``stopping`` every ``tick``
    seconds. Blocking: for a thread of its own (board/live.py). A lost connection is
    :class:`StoreUnavailable`, for the caller to wait and call again."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as raw:
            raw.execute(f"LISTEN {CHANGES_CHANNEL}")
            on_listen()
            while not stopping():
                for _ in raw.notifies(timeout=tick):
                    on_change()
    except psycopg.Error as exc:
        raise store_error(redact(url), exc, opening=True) from exc
