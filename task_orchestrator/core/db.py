"""SQLite connections and schema migrations.

Several processes write one file at once (two servers, many hooks), so every connection uses
WAL, a busy timeout of several seconds and foreign keys, and every read-modify-write runs in
``BEGIN IMMEDIATE`` (see :func:`write`): a deferred transaction that upgrades to a write lock
fails with "database is locked" at once instead of waiting.

This module is where SQLite's errors become ours (:func:`store_error`): callers catch
:class:`StoreBusy` or :class:`StoreUnavailable` by type and never read SQLite's messages.

A PostgreSQL store's connection (core/pg.py) goes through the same functions: :class:`write`,
:func:`schema_version`, :func:`migrate_schema` and the checks hand it to that connection's
own methods (docs/ARCHITECTURE.md, "Two engines"). The SQLite path pays one type check.
"""

from __future__ import annotations

# The C module behind the ``sqlite3`` package, which only re-exports it and adds datetime
# adapters we never use (timestamps are ISO text). Importing the package loads the
# pure-Python ``datetime`` on 3.11: about 2 ms of every hook. Same classes, same functions
# (tests/core/test_db.py checks that they are the very objects ``sqlite3`` exports).
import _sqlite3 as sqlite3
import os

from . import private
from .errors import StoreBusy, StoreUnavailable
from .migrations import MIGRATIONS, SCHEMA_VERSION, for_engine

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .pg import PgConnection


class SqliteSQL:
    """The few fragments of SQL that differ between the engines, SQLite's; PostgreSQL's are
    ``core/pg.py``'s :class:`PostgresSQL`. Every other query is written once, in the SQL both
    accept (docs/ARCHITECTURE.md, "Two engines")."""

    engine = "sqlite"
    #: The values of a JSON array given as one parameter, as rows of a column ``value``.
    json_values = "SELECT value FROM json_each(?)"
    #: Text search that ignores the case of ASCII letters.
    like = "LIKE"
    #: A join whose order the planner keeps (SQLite); a plain join elsewhere.
    cross_join = "CROSS JOIN"


def is_url(target: object) -> bool:
    """Whether a store location is a PostgreSQL URL rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


BUSY_TIMEOUT_S = 10.0
SQLITE_MAGIC = b"SQLite format 3\x00"


def connect(
    db_path: str | os.PathLike[str],
    *,
    create: bool = True,
    migrate: bool = True,
    busy_timeout: float = BUSY_TIMEOUT_S,
) -> sqlite3.Connection:
    """Open the store, creating and migrating it when allowed.

    ``create=False`` refuses to create a missing file: a store deleted under a running server
    must be reported, not silently re-created empty.
    """
    db_path = os.fspath(db_path)
    head = read_head(db_path)
    if head is None:
        if not create:
            raise StoreUnavailable(
                f"the task store {db_path} does not exist; run `task-orchestrator doctor`"
            )
        # The store lives at <root>/data/tasks.db: its folder and the root are made private,
        # and so is the file, before SQLite makes it 0644 and its -wal and -shm after it.
        folder = os.path.dirname(os.path.abspath(db_path))
        private.make_dir(folder, os.path.dirname(folder))
        private.create_new(db_path)
    elif head and head != SQLITE_MAGIC:
        # SQLite would open it anyway while a write-ahead log of the file that was there is
        # beside it, and serve that log's pages over whatever this is.
        raise StoreUnavailable(
            f"the task store {db_path} cannot be opened (it is not a SQLite database); "
            "run `task-orchestrator doctor` for what to do"
        )
    # isolation_level=None: we issue BEGIN ourselves, so the module never opens an implicit
    # deferred transaction behind our back.
    try:
        conn = sqlite3.connect(
            db_path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
    except sqlite3.DatabaseError as exc:
        raise store_error(db_path, exc, opening=True) from exc
    _FILES.opened(conn, db_path)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL is durable across application crashes in WAL mode; only a power loss can lose
        # the last transactions, never corrupt the file.
        conn.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            migrate_schema(conn)
    except BaseException as exc:
        close(conn)
        if isinstance(exc, sqlite3.DatabaseError):
            raise store_error(db_path, exc, opening=True) from exc
        raise
    return conn


def close(conn: sqlite3.Connection) -> None:
    """Close a connection made by :func:`connect`. Use this, not ``conn.close()``: it also
    lets go of the file's header descriptor once no connection of ours needs it."""
    conn.close()
    _FILES.closed(conn)


class _OpenFiles:
    """The store files this process has connections to, by (device, inode): how many
    connections, and one read-only descriptor kept open as long as there is one.

    Why: on POSIX, closing *any* descriptor of a file drops *every* fcntl lock the process
    holds on it, SQLite's included ("How To Corrupt An SQLite Database File", section
    2.2). In WAL mode each connection holds a shared lock on the database file so that the
    last one to close knows it is the last; with that lock silently gone, another
    process's closing connection checkpoints and deletes the ``-wal`` and ``-shm`` files
    while this one still writes to them, and the store corrupts itself. So a process that
    has a connection reads the file's header through a descriptor that it closes only
    after the last connection (see docs/ARCHITECTURE.md, "The store file").
    """

    def __init__(self) -> None:
        # (st_dev, st_ino) -> [connections, descriptors]
        self.files: dict[tuple[int, int], list[int]] = {}
        self.conns: dict[int, tuple[int, int]] = {}

    def head(self, path: str) -> bytes | None:
        """The file's first bytes, None when there is no file. Never closes a descriptor of
        a file that a connection of ours has open."""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        entry = self.files.get((st.st_dev, st.st_ino))
        if entry is not None:
            return os.pread(entry[1], len(SQLITE_MAGIC), 0)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            if hasattr(os, "pread"):
                return os.pread(fd, len(SQLITE_MAGIC), 0)
            return os.read(fd, len(SQLITE_MAGIC))  # pragma: no cover - Windows
        finally:
            fst = os.fstat(fd)
            key = (fst.st_dev, fst.st_ino)
            if key in self.files:
                # The path was switched to a file we have open between stat and open:
                # closing this descriptor would drop our locks, so it lives as long as they.
                self.files[key].append(fd)
            else:
                os.close(fd)

    def opened(self, conn: sqlite3.Connection, path: str) -> None:
        if os.name == "nt":
            return  # Windows locks belong to a handle: closing another one drops none
        try:
            st = os.stat(path)
        except OSError:
            return
        key = (st.st_dev, st.st_ino)
        entry = self.files.get(key)
        if entry is None:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                return  # header checks then fall back to SQLite's own answers
            entry = self.files[key] = [0, fd]
        entry[0] += 1
        self.conns[id(conn)] = key

    def closed(self, conn: sqlite3.Connection) -> None:
        key = self.conns.pop(id(conn), None)
        entry = None if key is None else self.files.get(key)
        if key is None or entry is None:
            return
        entry[0] -= 1
        if entry[0] <= 0:
            del self.files[key]
            for fd in entry[1:]:
                os.close(fd)


_FILES = _OpenFiles()


def read_head(path: str | os.PathLike[str]) -> bytes | None:
    """The first bytes of the store file (None: there is no file). A file we may not read
    right now is no proof of damage: it passes, and SQLite says what it finds."""
    try:
        return _FILES.head(os.fspath(path))
    except OSError:
        return SQLITE_MAGIC


def looks_like_sqlite(path: str | os.PathLike[str]) -> bool:
    """Whether the file starts like a SQLite database (an empty or missing one does not)."""
    return read_head(path) == SQLITE_MAGIC


def schema_version(conn: sqlite3.Connection | PgConnection) -> int:
    if conn.__class__ is not sqlite3.Connection:
        return conn.schema_version()  # type: ignore[union-attr]
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


#: A PostgreSQL store's writes NOTIFY this channel as they commit (core/pg.py) and the board
#: LISTENs to it (board/live.py): there is no data_version to poll there.
CHANGES_CHANNEL = "task_orchestrator"


def change_stamp(conn: sqlite3.Connection | PgConnection) -> int:
    """A number that moves whenever any process commits to the store: SQLite's
    ``data_version`` (another connection's commits; this connection must only read), and on
    PostgreSQL, which has none, the newest event id (every change records one). For
    watchers such as the board's, which must not re-query everything to notice a change."""
    if conn.__class__ is not sqlite3.Connection:
        return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def migrate_schema(conn: sqlite3.Connection | PgConnection) -> int:
    """Apply every migration newer than the file's ``user_version``, in order, each in its
    own immediate transaction, so that two processes starting at once migrate only once."""
    engine = "sqlite" if conn.__class__ is sqlite3.Connection else "postgres"
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise StoreUnavailable(
            f"the task store has schema version {current}, newer than this program's "
            f"{SCHEMA_VERSION}; upgrade task-orchestrator"
        )
    if current == SCHEMA_VERSION:
        return current
    for version, statements in MIGRATIONS:
        with write(conn):  # type: ignore[arg-type]  # a PgConnection too (core/pg.py)
            # Read again under the lock: another process may have migrated meanwhile.
            if schema_version(conn) >= version:
                continue
            for statement in for_engine(statements, engine):
                conn.execute(statement)
            if engine == "sqlite":
                conn.execute(f"PRAGMA user_version = {int(version)}")
            else:
                conn.set_schema_version(version)  # type: ignore[union-attr]
    return schema_version(conn)


class write:
    """One read-modify-write transaction: all of it or nothing.

    Inside a transaction that is already open on the connection (the hooks' spool replay
    applies a batch of events in one, see docs/ARCHITECTURE.md, "Hook events and the
    spool"), it is a savepoint instead: an error rolls back this write alone, and what it
    wrote commits or rolls back with the outer transaction.

    SQLite's own failures (disk full, read-only file, lock held past the busy timeout,
    corruption) become :class:`StoreUnavailable` with a message that says what to do.
    A class rather than ``@contextmanager``: contextlib is one more import on the hook path.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.nested = False

    def __enter__(self) -> sqlite3.Connection:
        self.nested = self.conn.in_transaction
        if self.conn.__class__ is not sqlite3.Connection:
            self.conn.begin(self.nested)  # type: ignore[attr-defined]  # core/pg.py
            return self.conn
        try:
            self.conn.execute("SAVEPOINT write" if self.nested else "BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise explain(self.conn, exc) from exc
        return self.conn

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if self.conn.__class__ is not sqlite3.Connection:
            self.conn.end(self.nested, kind is None)  # type: ignore[attr-defined]
            return
        try:
            # After some errors (SQLITE_FULL, for one) SQLite has already rolled back the
            # whole transaction, savepoints included: then there is nothing left to end.
            if self.nested:
                if self.conn.in_transaction:
                    if kind is not None:
                        self.conn.execute("ROLLBACK TO write")
                    self.conn.execute("RELEASE write")
            elif kind is None:
                self.conn.execute("COMMIT")
            elif self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.DatabaseError as err:
            raise explain(self.conn, err) from err
        if isinstance(exc, sqlite3.DatabaseError):
            raise explain(self.conn, exc) from exc


def explain(conn: sqlite3.Connection, exc: sqlite3.Error) -> StoreUnavailable:
    """A user-facing error for a low-level SQLite failure on an open connection."""
    return store_error(_db_file(conn), exc)


# SQLITE_BUSY and SQLITE_LOCKED. Extended codes (SQLITE_BUSY_RECOVERY, ...) keep the
# primary code in their low byte.
_BUSY_CODES = (5, 6)


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether SQLite gave up waiting for another connection's lock."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11 and later
    if isinstance(code, int):
        return code & 0xFF in _BUSY_CODES
    # Python 3.10 has no codes: SQLite's messages for those two are "database is locked",
    # "database table is locked" and "database schema is locked".
    return "is locked" in str(exc)


def store_error(where: str, exc: sqlite3.Error, *, opening: bool = False) -> StoreUnavailable:
    """Our error for a SQLite failure on the store ``where``: :class:`StoreBusy` when
    another process held the lock past the busy timeout, :class:`StoreUnavailable` with
    what to do for anything else. The one place that reads SQLite's errors."""
    text = str(exc)
    if is_busy(exc):
        return StoreBusy(
            f"the task store {where} failed ({text}): another process held the store "
            "locked past the busy timeout; try again"
        )
    if "full" in text:
        hint = "the disk is full; free some space and try again (nothing was written)"
    elif "readonly" in text or "read-only" in text:
        hint = "the file or its folder is read-only; fix its permissions"
    else:
        hint = "run `task-orchestrator doctor` for what to do"
    if opening:
        return StoreUnavailable(f"the task store {where} cannot be opened ({text}); {hint}")
    return StoreUnavailable(f"the task store {where} failed ({text}): {hint}")


def _db_file(conn: sqlite3.Connection) -> str:
    try:
        for row in conn.execute("PRAGMA database_list"):
            if row[1] == "main":
                return str(row[2])
    except sqlite3.Error:
        pass
    return "file"


# quick_check reads every page once; through a memory map instead of one read() call per
# page it takes 5 ms instead of 7 on a 10,000-task store (4 MB). Only for the check: a disk
# I/O error in a mapped page is a signal, not an error SQLite can report.
CHECK_MMAP_BYTES = 1 << 30


def quick_check(conn: sqlite3.Connection) -> list[str]:
    """Problems found by ``PRAGMA quick_check``; empty when the file is sound. PostgreSQL
    has no such check: its pages are the server's to keep (docs/ARCHITECTURE.md)."""
    if conn.__class__ is not sqlite3.Connection:
        return []
    conn.execute(f"PRAGMA mmap_size = {CHECK_MMAP_BYTES}")
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    finally:
        conn.execute("PRAGMA mmap_size = 0")
    return [] if rows == ["ok"] else rows


def integrity_check(conn: sqlite3.Connection) -> list[str]:
    if conn.__class__ is not sqlite3.Connection:
        return []
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows
