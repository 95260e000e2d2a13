"""Artifacts, the event log, external links, plan snapshots and the scratch table."""

from __future__ import annotations

from . import db, fastjson
from .base import StoreBase
from .enums import (
    ArtifactType,
    Status,
)
from .errors import InvalidInput, InvalidTransition, NotFound, shown
from .ids import new_id
from .models import (
    MAX_ARTIFACT,
    MAX_FILE_PATHS,
    MAX_PATH_CHARS,
    MAX_SUMMARY,
    Artifact,
    Task,
    now_iso,
)
from .transitions import check_transition, coerce_status

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


# An upsert, not INSERT OR REPLACE: PostgreSQL has only this, and SQLite has both.
_SET_SCRATCH = (
    "INSERT INTO scratch (key, value, written_at) VALUES (?,?,?) ON CONFLICT (key) "
    "DO UPDATE SET value = excluded.value, written_at = excluded.written_at"
)


class RecordsMixin(StoreBase):
    def add_artifact(
        self,
        task_id: str,
        *,
        summary: str,
        content: str,
        artifact_type: ArtifactType = ArtifactType.GENERAL,
        file_paths: Sequence[str] = (),
        workspace_id: str | None = None,
    ) -> Artifact:
        _check_work(summary, content, file_paths)
        with db.write(self.conn):
            row = self._get_row(task_id, workspace_id)
            art_id = self._insert_artifact(
                task_id, summary, content, artifact_type, file_paths, now_iso()
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
                file_paths=tuple(fastjson.loads(r["file_paths"])),
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
        where = " AND ".join(clauses) or "1 = 1"
        rows = self.conn.execute(
            f"SELECT * FROM events WHERE {where} ORDER BY id DESC LIMIT ?", [*params, limit]
        ).fetchall()
        return [{**dict(r), "data": fastjson.loads(r["data"])} for r in rows]

    def link_external(self, source: str, scope: str, external_id: str, task_id: str) -> bool:
        """Link an outside id (e.g. Claude Code's task "3" in session S) to our task.
        Returns False when the link already existed (repeated events are idempotent)."""
        with db.write(self.conn):
            self._get_row(task_id)
            cur = self.conn.execute(
                "INSERT INTO external_links (source, scope, external_id, task_id, "
                "created_at) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
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
                (session_id, task_id, now_iso(), reason, fastjson.dumps(body, ensure_ascii=False)),
            )
            # Before the event's INSERT: on PostgreSQL lastrowid is the session's last id.
            snapshot_id = int(cur.lastrowid or 0)
            self._event(
                "snapshot.saved", session_id=session_id, task_id=task_id, data={"reason": reason}
            )
            return snapshot_id

    def latest_snapshot(self, session_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT body FROM snapshots WHERE session_id = ? ORDER BY id DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        return None if row is None else dict(fastjson.loads(row["body"]))

    def document_hash(self, workspace_id: str, path: str) -> str | None:
        """The SHA-256 of what we last wrote to ``path`` (relative, ``/``-separated) in the
        workspace, or None when we never wrote it."""
        row = self.conn.execute(
            "SELECT sha256 FROM documents WHERE workspace_id = ? AND path = ?",
            (workspace_id, path),
        ).fetchone()
        return None if row is None else str(row[0])

    def record_document(
        self, workspace_id: str, path: str, sha256: str, *, task_id: str | None = None
    ) -> None:
        with db.write(self.conn):
            self.conn.execute(
                "INSERT INTO documents (workspace_id, path, sha256, task_id, written_at) "
                "VALUES (?,?,?,?,?) ON CONFLICT (workspace_id, path) DO UPDATE SET "
                "sha256 = excluded.sha256, task_id = excluded.task_id, "
                "written_at = excluded.written_at",
                (workspace_id, path, sha256, task_id, now_iso()),
            )
            self._event(
                "document.written",
                workspace_id=workspace_id,
                task_id=task_id,
                data={"path": path, "sha256": sha256},
            )

    def get_mark(self, key: str) -> str | None:
        """A small value the program keeps for itself in the scratch table, which no task
        query reads (the hooks' spool replay keeps its progress there)."""
        row = self.conn.execute("SELECT value FROM scratch WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_mark(self, key: str, value: str) -> None:
        """Set a mark; inside a caller's transaction it commits with that transaction,
        which is what makes the spool replay's progress exact."""
        with db.write(self.conn):
            self.conn.execute(
                _SET_SCRATCH,
                (key, value, now_iso()),
            )

    def drop_marks(self, prefix: str, *, keep: Sequence[str] = ()) -> int:
        """Delete the marks whose key starts with ``prefix``, except those in ``keep``;
        returns how many went."""
        marks = ",".join("?" * len(keep))
        with db.write(self.conn):
            cur = self.conn.execute(
                "DELETE FROM scratch WHERE substr(key, 1, ?) = ?"
                + (f" AND key NOT IN ({marks})" if keep else ""),
                [len(prefix), prefix, *keep],
            )
        return int(cur.rowcount)

    def scratch_roundtrip(self, key: str, value: str) -> str:
        """Write then read back a value in a table no task query looks at; used by the
        reconnect test so that checking the store never touches real tasks."""
        with db.write(self.conn):
            self.conn.execute(
                _SET_SCRATCH,
                (key, value, now_iso()),
            )
        row = self.conn.execute("SELECT value FROM scratch WHERE key = ?", (key,)).fetchone()
        with db.write(self.conn):
            self.conn.execute("DELETE FROM scratch WHERE key = ?", (key,))
        return str(row["value"])

    def record_work(
        self,
        task_id: str,
        *,
        status: Status,
        summary: str,
        content: str,
        artifact_type: ArtifactType = ArtifactType.GENERAL,
        file_paths: Sequence[str] = (),
        workspace_id: str | None = None,
    ) -> tuple[Task, Artifact]:
        """Store a piece of work as an artifact and move the task to ``status`` in one
        transaction: a refused transition leaves no orphan artifact behind. Completing a
        task with unfinished subtasks is refused (core/rules.py)."""
        _check_work(summary, content, file_paths)
        new = coerce_status(status)
        with db.write(self.conn):
            row = self._get_row(task_id, workspace_id)
            old = Status(row["status"])
            check_transition(task_id, old, new, False)
            if new == Status.COMPLETED:
                unfinished = self._unfinished_children(task_id)
                if unfinished:
                    raise InvalidTransition(
                        f"task {task_id} has {unfinished} unfinished subtasks; complete or "
                        "cancel them first",
                        fix="subtasks_first",
                        task_id=task_id,
                    )
            art_id = self._insert_artifact(
                task_id, summary, content, artifact_type, file_paths, now_iso()
            )
            self._move(row, new, columns={"summary": summary}, data={"artifact_id": art_id})
        art = next(a for a in self.artifacts(task_id) if a.id == art_id)
        return self._task_from_row(self._get_row(task_id)), art

    def _insert_artifact(
        self,
        task_id: str,
        summary: str,
        content: str,
        artifact_type: ArtifactType,
        file_paths: Sequence[str],
        now: str,
    ) -> str:
        """One artifact row, inside the caller's transaction; returns its id."""
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
                _sha256(content),
                fastjson.dumps(list(file_paths), ensure_ascii=False),
                now,
            ),
        )
        return art_id


def _check_work(summary: str, content: str, file_paths: Sequence[str] = ()) -> None:
    """One artifact's limits: the file paths count toward the same cap as the text, so no
    artifact, whatever its parts, holds more than :data:`MAX_ARTIFACT` characters."""
    if len(file_paths) > MAX_FILE_PATHS:
        raise InvalidInput(
            f"{len(file_paths)} file paths, more than {MAX_FILE_PATHS}; list the folders instead"
        )
    for path in file_paths:
        if not isinstance(path, str) or not path or len(path) > MAX_PATH_CHARS:
            raise InvalidInput(
                f"file path {shown(path)} is not a path of 1 to {MAX_PATH_CHARS} characters"
            )
    size = len(content) + sum(len(p) for p in file_paths)
    if size > MAX_ARTIFACT:
        raise InvalidInput(
            f"the detailed work and file paths have {size} characters, more than "
            f"{MAX_ARTIFACT}; store the bulk in files and pass their paths"
        )
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"the summary is longer than {MAX_SUMMARY} characters")


def _sha256(text: str) -> str:
    import hashlib  # here, not at the top: it loads OpenSSL, which hooks never need

    return hashlib.sha256(text.encode("utf-8")).hexdigest()
