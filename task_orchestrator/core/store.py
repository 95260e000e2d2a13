"""The task store: every read and write of tasks goes through :class:`TaskStore`.

All SQL lives in this package. Each public write is one ``BEGIN IMMEDIATE`` transaction that
validates first and either applies everything or nothing; each records an event.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from . import db
from .enums import (
    REOPEN_TARGETS,
    TERMINAL,
    TRANSITIONS,
    ArtifactType,
    Complexity,
    Specialist,
    Status,
    TaskType,
)
from .errors import InvalidInput, InvalidTransition, NotFound, VersionConflict
from .ids import new_id
from .models import (
    MAX_ARTIFACT,
    MAX_SUMMARY,
    Artifact,
    NewTask,
    Page,
    Session,
    Task,
    TaskFilter,
    Workspace,
    now_iso,
)
from .plan import check_context, check_text, find_cycle, flatten
from .workspace import normalize

MAX_PAGE = 200
_TASK_COLUMNS = (
    "id, workspace_id, parent_id, session_id, position, title, description, status, "
    "task_type, complexity, specialist, estimated_effort, context, summary, archived, "
    "created_at, updated_at, started_at, completed_at, version"
)
# Fields update_task accepts, with the type each must have.
_UPDATABLE: dict[str, type] = {
    "title": str,
    "description": str,
    "task_type": TaskType,
    "complexity": Complexity,
    "specialist": Specialist,
    "estimated_effort": str,
    "summary": str,
}


class TaskStore:
    """A connection to one store file. Not shared across threads without care: the server
    runs its tools on one event loop, the hooks are single-threaded."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> TaskStore:
        return cls(db.connect(path, create=create), path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> TaskStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- workspaces and sessions -------------------------------------------------------

    def workspace(self, path: str | Path) -> Workspace:
        """The workspace for an already-resolved project root, created on first use."""
        norm = str(normalize(path))
        row = self.conn.execute("SELECT * FROM workspaces WHERE path = ?", (norm,)).fetchone()
        if row is None:
            with db.write(self.conn):
                row = self.conn.execute(
                    "SELECT * FROM workspaces WHERE path = ?", (norm,)
                ).fetchone()
                if row is None:
                    ws_id = new_id("ws")
                    self.conn.execute(
                        "INSERT INTO workspaces (id, path, name, created_at) VALUES (?,?,?,?)",
                        (ws_id, norm, Path(norm).name or norm, now_iso()),
                    )
                    self._event("workspace.created", workspace_id=ws_id, data={"path": norm})
                    row = self.conn.execute(
                        "SELECT * FROM workspaces WHERE id = ?", (ws_id,)
                    ).fetchone()
        return Workspace(**{k: row[k] for k in row.keys()})  # noqa: SIM118

    def get_workspace(self, workspace_id: str) -> Workspace:
        row = self.conn.execute("SELECT * FROM workspaces WHERE id = ?", (workspace_id,)).fetchone()
        if row is None:
            raise NotFound(f"no workspace {workspace_id!r}")
        return Workspace(**{k: row[k] for k in row.keys()})  # noqa: SIM118

    def open_session(
        self, workspace_id: str, client: str, external_id: str | None = None
    ) -> tuple[Session, bool]:
        """Resume the active session with this external id, or open a new one.

        Returns the session and whether it was resumed.
        """
        with db.write(self.conn):
            row = None
            if external_id is not None:
                row = self.conn.execute(
                    "SELECT * FROM sessions WHERE client = ? AND external_id = ? "
                    "AND workspace_id = ? ORDER BY started_at DESC LIMIT 1",
                    (client, external_id, workspace_id),
                ).fetchone()
            now = now_iso()
            if row is not None:
                self.conn.execute(
                    "UPDATE sessions SET last_seen_at = ?, status = 'active', ended_at = NULL "
                    "WHERE id = ?",
                    (now, row["id"]),
                )
                self._event("session.resumed", workspace_id=workspace_id, session_id=row["id"])
                return self.get_session(row["id"]), True
            sid = new_id("sess")
            self.conn.execute(
                "INSERT INTO sessions (id, workspace_id, client, external_id, status, "
                "started_at, last_seen_at) VALUES (?,?,?,?, 'active', ?, ?)",
                (sid, workspace_id, client, external_id, now, now),
            )
            self._event(
                "session.opened",
                workspace_id=workspace_id,
                session_id=sid,
                data={"client": client, "external_id": external_id},
            )
        return self.get_session(sid), False

    def get_session(self, session_id: str) -> Session:
        row = self.conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise NotFound(f"no session {session_id!r}")
        return Session.from_row(row)

    def find_session(self, client: str, external_id: str) -> Session | None:
        row = self.conn.execute(
            "SELECT * FROM sessions WHERE client = ? AND external_id = ? "
            "ORDER BY started_at DESC LIMIT 1",
            (client, external_id),
        ).fetchone()
        return None if row is None else Session.from_row(row)

    def set_active_task(self, session_id: str, task_id: str | None) -> None:
        with db.write(self.conn):
            self.conn.execute(
                "UPDATE sessions SET active_task_id = ?, last_seen_at = ? WHERE id = ?",
                (task_id, now_iso(), session_id),
            )
            self._event("session.active_task", session_id=session_id, task_id=task_id, data={})

    def close_session(self, session_id: str, outcome: str) -> Session:
        with db.write(self.conn):
            now = now_iso()
            cur = self.conn.execute(
                "UPDATE sessions SET status = 'closed', ended_at = ?, last_seen_at = ?, "
                "outcome = ? WHERE id = ?",
                (now, now, outcome, session_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no session {session_id!r}")
            self._event("session.closed", session_id=session_id, data={"outcome": outcome})
        return self.get_session(session_id)

    # -- tasks: create and read --------------------------------------------------------

    def create_tree(
        self,
        workspace_id: str,
        root: NewTask,
        *,
        parent_id: str | None = None,
        session_id: str | None = None,
    ) -> list[Task]:
        """Create ``root`` and its subtasks in one transaction; the root comes first in the
        returned list, then the subtasks depth first."""
        self.get_workspace(workspace_id)
        with db.write(self.conn):
            parent_position = 0
            if parent_id is not None:
                parent = self._get_row(parent_id)
                if parent["workspace_id"] != workspace_id:
                    raise InvalidInput(
                        f"parent task {parent_id} belongs to another workspace; plan under a "
                        "task of this workspace"
                    )
                if parent["archived"]:
                    raise InvalidInput(f"parent task {parent_id} is archived")
                if Status(parent["status"]) in TERMINAL:
                    raise InvalidInput(
                        f"parent task {parent_id} is {parent['status']}; reopen it with "
                        "orchestrator_update_task before planning under it"
                    )
                parent_position = self.conn.execute(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM tasks WHERE parent_id = ?",
                    (parent_id,),
                ).fetchone()[0]

            def exists(task_id: str) -> bool:
                row = self.conn.execute(
                    "SELECT 1 FROM tasks WHERE id = ? AND workspace_id = ?",
                    (task_id, workspace_id),
                ).fetchone()
                return row is not None

            nodes = flatten(root, exists)
            ids = [new_id("task") for _ in nodes]
            now = now_iso()
            for node in nodes:
                spec = node.spec
                parent_ref = parent_id if node.parent is None else ids[node.parent]
                self.conn.execute(
                    f"INSERT INTO tasks ({_TASK_COLUMNS}) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,0,?,?,?,?,1)",
                    (
                        ids[node.index],
                        workspace_id,
                        parent_ref,
                        session_id,
                        parent_position if node.parent is None else node.position,
                        spec.title,
                        spec.description,
                        Status(spec.status).value,
                        TaskType(spec.task_type).value,
                        Complexity(spec.complexity).value,
                        Specialist(spec.specialist).value,
                        spec.estimated_effort,
                        json.dumps(spec.context, ensure_ascii=False, sort_keys=True),
                        now,
                        now,
                        now if spec.status == Status.IN_PROGRESS else None,
                        now if spec.status == Status.COMPLETED else None,
                    ),
                )
            deps = [
                (ids[node.index], target)
                for node in nodes
                for target in [ids[i] for i in node.deps_new] + node.deps_existing
            ]
            self.conn.executemany(
                "INSERT OR IGNORE INTO dependencies (task_id, depends_on_id) VALUES (?,?)", deps
            )
            self._event(
                "task.planned",
                workspace_id=workspace_id,
                session_id=session_id,
                task_id=ids[0],
                data={"parent_id": parent_id, "tasks": len(ids), "dependencies": len(deps)},
            )
        return self.get_tasks(ids)

    def get_task(self, task_id: str) -> Task:
        return self._task_from_row(self._get_row(task_id))

    def get_tasks(self, task_ids: Sequence[str]) -> list[Task]:
        """Tasks in the order of ``task_ids``; unknown ids are an error."""
        if not task_ids:
            return []
        marks = ",".join("?" * len(task_ids))
        rows = {
            r["id"]: r
            for r in self.conn.execute(
                f"SELECT {_TASK_COLUMNS} FROM tasks WHERE id IN ({marks})", list(task_ids)
            )
        }
        missing = [t for t in task_ids if t not in rows]
        if missing:
            raise NotFound(f"no task {missing[0]!r}")
        deps = self._deps_for(list(task_ids))
        return [Task.from_row(rows[t], tuple(deps.get(t, ()))) for t in task_ids]

    def children(self, task_id: str, *, include_archived: bool = False) -> list[Task]:
        rows = self.conn.execute(
            f"SELECT {_TASK_COLUMNS} FROM tasks WHERE parent_id = ? "
            + ("" if include_archived else "AND archived = 0 ")
            + "ORDER BY position, created_at",
            (task_id,),
        ).fetchall()
        return self._tasks_from_rows(rows)

    def descendants(self, task_id: str) -> list[Task]:
        """Every task under ``task_id`` (not itself), depth first by position."""
        out: list[Task] = []
        for child in self.children(task_id, include_archived=True):
            out.append(child)
            out.extend(self.descendants(child.id))
        return out

    def query(
        self,
        flt: TaskFilter,
        *,
        limit: int = 50,
        cursor: str | None = None,
        offset: int | None = None,
        with_total: bool = False,
    ) -> Page:
        """A page of tasks, newest first. ``cursor`` (from the previous page) is stable
        under concurrent inserts; ``offset`` is there for simple callers."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
        if offset is not None and offset < 0:
            raise InvalidInput("offset must not be negative")
        if cursor is not None and offset:
            raise InvalidInput("give either a cursor or an offset, not both")
        where, params = self._where(flt)
        total = None
        if with_total:
            total = self.conn.execute(
                f"SELECT COUNT(*) FROM tasks t WHERE {where}", params
            ).fetchone()[0]
        page_where, page_params = where, list(params)
        if cursor is not None:
            created, last_id = _decode_cursor(cursor)
            page_where += " AND (t.created_at, t.id) < (?, ?)"
            page_params += [created, last_id]
        sql = (
            f"SELECT {_prefixed('t')} FROM tasks t WHERE {page_where} "
            "ORDER BY t.created_at DESC, t.id DESC LIMIT ? OFFSET ?"
        )
        rows = self.conn.execute(sql, [*page_params, limit + 1, offset or 0]).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        tasks = self._tasks_from_rows(rows)
        next_cursor = _encode_cursor(rows[-1]["created_at"], rows[-1]["id"]) if more else None
        return Page(tasks=tasks, next_cursor=next_cursor, total=total)

    def _where(self, flt: TaskFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if flt.workspace_id is not None:
            clauses.append("t.workspace_id = ?")
            params.append(flt.workspace_id)
        if not flt.include_archived:
            clauses.append("t.archived = 0")
        for column, values in (
            ("status", flt.statuses),
            ("specialist", flt.specialists),
            ("complexity", flt.complexities),
            ("task_type", flt.task_types),
        ):
            if values:
                clauses.append(f"t.{column} IN ({','.join('?' * len(values))})")
                params.extend(str(v) for v in values)
        if flt.parent_id == "":
            clauses.append("t.parent_id IS NULL")
        elif flt.parent_id is not None:
            clauses.append("t.parent_id = ?")
            params.append(flt.parent_id)
        if flt.text:
            # LIKE with escapes: a model searching for "100%" means the characters.
            pattern = "%" + _escape_like(flt.text) + "%"
            clauses.append("(t.title LIKE ? ESCAPE '\\' OR t.description LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
        if flt.created_after:
            clauses.append("t.created_at > ?")
            params.append(flt.created_after)
        if flt.created_before:
            clauses.append("t.created_at < ?")
            params.append(flt.created_before)
        return (" AND ".join(clauses) or "1"), params

    # -- tasks: change -----------------------------------------------------------------

    def update_task(
        self,
        task_id: str,
        *,
        expected_version: int | None = None,
        status: Status | None = None,
        reopen: bool = False,
        context: dict[str, Any] | None = None,
        add_dependencies: Iterable[str] = (),
        remove_dependencies: Iterable[str] = (),
        **changes: Any,
    ) -> Task:
        """Change some fields of a task; ``context`` is merged key by key (a key set to
        None is removed). Raises VersionConflict when ``expected_version`` is stale."""
        unknown = set(changes) - set(_UPDATABLE)
        if unknown:
            raise InvalidInput(
                f"cannot update {', '.join(sorted(unknown))}; updatable fields are "
                f"{', '.join(sorted([*_UPDATABLE, 'status', 'context']))}"
            )
        add_deps, remove_deps = list(add_dependencies), list(remove_dependencies)
        with db.write(self.conn):
            row = self._get_row(task_id)
            self._check_version(row, expected_version)
            sets: dict[str, Any] = {}
            for key, value in changes.items():
                if value is None and key in ("estimated_effort", "summary"):
                    sets[key] = None
                    continue
                sets[key] = self._coerce(key, value)
            if "title" in sets:
                sets["title"] = check_text(sets["title"], "", "the task")
            if "description" in sets:
                check_text("x", sets["description"], "the task")
            if "summary" in sets and sets["summary"] and len(sets["summary"]) > MAX_SUMMARY:
                raise InvalidInput(f"the summary is longer than {MAX_SUMMARY} characters")
            if context is not None:
                merged = json.loads(row["context"])
                if not isinstance(context, dict):
                    raise InvalidInput("context must be an object")
                for key, value in context.items():
                    if value is None:
                        merged.pop(key, None)
                    else:
                        merged[key] = value
                sets["context"] = check_context(merged, "the task")
            now = now_iso()
            old_status = Status(row["status"])
            if status is not None:
                new_status = self._coerce_status(status)
                self._check_transition(task_id, old_status, new_status, reopen)
                sets.update(self._status_columns(row, new_status, now))
            if add_deps or remove_deps:
                self._change_dependencies(row, add_deps, remove_deps)
            if not sets and not add_deps and not remove_deps:
                return self._task_from_row(row)
            sets["updated_at"] = now
            assignments = ", ".join(f"{k} = ?" for k in sets)
            self.conn.execute(
                f"UPDATE tasks SET {assignments}, version = version + 1 WHERE id = ?",
                [*[str(v) if isinstance(v, Status) else v for v in sets.values()], task_id],
            )
            data: dict[str, Any] = {k: v for k, v in sets.items() if k not in ("context",)}
            if status is not None:
                data["from_status"] = old_status.value
            self._event(
                "task.status" if status is not None and status != old_status else "task.updated",
                workspace_id=row["workspace_id"],
                task_id=task_id,
                data={k: (str(v) if v is not None else None) for k, v in data.items()},
            )
        return self.get_task(task_id)

    def set_status(
        self,
        task_id: str,
        status: Status,
        *,
        expected_version: int | None = None,
        reopen: bool = False,
    ) -> Task:
        return self.update_task(
            task_id, status=status, expected_version=expected_version, reopen=reopen
        )

    def archive_task(self, task_id: str) -> list[str]:
        """Archive a task and everything under it; returns the ids archived."""
        with db.write(self.conn):
            row = self._get_row(task_id)
            ids = [task_id, *self._descendant_ids(task_id)]
            marks = ",".join("?" * len(ids))
            now = now_iso()
            self.conn.execute(
                f"UPDATE tasks SET archived = 1, updated_at = ?, version = version + 1 "
                f"WHERE id IN ({marks}) AND archived = 0",
                [now, *ids],
            )
            self._event(
                "task.archived",
                workspace_id=row["workspace_id"],
                task_id=task_id,
                data={"count": len(ids)},
            )
        return ids

    def delete_task(self, task_id: str, *, force: bool = False) -> list[str]:
        """Hard-delete a task (and, with ``force``, its subtasks); returns the ids deleted.
        Tasks that depended on it lose that dependency."""
        with db.write(self.conn):
            row = self._get_row(task_id)
            below = self._descendant_ids(task_id)
            if below and not force:
                raise InvalidInput(
                    f"task {task_id} has {len(below)} subtasks; archive it instead, or pass "
                    "force=true to delete it with all of them"
                )
            ids = [task_id, *below]
            marks = ",".join("?" * len(ids))
            self.conn.execute(f"DELETE FROM tasks WHERE id IN ({marks})", ids)
            self._event(
                "task.deleted",
                workspace_id=row["workspace_id"],
                task_id=task_id,
                data={"ids": ids, "title": row["title"]},
            )
        return ids

    # -- artifacts, events, links, snapshots -------------------------------------------

    def add_artifact(
        self,
        task_id: str,
        *,
        summary: str,
        content: str,
        artifact_type: ArtifactType = ArtifactType.GENERAL,
        file_paths: Sequence[str] = (),
    ) -> Artifact:
        if len(content) > MAX_ARTIFACT:
            raise InvalidInput(
                f"the detailed work has {len(content)} characters, more than {MAX_ARTIFACT}; "
                "store the bulk in files and pass their paths"
            )
        if len(summary) > MAX_SUMMARY:
            raise InvalidInput(f"the summary is longer than {MAX_SUMMARY} characters")
        with db.write(self.conn):
            row = self._get_row(task_id)
            art_id = new_id("art")
            now = now_iso()
            digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
            self.conn.execute(
                "INSERT INTO artifacts (id, task_id, artifact_type, summary, content, "
                "content_sha256, file_paths, created_at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    art_id,
                    task_id,
                    ArtifactType(artifact_type).value,
                    summary,
                    content,
                    digest,
                    json.dumps(list(file_paths), ensure_ascii=False),
                    now,
                ),
            )
            self._event(
                "artifact.added",
                workspace_id=row["workspace_id"],
                task_id=task_id,
                data={"artifact_id": art_id, "size": len(content)},
            )
        return self.artifacts(task_id)[-1]

    def artifacts(self, task_id: str) -> list[Artifact]:
        rows = self.conn.execute(
            "SELECT id, task_id, artifact_type, summary, content_sha256, length(content) AS size,"
            " file_paths, created_at FROM artifacts WHERE task_id = ? ORDER BY created_at, id",
            (task_id,),
        ).fetchall()
        return [
            Artifact(
                id=r["id"],
                task_id=r["task_id"],
                artifact_type=ArtifactType(r["artifact_type"]),
                summary=r["summary"],
                content_sha256=r["content_sha256"],
                size=r["size"],
                file_paths=tuple(json.loads(r["file_paths"])),
                created_at=r["created_at"],
            )
            for r in rows
        ]

    def artifact_content(self, artifact_id: str) -> str:
        row = self.conn.execute(
            "SELECT content FROM artifacts WHERE id = ?", (artifact_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no artifact {artifact_id!r}")
        return str(row["content"])

    def record_event(
        self,
        kind: str,
        *,
        workspace_id: str | None = None,
        session_id: str | None = None,
        task_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        with db.write(self.conn):
            self._event(
                kind, workspace_id=workspace_id, session_id=session_id, task_id=task_id, data=data
            )

    def events(
        self, *, kind: str | None = None, task_id: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """The newest events first."""
        clauses, params = [], []
        if kind is not None:
            clauses.append("kind = ?")
            params.append(kind)
        if task_id is not None:
            clauses.append("task_id = ?")
            params.append(task_id)
        where = " AND ".join(clauses) or "1"
        rows = self.conn.execute(
            f"SELECT * FROM events WHERE {where} ORDER BY id DESC LIMIT ?", [*params, limit]
        ).fetchall()
        return [{**dict(r), "data": json.loads(r["data"])} for r in rows]

    def link_external(self, source: str, scope: str, external_id: str, task_id: str) -> bool:
        """Link an outside id (e.g. Claude Code's task "3" in session S) to our task.
        Returns False when the link already existed (repeated events are idempotent)."""
        with db.write(self.conn):
            self._get_row(task_id)
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO external_links (source, scope, external_id, task_id, "
                "created_at) VALUES (?,?,?,?,?)",
                (source, scope, external_id, task_id, now_iso()),
            )
            return cur.rowcount == 1

    def find_external(self, source: str, scope: str, external_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT task_id FROM external_links WHERE source = ? AND scope = ? AND external_id = ?",
            (source, scope, external_id),
        ).fetchone()
        return None if row is None else str(row["task_id"])

    def save_snapshot(
        self, *, session_id: str | None, task_id: str | None, reason: str, body: dict[str, Any]
    ) -> int:
        with db.write(self.conn):
            cur = self.conn.execute(
                "INSERT INTO snapshots (session_id, task_id, created_at, reason, body) "
                "VALUES (?,?,?,?,?)",
                (session_id, task_id, now_iso(), reason, json.dumps(body, ensure_ascii=False)),
            )
            self._event(
                "snapshot.saved", session_id=session_id, task_id=task_id, data={"reason": reason}
            )
            return int(cur.lastrowid or 0)

    def latest_snapshot(self, session_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT body FROM snapshots WHERE session_id = ? ORDER BY id DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        return None if row is None else dict(json.loads(row["body"]))

    def scratch_roundtrip(self, key: str, value: str) -> str:
        """Write then read back a value in a table no task query looks at; used by the
        reconnect test so that checking the store never touches real tasks."""
        with db.write(self.conn):
            self.conn.execute(
                "INSERT OR REPLACE INTO scratch (key, value, written_at) VALUES (?,?,?)",
                (key, value, now_iso()),
            )
        row = self.conn.execute("SELECT value FROM scratch WHERE key = ?", (key,)).fetchone()
        with db.write(self.conn):
            self.conn.execute("DELETE FROM scratch WHERE key = ?", (key,))
        return str(row["value"])

    # -- derived views -----------------------------------------------------------------

    def counts_by_status(self, workspace_id: str | None = None) -> dict[str, int]:
        sql = "SELECT status, COUNT(*) FROM tasks WHERE archived = 0"
        params: list[Any] = []
        if workspace_id is not None:
            sql += " AND workspace_id = ?"
            params.append(workspace_id)
        counts = {s.value: 0 for s in Status}
        for status, n in self.conn.execute(sql + " GROUP BY status", params):
            counts[status] = n
        return counts

    def blockers(self, task_id: str) -> list[Task]:
        """Dependencies of ``task_id`` that are not completed."""
        rows = self.conn.execute(
            f"SELECT {_prefixed('x')} FROM dependencies d JOIN tasks x ON x.id = d.depends_on_id"
            " WHERE d.task_id = ? AND x.status != 'completed' ORDER BY x.created_at, x.position",
            (task_id,),
        ).fetchall()
        return self._tasks_from_rows(rows)

    def dependents(self, task_id: str) -> list[Task]:
        rows = self.conn.execute(
            f"SELECT {_prefixed('t')} FROM dependencies d JOIN tasks t ON t.id = d.task_id "
            "WHERE d.depends_on_id = ? ORDER BY t.created_at, t.position",
            (task_id,),
        ).fetchall()
        return self._tasks_from_rows(rows)

    def ready_tasks(self, workspace_id: str | None = None, *, limit: int = 20) -> list[Task]:
        """Pending or needing revision, every dependency completed, and no unfinished
        subtasks (a parent is finished by synthesis, not executed)."""
        sql = (
            f"SELECT {_prefixed('t')} FROM tasks t WHERE t.archived = 0 "
            "AND t.status IN ('pending', 'needs_revision') "
            + ("AND t.workspace_id = ? " if workspace_id is not None else "")
            + "AND NOT EXISTS (SELECT 1 FROM dependencies d JOIN tasks x ON x.id = d.depends_on_id"
            " WHERE d.task_id = t.id AND x.status != 'completed') "
            "AND NOT EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = t.id AND c.archived = 0 "
            "AND c.status NOT IN ('completed', 'cancelled')) "
            "ORDER BY t.created_at, t.position LIMIT ?"
        )
        params: list[Any] = [workspace_id] if workspace_id is not None else []
        return self._tasks_from_rows(self.conn.execute(sql, [*params, limit]).fetchall())

    def blocked_tasks(self, workspace_id: str | None = None, *, limit: int = 20) -> list[Task]:
        """Tasks marked blocked, or pending with a dependency that is not completed."""
        sql = (
            f"SELECT {_prefixed('t')} FROM tasks t WHERE t.archived = 0 "
            + ("AND t.workspace_id = ? " if workspace_id is not None else "")
            + "AND (t.status = 'blocked' OR (t.status IN ('pending', 'needs_revision') AND "
            "EXISTS (SELECT 1 FROM dependencies d JOIN tasks x ON x.id = d.depends_on_id "
            "WHERE d.task_id = t.id AND x.status != 'completed'))) "
            "ORDER BY t.created_at, t.position LIMIT ?"
        )
        params: list[Any] = [workspace_id] if workspace_id is not None else []
        return self._tasks_from_rows(self.conn.execute(sql, [*params, limit]).fetchall())

    def stale_tasks(
        self, older_than: str, workspace_id: str | None = None, *, limit: int = 20
    ) -> list[Task]:
        """In progress with no change since ``older_than`` (an ISO timestamp)."""
        sql = (
            f"SELECT {_TASK_COLUMNS} FROM tasks WHERE archived = 0 AND status = 'in_progress' "
            "AND updated_at < ? "
            + ("AND workspace_id = ? " if workspace_id is not None else "")
            + "ORDER BY updated_at LIMIT ?"
        )
        params: list[Any] = [older_than] + ([workspace_id] if workspace_id is not None else [])
        return self._tasks_from_rows(self.conn.execute(sql, [*params, limit]).fetchall())

    def in_progress(self, workspace_id: str | None = None, *, limit: int = 20) -> list[Task]:
        return self.query(
            TaskFilter(workspace_id=workspace_id, statuses=[Status.IN_PROGRESS]), limit=limit
        ).tasks

    def integrity_problems(self, *, full: bool = False) -> list[str]:
        """SQLite's own check plus the store's invariants: dangling references, dependency
        cycles, tasks whose parent is in another workspace."""
        problems = db.integrity_check(self.conn) if full else db.quick_check(self.conn)
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

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (before a restart, or a backup)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- internals ---------------------------------------------------------------------

    def _get_row(self, task_id: str) -> sqlite3.Row:
        if not isinstance(task_id, str) or not task_id:
            raise InvalidInput("task_id must be a non-empty string such as 'task_7kq2m9xw'")
        row = self.conn.execute(
            f"SELECT {_TASK_COLUMNS} FROM tasks WHERE id = ?", (task_id,)
        ).fetchone()
        if row is None:
            raise NotFound(
                f"no task {task_id!r}; use orchestrator_query_tasks to find the right id"
            )
        return row  # type: ignore[no-any-return]

    def _check_version(self, row: sqlite3.Row, expected: int | None) -> None:
        if expected is not None and expected != row["version"]:
            raise VersionConflict(
                f"task {row['id']} is at version {row['version']}, not {expected}: someone "
                "changed it meanwhile; read it again and reapply your change"
            )

    @staticmethod
    def _coerce(key: str, value: Any) -> Any:
        kind = _UPDATABLE[key]
        if kind is str:
            if not isinstance(value, str):
                raise InvalidInput(f"{key} must be a string")
            return value
        try:
            return kind(value).value
        except ValueError:
            allowed = ", ".join(m.value for m in kind)  # type: ignore[attr-defined]
            raise InvalidInput(f"{key} {value!r} is not one of: {allowed}") from None

    @staticmethod
    def _coerce_status(value: Status | str) -> Status:
        try:
            return Status(value)
        except ValueError:
            allowed = ", ".join(s.value for s in Status)
            raise InvalidInput(f"status {value!r} is not one of: {allowed}") from None

    @staticmethod
    def _check_transition(task_id: str, old: Status, new: Status, reopen: bool) -> None:
        if old == new:
            return
        if reopen:
            if old not in TERMINAL:
                raise InvalidTransition(
                    f"task {task_id} is {old}, not completed or cancelled; it needs no reopen"
                )
            if new not in REOPEN_TARGETS:
                raise InvalidTransition(
                    f"a reopened task becomes pending, in_progress or needs_revision, not {new}"
                )
            return
        if new not in TRANSITIONS[old]:
            hint = "; pass reopen=true to reopen it first" if old in TERMINAL else ""
            raise InvalidTransition(f"task {task_id} cannot go from {old} to {new}{hint}")

    @staticmethod
    def _status_columns(row: sqlite3.Row, new: Status, now: str) -> dict[str, Any]:
        sets: dict[str, Any] = {"status": new.value}
        if new == Status.IN_PROGRESS and row["started_at"] is None:
            sets["started_at"] = now
        if new == Status.COMPLETED:
            sets["completed_at"] = now
        elif row["completed_at"] is not None:
            sets["completed_at"] = None
        return sets

    def _change_dependencies(self, row: sqlite3.Row, add: list[str], remove: list[str]) -> None:
        task_id = row["id"]
        for dep in add:
            dep_row = self._get_row(dep)
            if dep_row["workspace_id"] != row["workspace_id"]:
                raise InvalidInput(f"dependency {dep} belongs to another workspace")
            if dep == task_id:
                raise InvalidInput(f"task {task_id} cannot depend on itself")
        self.conn.executemany(
            "DELETE FROM dependencies WHERE task_id = ? AND depends_on_id = ?",
            [(task_id, d) for d in remove],
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO dependencies (task_id, depends_on_id) VALUES (?,?)",
            [(task_id, d) for d in add],
        )
        if add and self._reaches(add, task_id):
            # Raising inside the transaction rolls the inserts back.
            raise InvalidInput(
                f"adding {', '.join(add)} as dependencies of {task_id} would form a cycle"
            )

    def _reaches(self, starts: list[str], target: str) -> bool:
        """Whether ``target`` is reachable from ``starts`` along dependencies."""
        row = self.conn.execute(
            "WITH RECURSIVE reach(id) AS (SELECT value FROM json_each(?) "
            "UNION SELECT d.depends_on_id FROM reach JOIN dependencies d ON d.task_id = reach.id)"
            " SELECT 1 FROM reach WHERE id = ? LIMIT 1",
            [json.dumps(starts), target],
        ).fetchone()
        return row is not None

    def _descendant_ids(self, task_id: str) -> list[str]:
        rows = self.conn.execute(
            "WITH RECURSIVE sub(id) AS (SELECT id FROM tasks WHERE parent_id = ? "
            "UNION ALL SELECT t.id FROM tasks t JOIN sub ON t.parent_id = sub.id) "
            "SELECT id FROM sub",
            (task_id,),
        ).fetchall()
        return [r[0] for r in rows]

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
                json.dumps(data or {}, ensure_ascii=False, default=str),
            ),
        )

    # -- server additions (issue 3): multi-row changes that must be all or nothing -------

    def record_work(
        self,
        task_id: str,
        *,
        status: Status,
        summary: str,
        content: str,
        artifact_type: ArtifactType = ArtifactType.GENERAL,
        file_paths: Sequence[str] = (),
    ) -> tuple[Task, Artifact]:
        """Store a piece of work as an artifact and move the task to ``status`` in one
        transaction: a refused transition leaves no orphan artifact behind."""
        if len(content) > MAX_ARTIFACT:
            raise InvalidInput(
                f"the detailed work has {len(content)} characters, more than {MAX_ARTIFACT}; "
                "store the bulk in files and pass their paths"
            )
        if len(summary) > MAX_SUMMARY:
            raise InvalidInput(f"the summary is longer than {MAX_SUMMARY} characters")
        new = self._coerce_status(status)
        with db.write(self.conn):
            row = self._get_row(task_id)
            old = Status(row["status"])
            self._check_transition(task_id, old, new, False)
            now = now_iso()
            art_id = new_id("art")
            self.conn.execute(
                "INSERT INTO artifacts (id, task_id, artifact_type, summary, content, "
                "content_sha256, file_paths, created_at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    art_id,
                    task_id,
                    ArtifactType(artifact_type).value,
                    summary,
                    content,
                    hashlib.sha256(content.encode("utf-8")).hexdigest(),
                    json.dumps(list(file_paths), ensure_ascii=False),
                    now,
                ),
            )
            sets = self._status_columns(row, new, now)
            sets["summary"] = summary
            sets["updated_at"] = now
            assignments = ", ".join(f"{k} = ?" for k in sets)
            self.conn.execute(
                f"UPDATE tasks SET {assignments}, version = version + 1 WHERE id = ?",
                [*sets.values(), task_id],
            )
            self._event(
                "task.status" if new != old else "task.updated",
                workspace_id=row["workspace_id"],
                task_id=task_id,
                data={"from_status": old.value, "status": new.value, "artifact_id": art_id},
            )
        art = next(a for a in self.artifacts(task_id) if a.id == art_id)
        return self.get_task(task_id), art

    def cancel_tree(
        self, task_id: str, *, reason: str, cascade: bool = True, drop_artifacts: bool = False
    ) -> list[str]:
        """Cancel a task and, with ``cascade``, its unfinished descendants, in one
        transaction; returns the ids cancelled. ``drop_artifacts`` also deletes their stored
        work. Completed subtasks keep their status and their work."""
        with db.write(self.conn):
            row = self._get_row(task_id)
            if Status(row["status"]) in TERMINAL:
                raise InvalidTransition(
                    f"task {task_id} is already {row['status']}; nothing to cancel"
                )
            ids = [task_id]
            if cascade:
                below = self._descendant_ids(task_id)
                if below:
                    marks = ",".join("?" * len(below))
                    ids += [
                        r[0]
                        for r in self.conn.execute(
                            f"SELECT id FROM tasks WHERE id IN ({marks}) "
                            "AND status NOT IN ('completed', 'cancelled')",
                            below,
                        )
                    ]
            marks = ",".join("?" * len(ids))
            self.conn.execute(
                f"UPDATE tasks SET status = 'cancelled', updated_at = ?, completed_at = NULL, "
                f"version = version + 1 WHERE id IN ({marks})",
                [now_iso(), *ids],
            )
            dropped = 0
            if drop_artifacts:
                dropped = self.conn.execute(
                    f"DELETE FROM artifacts WHERE task_id IN ({marks})", ids
                ).rowcount
            self._event(
                "task.cancelled",
                workspace_id=row["workspace_id"],
                task_id=task_id,
                data={"ids": ids, "reason": reason, "artifacts_dropped": dropped},
            )
        return ids

    def count_capped(self, flt: TaskFilter, cap: int) -> int:
        """How many tasks match, counting at most ``cap``: an exact COUNT over a 100,000-task
        workspace costs more than the page itself."""
        where, params = self._where(flt)
        row = self.conn.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM tasks t WHERE {where} LIMIT ?)", [*params, cap]
        ).fetchone()
        return int(row[0])

    def recent_ready_tasks(
        self, workspace_id: str, *, limit: int = 20, scan: int = 500
    ) -> list[Task]:
        """:meth:`ready_tasks` among the ``scan`` newest open tasks only. On a huge store with
        few ready tasks the full version checks every open task (200 ms at 100,000); this one
        stays bounded, at the price of missing ready tasks in old, forgotten plans."""
        sql = (
            f"WITH cand AS (SELECT {_TASK_COLUMNS} FROM tasks WHERE workspace_id = ? "
            "AND archived = 0 AND status IN ('pending', 'needs_revision') "
            "ORDER BY created_at DESC, id DESC LIMIT ?) "
            "SELECT * FROM cand t WHERE NOT EXISTS (SELECT 1 FROM dependencies d "
            "JOIN tasks x ON x.id = d.depends_on_id WHERE d.task_id = t.id "
            "AND x.status != 'completed') "
            "AND NOT EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = t.id AND c.archived = 0 "
            "AND c.status NOT IN ('completed', 'cancelled')) "
            "ORDER BY t.created_at, t.position LIMIT ?"
        )
        rows = self.conn.execute(sql, (workspace_id, scan, limit)).fetchall()
        return self._tasks_from_rows(rows)


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in _TASK_COLUMNS.split(","))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _encode_cursor(created_at: str, task_id: str) -> str:
    raw = json.dumps([created_at, task_id]).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        created_at, task_id = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        return str(created_at), str(task_id)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidInput(
            "the cursor is not one this server returned; start again without a cursor"
        ) from None
