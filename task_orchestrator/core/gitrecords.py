"""The git facts of tasks in the store (schema v6): where a task's workspace stood at its
start and completion (``task_git``), its commits (``task_commits``) and the files its range
changed (``task_files``). When to record what is core/gitlink.py's rule; this is the SQL."""

from __future__ import annotations

from . import db
from .base import StoreBase
from .models import now_iso

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

    from .gitstate import Commit, FileChange

#: How a commit came to a task: its range ``start..HEAD`` at completion, or made during a
#: session while it was in progress (the PostToolUse hook of a Bash ``git commit``).
RANGE = "range"
SESSION = "session"

_GIT_FIELDS = (
    "started_for",
    "branch",
    "start_head",
    "start_dirty",
    "worktree",
    "start_state",
    "completed_for",
    "end_branch",
    "end_head",
    "end_dirty",
    "commits_cut",
    "files_cut",
    "note",
)


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


class GitMixin(StoreBase):
    def task_git(self, task_id: str) -> dict[str, Any] | None:
        """The task's git record (``task_git`` columns; dirty flags as booleans), or None."""
        row = self.conn.execute(
            f"SELECT {', '.join(_GIT_FIELDS)}, recorded_at FROM task_git WHERE task_id = ?",
            (task_id,),
        ).fetchone()
        if row is None:
            return None
        out = {k: row[k] for k in row.keys()}  # noqa: SIM118 (Row iterates values)
        for key in ("start_dirty", "end_dirty"):
            out[key] = None if out[key] is None else bool(out[key])
        for key in ("commits_cut", "files_cut"):
            out[key] = bool(out[key])
        return out

    def record_git_start(self, task_id: str, fields: dict[str, Any]) -> None:
        """The start columns of ``fields`` (``started_for`` and the state then); the task's
        completion columns are cleared: a task started again is not completed."""
        values = {
            "started_for": fields.get("started_for"),
            "branch": fields.get("branch"),
            "start_head": fields.get("start_head"),
            "start_dirty": _flag(fields.get("start_dirty")),
            "worktree": fields.get("worktree"),
            "start_state": fields.get("start_state") or "",
            "note": fields.get("note") or "",
        }
        with db.write(self.conn):
            self._get_row(task_id)
            self.conn.execute(
                "INSERT INTO task_git (task_id, started_for, branch, start_head, start_dirty, "
                "worktree, start_state, note, recorded_at) VALUES (?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(task_id) DO UPDATE SET started_for = excluded.started_for, "
                "branch = excluded.branch, start_head = excluded.start_head, "
                "start_dirty = excluded.start_dirty, worktree = excluded.worktree, "
                "start_state = excluded.start_state, note = excluded.note, "
                "completed_for = NULL, end_branch = NULL, end_head = NULL, end_dirty = NULL, "
                "recorded_at = excluded.recorded_at",
                (task_id, *values.values(), now_iso()),
            )

    def record_git_end(
        self,
        task_id: str,
        fields: dict[str, Any],
        commits: Sequence[Commit] | None,
        files: Sequence[FileChange] | None,
    ) -> None:
        """The completion: the end state in ``fields``, and, when git could list them, the
        range's commits and changed files, which replace those of an earlier completion
        (commits linked during the session stay)."""
        now = now_iso()
        with db.write(self.conn):
            self._get_row(task_id)
            self.conn.execute(
                "INSERT INTO task_git (task_id, worktree, recorded_at) VALUES (?,?,?) "
                "ON CONFLICT(task_id) DO NOTHING",
                (task_id, fields.get("worktree"), now),
            )
            self.conn.execute(
                "UPDATE task_git SET completed_for = ?, end_branch = ?, end_head = ?, "
                "end_dirty = ?, commits_cut = ?, files_cut = ?, note = ?, recorded_at = ? "
                "WHERE task_id = ?",
                (
                    fields.get("completed_for"),
                    fields.get("end_branch"),
                    fields.get("end_head"),
                    _flag(fields.get("end_dirty")),
                    int(bool(fields.get("commits_cut"))),
                    int(bool(fields.get("files_cut"))),
                    fields.get("note") or "",
                    now,
                    task_id,
                ),
            )
            if commits is not None:
                self.conn.execute(
                    "DELETE FROM task_commits WHERE task_id = ? AND source = ?", (task_id, RANGE)
                )
                self._insert_commits([task_id], commits, RANGE, fields.get("end_branch"), now)
            if files is not None:
                self.conn.execute("DELETE FROM task_files WHERE task_id = ?", (task_id,))
                self.conn.executemany(
                    "INSERT INTO task_files (task_id, path, added, deleted) VALUES (?,?,?,?) "
                    "ON CONFLICT (task_id, path) DO UPDATE SET added = excluded.added, "
                    "deleted = excluded.deleted",
                    [(task_id, f.path, f.added, f.deleted) for f in files],
                )

    def link_commit(
        self, task_ids: Iterable[str], commit: Commit, *, branch: str | None, source: str = SESSION
    ) -> list[str]:
        """Link ``commit`` to each task (a task that has it already keeps its link); returns
        the ids newly linked."""
        ids = list(dict.fromkeys(task_ids))
        with db.write(self.conn):
            for task_id in ids:
                self._get_row(task_id)
            have = {
                r[0]
                for r in self.conn.execute(
                    "SELECT task_id FROM task_commits WHERE sha = ?", (commit.sha,)
                )
            }
            new = [t for t in ids if t not in have]
            self._insert_commits(new, [commit], source, branch, now_iso())
            for task_id in new:
                self._event("task.commit", task_id=task_id, data={"sha": commit.sha})
        return new

    def _insert_commits(
        self,
        task_ids: Sequence[str],
        commits: Sequence[Commit],
        source: str,
        branch: str | None,
        now: str,
    ) -> None:
        self.conn.executemany(
            "INSERT INTO task_commits (task_id, sha, source, branch, author, "
            "committed_at, subject, linked_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [
                (t, c.sha, source, branch, c.author, c.committed_at, c.subject, now)
                for t in task_ids
                for c in commits
            ],
        )

    def task_commits(self, task_id: str, *, limit: int = 200) -> tuple[list[dict[str, Any]], int]:
        """The task's commits, newest first (by commit time), at most ``limit``; and how
        many it has."""
        total = self.conn.execute(
            "SELECT COUNT(*) FROM task_commits WHERE task_id = ?", (task_id,)
        ).fetchone()[0]
        rows = self.conn.execute(
            "SELECT sha, source, branch, author, committed_at, subject FROM task_commits "
            "WHERE task_id = ? ORDER BY committed_at DESC, linked_at DESC LIMIT ?",
            (task_id, limit),
        ).fetchall()
        return [{k: r[k] for k in r.keys()} for r in rows], int(total)  # noqa: SIM118

    def task_files(self, task_id: str, *, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
        """The files the task's range changed, by path, at most ``limit``; and how many."""
        total = self.conn.execute(
            "SELECT COUNT(*) FROM task_files WHERE task_id = ?", (task_id,)
        ).fetchone()[0]
        rows = self.conn.execute(
            "SELECT path, added, deleted FROM task_files WHERE task_id = ? ORDER BY path LIMIT ?",
            (task_id, limit),
        ).fetchall()
        return [{k: r[k] for k in r.keys()} for r in rows], int(total)  # noqa: SIM118

    def tasks_with_commit(self, prefix: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The links of commits whose sha starts with ``prefix`` (lowercase hex), oldest
        link first: which tasks produced them."""
        rows = self.conn.execute(
            "SELECT task_id, sha, source, branch, subject FROM task_commits "
            "WHERE sha >= ? AND sha < ? ORDER BY linked_at, task_id LIMIT ?",
            (prefix, prefix + "g", limit),
        ).fetchall()
        return [{k: r[k] for k in r.keys()} for r in rows]  # noqa: SIM118
