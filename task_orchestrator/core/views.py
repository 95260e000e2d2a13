"""Derived views of the store: counts, ready / blocked / stale tasks, integrity."""

from __future__ import annotations

from . import db, fastjson
from .base import TASK_COLUMNS, StoreBase, prefixed
from .enums import TERMINAL, Status
from .models import (
    Task,
)
from .plan import find_cycle
from .rules import READY_SQL, WAITING_ON_SQL

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class ViewsMixin(StoreBase):
    def counts_by_status(
        self, workspace_id: str | None = None, *, open_only: bool = False
    ) -> dict[str, int]:
        """Tasks per status. ``open_only`` counts the unfinished statuses only, from their
        ranges of the status index: a workspace is mostly finished work, which this skips."""
        sql = "SELECT status, COUNT(*) FROM tasks WHERE archived = 0"
        params: list[Any] = []
        if workspace_id is not None:
            sql += " AND workspace_id = ?"
            params.append(workspace_id)
        wanted = [s for s in Status if not open_only or s not in TERMINAL]
        if open_only:
            sql += f" AND status IN ({', '.join('?' * len(wanted))})"
            params += [s.value for s in wanted]
        counts = {s.value: 0 for s in wanted}
        for status, n in self.conn.execute(sql + " GROUP BY status", params):
            counts[status] = n
        return counts

    def subtask_counts(self, task_ids: list[str]) -> dict[str, tuple[int, int, int]]:
        """For each of ``task_ids`` that has subtasks (archived ones included, as
        rules.plan_progress counts them): (subtasks, completed, cancelled). One query for a
        whole page of cards."""
        if not task_ids:
            return {}
        marks = ",".join("?" * len(task_ids))
        rows = self.conn.execute(
            "SELECT parent_id, COUNT(*), SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) "
            f"FROM tasks WHERE parent_id IN ({marks}) GROUP BY parent_id",
            list(task_ids),
        ).fetchall()
        return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}

    def blockers(self, task_id: str) -> list[Task]:
        """Dependencies of ``task_id`` that are not completed."""
        rows = self.conn.execute(
            f"SELECT {prefixed('x')} FROM dependencies d JOIN tasks x ON x.id = d.depends_on_id"
            f" WHERE d.task_id = ? AND {WAITING_ON_SQL} ORDER BY x.created_at, x.position",
            (task_id,),
        ).fetchall()
        return self._tasks_from_rows(rows)

    def dependents(self, task_id: str) -> list[Task]:
        rows = self.conn.execute(
            f"SELECT {prefixed('t')} FROM dependencies d JOIN tasks t ON t.id = d.task_id "
            "WHERE d.depends_on_id = ? ORDER BY t.created_at, t.position",
            (task_id,),
        ).fetchall()
        return self._tasks_from_rows(rows)

    def ready_tasks(self, workspace_id: str | None = None, *, limit: int = 20) -> list[Task]:
        """Ready tasks (core/rules.py), oldest first."""
        sql = (
            f"SELECT {prefixed('t')} FROM tasks t WHERE {READY_SQL} "
            + ("AND t.workspace_id = ? " if workspace_id is not None else "")
            + "ORDER BY t.created_at, t.position LIMIT ?"
        )
        params: list[Any] = [workspace_id] if workspace_id is not None else []
        return self._tasks_from_rows(self.conn.execute(sql, [*params, limit]).fetchall())

    def ready_among(self, task_ids: list[str]) -> list[Task]:
        """Which of ``task_ids`` are ready (core/rules.py), in creation order."""
        if not task_ids:
            return []
        sql = (
            f"SELECT {prefixed('t')} FROM tasks t WHERE {READY_SQL} "
            f"AND t.id IN ({self.sql.json_values}) ORDER BY t.created_at, t.position"
        )
        rows = self.conn.execute(sql, (fastjson.dumps(task_ids),)).fetchall()
        return self._tasks_from_rows(rows)

    def blocked_tasks(self, workspace_id: str | None = None, *, limit: int = 20) -> list[Task]:
        """Tasks marked blocked, or pending with a dependency that is not completed.

        Two cheap questions instead of one expensive one: the explicitly blocked come from
        the status index; the dependency scan (oldest first, stopping at ``limit``) runs only
        when some dependency in the store is unfinished at all. Probing every pending task
        cost 94 ms on a 100,000-task workspace without dependencies; a UNION that sorted
        every dependency-blocked task cost 500 ms on one full of chains.
        """
        ws = "AND t.workspace_id = ? " if workspace_id is not None else ""
        params: list[Any] = [workspace_id] if workspace_id is not None else []
        marked = self.conn.execute(
            f"SELECT {prefixed('t')} FROM tasks t WHERE t.archived = 0 {ws}"
            "AND t.status = 'blocked' ORDER BY t.created_at, t.position LIMIT ?",
            [*params, limit],
        ).fetchall()
        waiting: list[Any] = []
        unfinished = self.conn.execute(
            f"SELECT 1 FROM dependencies d {self.sql.cross_join} tasks x ON x.id = d.depends_on_id "
            f"WHERE {WAITING_ON_SQL} LIMIT 1"
        ).fetchone()
        if unfinished is not None:
            waiting = self.conn.execute(
                f"SELECT {prefixed('t')} FROM tasks t WHERE t.archived = 0 {ws}"
                "AND t.status IN ('pending', 'needs_revision') AND EXISTS (SELECT 1 FROM "
                "dependencies d JOIN tasks x ON x.id = d.depends_on_id WHERE d.task_id = t.id "
                f"AND {WAITING_ON_SQL}) ORDER BY t.created_at, t.position LIMIT ?",
                [*params, limit],
            ).fetchall()
        rows = sorted([*marked, *waiting], key=lambda r: (r["created_at"], r["position"]))
        return self._tasks_from_rows(rows[:limit])

    def stale_tasks(
        self, older_than: str, workspace_id: str | None = None, *, limit: int = 20
    ) -> list[Task]:
        """In progress with no change since ``older_than`` (an ISO timestamp)."""
        sql = (
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE archived = 0 AND status = 'in_progress' "
            "AND updated_at < ? "
            + ("AND workspace_id = ? " if workspace_id is not None else "")
            + "ORDER BY updated_at LIMIT ?"
        )
        params: list[Any] = [older_than] + ([workspace_id] if workspace_id is not None else [])
        return self._tasks_from_rows(self.conn.execute(sql, [*params, limit]).fetchall())

    def integrity_problems(self, *, full: bool = False) -> list[str]:
        """SQLite's own check plus the store's invariants: dangling references, dependency
        cycles, tasks whose parent is in another workspace."""
        problems = db.integrity_check(self.conn) if full else db.quick_check(self.conn)
        if self.engine == "sqlite":  # PostgreSQL never lets a reference dangle
            problems += [
                f"foreign key: {r[0]} row {r[1]} points to missing {r[2]}"
                for r in self.conn.execute("PRAGMA foreign_key_check").fetchall()
            ]
        for r in self.conn.execute(
            "SELECT t.id, p.id FROM tasks t JOIN tasks p ON p.id = t.parent_id "
            "WHERE p.workspace_id != t.workspace_id"
        ):
            problems.append(f"task {r[0]} has parent {r[1]} in another workspace")
        edges: dict[str, list[str]] = {}
        for a, b in self.conn.execute("SELECT task_id, depends_on_id FROM dependencies"):
            edges.setdefault(a, []).append(b)
        index = {
            name: i for i, name in enumerate({*edges, *(b for v in edges.values() for b in v)})
        }
        names = {i: n for n, i in index.items()}
        cycle = find_cycle({index[a]: [index[b] for b in bs] for a, bs in edges.items()})
        if cycle:
            problems.append("dependency cycle: " + " -> ".join(names[i] for i in cycle))
        return problems

    def schema_version(self) -> int:
        return db.schema_version(self.conn)

    def database_bytes(self) -> int:
        """The store's size on disk: the SQLite file, or the PostgreSQL database."""
        if self.engine == "sqlite":
            import os

            try:
                return os.path.getsize(self.file)
            except OSError:
                return 0
        return int(self.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])

    def checkpoint(self, *, wait: bool = True) -> None:
        """Fold the WAL into the main file (before a restart, or a backup). ``wait=False``:
        do not wait on other processes' readers or writers; what they hold stays in the log.
        Nothing to do on PostgreSQL, whose server keeps its own log."""
        if self.engine != "sqlite":
            return
        if wait:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        timeout = self.conn.execute("PRAGMA busy_timeout").fetchone()[0]
        self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")

    def recent_completions(
        self, workspace_id: str, *, limit: int = 5, scan: int = 500
    ) -> list[Task]:
        """The ``limit`` tasks completed last, newest first, among the ``scan`` newest
        completed ones: a plan's parent is created first and completed last, so ordering by
        creation alone would miss it; bounded like :meth:`recent_ready_tasks`."""
        sql = (
            f"WITH cand AS (SELECT {TASK_COLUMNS} FROM tasks WHERE workspace_id = ? "
            "AND archived = 0 AND status = 'completed' "
            "ORDER BY created_at DESC, id DESC LIMIT ?) "
            "SELECT * FROM cand ORDER BY completed_at DESC, id DESC LIMIT ?"
        )
        rows = self.conn.execute(sql, [workspace_id, scan, limit]).fetchall()
        return self._tasks_from_rows(rows)

    def recent_ready_tasks(
        self, workspace_id: str, *, limit: int = 20, scan: int = 500
    ) -> list[Task]:
        """:meth:`ready_tasks` among the ``scan`` newest open tasks only. On a huge store with
        few ready tasks the full version checks every open task (200 ms at 100,000); this one
        stays bounded, at the price of missing ready tasks in old, forgotten plans."""
        sql = (
            f"WITH cand AS (SELECT {TASK_COLUMNS} FROM tasks WHERE workspace_id = ? "
            "AND archived = 0 AND status IN ('pending', 'needs_revision') "
            "ORDER BY created_at DESC, id DESC LIMIT ?) "
            f"SELECT * FROM cand t WHERE {READY_SQL} "
            "ORDER BY t.created_at, t.position LIMIT ?"
        )
        rows = self.conn.execute(sql, (workspace_id, scan, limit)).fetchall()
        return self._tasks_from_rows(rows)
