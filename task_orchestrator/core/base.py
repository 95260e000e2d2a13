"""The part of the store every other part uses: the connection, row conversion, the event
log. The operations live in mixins (sessions.py, records.py, views.py) and store.py."""

from __future__ import annotations

import os

from . import actor, db, fastjson
from .enums import Status
from .errors import InvalidInput, NotFound, StoreUnavailable, WrongWorkspace, shown
from .models import (
    Task,
    now_iso,
)
from .rules import UNFINISHED_CHILD_SQL
from .transitions import status_columns

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path
    from typing import Any, TypeVar

    _S = TypeVar("_S", bound="StoreBase")


TASK_COLUMNS = (
    "id, workspace_id, parent_id, session_id, position, title, description, status, "
    "task_type, complexity, specialist, estimated_effort, context, summary, archived, "
    "created_at, updated_at, started_at, completed_at, version, "
    "created_by, created_on, changed_by, changed_on"
)

#: What every UPDATE of tasks sets besides its own columns: the version moves on and the
#: actor is stamped (:meth:`StoreBase._changed`, the one place that reads who changes it).
CHANGED_SET = "version = version + 1, changed_by = ?, changed_on = ?"


class StoreBase:
    """A connection to one store (a SQLite file, or a PostgreSQL database: core/pg.py). Not
    shared across threads without care: the server runs its tools on one event loop, the
    hooks are single-threaded."""

    def __init__(self, conn: sqlite3.Connection, path: str | os.PathLike[str]) -> None:
        self.conn = conn
        # Kept as text: pathlib costs a hook about 4 ms to import (see :attr:`path`). For a
        # PostgreSQL store, its URL without the password.
        self.file = os.fspath(path)
        self.sql: type[db.SqliteSQL] = getattr(conn, "sql", db.SqliteSQL)
        self.engine: str = self.sql.engine

    @property
    def path(self) -> Path:
        from pathlib import Path

        return Path(self.file)

    @classmethod
    def open(
        cls: type[_S],
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        busy_timeout: float = db.BUSY_TIMEOUT_S,
    ) -> _S:
        """The store at ``path``: a SQLite file, or a ``postgresql://`` URL (whose database
        must exist; its tables are created and migrated here)."""
        if db.is_url(path):
            try:
                from . import pg  # psycopg: only ever for a PostgreSQL store, never on the hooks
            except ImportError as exc:
                # The standalone binary and a plain install carry no PostgreSQL driver.
                raise StoreUnavailable(
                    "a PostgreSQL store needs the driver: install the package with its "
                    "postgres extra (pipx install 'task-orchestrator[postgres]'); the "
                    f"standalone binary has none ({exc})"
                ) from None

            conn = pg.connect(str(path), busy_timeout=busy_timeout)
            try:
                db.migrate_schema(conn)
            except BaseException:
                conn.close()
                raise
            return cls(conn, conn.where)  # type: ignore[arg-type]
        return cls(db.connect(path, create=create, busy_timeout=busy_timeout), path)

    def close(self) -> None:
        db.close(self.conn)

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get_row(self, task_id: str, workspace_id: str | None = None) -> sqlite3.Row:
        """The task's row. With ``workspace_id``, a task of another workspace is refused
        (:class:`WrongWorkspace`): callers acting for one project pass theirs."""
        if not isinstance(task_id, str) or not task_id:
            raise InvalidInput("task_id must be a non-empty string such as 'task_7kq2m9xw'")
        row = self.conn.execute(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?", (task_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no task {shown(task_id)}", fix="find_id")
        if workspace_id is not None and row["workspace_id"] != workspace_id:
            other = self.conn.execute(
                "SELECT path FROM workspaces WHERE id = ?", (row["workspace_id"],)
            ).fetchone()
            where = other[0] if other is not None else row["workspace_id"]
            raise WrongWorkspace(
                f"task {task_id} belongs to another workspace ({where}), not to this one; "
                "nothing was changed",
                fix="other_workspace",
                task_id=task_id,
            )
        return row  # type: ignore[no-any-return]

    @staticmethod
    def _changed() -> list[str]:
        """The parameters of :data:`CHANGED_SET`: who and where the change is for (the
        actor of this call on a team server, else this process's user and machine). A
        created task is stamped with the same pair as creator and changer."""
        who = actor.current()
        return [who.user, who.machine]

    def _descendant_ids(self, task_id: str) -> list[str]:
        rows = self.conn.execute(
            "WITH RECURSIVE sub(id) AS (SELECT id FROM tasks WHERE parent_id = ? "
            "UNION ALL SELECT t.id FROM tasks t JOIN sub ON t.parent_id = sub.id) "
            "SELECT id FROM sub",
            (task_id,),
        ).fetchall()
        return [r[0] for r in rows]

    def _ancestor_ids(self, task_id: str) -> list[str]:
        """The task's parent, its parent's parent, ... up to the top."""
        rows = self.conn.execute(
            "WITH RECURSIVE up(id) AS (SELECT parent_id FROM tasks WHERE id = ? "
            "UNION ALL SELECT t.parent_id FROM tasks t JOIN up ON t.id = up.id) "
            "SELECT id FROM up WHERE id IS NOT NULL",
            (task_id,),
        ).fetchall()
        return [r[0] for r in rows]

    def _unfinished_children(self, task_id: str) -> int:
        """How many subtasks of ``task_id`` are not finished (core/rules.py)."""
        row = self.conn.execute(
            f"SELECT COUNT(*) FROM tasks c WHERE c.parent_id = ? AND {UNFINISHED_CHILD_SQL}",
            (task_id,),
        ).fetchone()
        return int(row[0])

    def _deps_for(self, task_ids: list[str]) -> dict[str, list[str]]:
        if not task_ids:
            return {}
        out: dict[str, list[str]] = {}
        marks = ",".join("?" * len(task_ids))
        for a, b in self.conn.execute(
            f"SELECT task_id, depends_on_id FROM dependencies WHERE task_id IN ({marks})",
            task_ids,
        ):
            out.setdefault(a, []).append(b)
        return out

    def _task_from_row(self, row: sqlite3.Row) -> Task:
        return self._tasks_from_rows([row])[0]

    def _tasks_from_rows(self, rows: list[sqlite3.Row]) -> list[Task]:
        deps = self._deps_for([r["id"] for r in rows])
        return [Task.from_row(r, tuple(deps.get(r["id"], ()))) for r in rows]

    def _move(
        self,
        row: sqlite3.Row,
        new: Status,
        *,
        columns: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Set ``row``'s status to ``new`` (already checked) with its timestamps and any
        other ``columns``, bump the version and record the event; inside a transaction."""
        now = now_iso()
        sets = status_columns(row, new, now)
        sets.update(columns or {})
        sets["updated_at"] = now
        assignments = ", ".join(f"{k} = ?" for k in sets)
        self.conn.execute(
            f"UPDATE tasks SET {assignments}, {CHANGED_SET} WHERE id = ?",
            [*sets.values(), *self._changed(), row["id"]],
        )
        old = Status(row["status"])
        self._event(
            "task.status" if new != old else "task.updated",
            workspace_id=row["workspace_id"],
            task_id=row["id"],
            data={"from_status": old.value, "status": new.value, **(data or {})},
        )

    def _event(
        self,
        kind: str,
        *,
        workspace_id: str | None = None,
        session_id: str | None = None,
        task_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO events (at, kind, workspace_id, session_id, task_id, data) "
            "VALUES (?,?,?,?,?,?)",
            (
                now_iso(),
                kind,
                workspace_id,
                session_id,
                task_id,
                fastjson.dumps(data or {}, ensure_ascii=False, default=str),
            ),
        )


def prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in TASK_COLUMNS.split(","))
