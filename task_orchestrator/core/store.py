"""The task store: every read and write of tasks goes through :class:`TaskStore`.

All SQL lives in this package. Each public write is one ``BEGIN IMMEDIATE`` transaction that
validates first and either applies everything or nothing; each records an event. The class is
assembled from mixins so that each file stays readable: sessions.py (workspaces and
sessions), records.py (artifacts, events, links, snapshots), views.py (counts, ready and
blocked tasks, integrity); this file holds the tasks themselves.
"""

from __future__ import annotations

from . import db, fastjson
from .base import CHANGED_SET, TASK_COLUMNS, prefixed
from .enums import (
    TERMINAL,
    Complexity,
    Specialist,
    Status,
    TaskType,
)
from .errors import InvalidInput, InvalidTransition, NotFound, VersionConflict, shown
from .gitrecords import GitMixin
from .ids import new_id
from .models import (
    MAX_SUMMARY,
    NewTask,
    Page,
    Task,
    TaskFilter,
    now_iso,
)
from .plan import check_context, check_text, flatten
from .records import RecordsMixin
from .rules import unfinished_sql
from .sessions import SessionsMixin
from .store_team import TeamMixin
from .transitions import check_transition, coerce_status, status_columns
from .views import ViewsMixin

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable, Sequence
    from typing import Any


MAX_PAGE = 200
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


class TaskStore(SessionsMixin, RecordsMixin, ViewsMixin, GitMixin, TeamMixin):
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
            ids = self._insert_tree(workspace_id, root, parent_id, session_id)
        return self.get_tasks(ids)

    def create_linked(
        self,
        workspace_id: str,
        task: NewTask,
        *,
        parent_id: str | None = None,
        session_id: str | None = None,
        link: tuple[str, str, str] | None = None,
        activate: bool = False,
        if_no_active: bool = False,
    ) -> tuple[Task, bool]:
        """Create ``task`` (and its subtasks) unless another process already did what it
        stands for; returns the task and whether it was created here.

        For a task that mirrors something outside (a Claude Code task, a prompt) or becomes
        the one parent of a session, two processes handling the same event may race. Both
        checks and the insert run in one ``BEGIN IMMEDIATE`` transaction, so the loser never
        creates anything, and returns the winner's task:

        - ``link``: ``(source, scope, external_id)`` of :meth:`link_external`; when that id
          is linked already, the linked task is returned.
        - ``if_no_active``: only when session ``session_id`` has no active task (or only an
          archived or deleted one); otherwise that active task is returned.
        - ``activate``: the new task becomes the session's active task.
        """
        if (activate or if_no_active) and session_id is None:
            raise InvalidInput("activate and if_no_active need a session_id")
        self.get_workspace(workspace_id)
        with db.write(self.conn):
            if link is not None:
                existing = self.find_external(*link)
                if existing is not None:
                    return self.get_task(existing), False
            if activate or if_no_active:
                row = self.conn.execute(
                    "SELECT s.id, t.id FROM sessions s LEFT JOIN tasks t "
                    "ON t.id = s.active_task_id AND t.archived = 0 WHERE s.id = ?",
                    (session_id,),
                ).fetchone()
                if row is None:
                    raise NotFound(f"no session {session_id!r}")
                if if_no_active and row[1] is not None:
                    return self.get_task(row[1]), False
            task_id = self._insert_tree(workspace_id, task, parent_id, session_id)[0]
            if link is not None:
                self.link_external(*link, task_id)  # a savepoint inside this transaction
            if activate or if_no_active:
                self._activate(str(session_id), task_id)
        return self.get_task(task_id), True

    def _insert_tree(
        self, workspace_id: str, root: NewTask, parent_id: str | None, session_id: str | None
    ) -> list[str]:
        """The rows of :meth:`create_tree`, inside the caller's transaction; their ids."""
        parent_position = 0
        lineage: set[str] = set()
        if parent_id is not None:
            parent = self._get_row(parent_id, workspace_id)
            lineage = {parent_id, *self._ancestor_ids(parent_id)}
            if parent["archived"]:
                raise InvalidInput(f"parent task {parent_id} is archived")
            if Status(parent["status"]) in TERMINAL:
                raise InvalidInput(
                    f"parent task {parent_id} is {parent['status']}; reopen it before "
                    "planning under it",
                    fix="reopen",
                    task_id=parent_id,
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
        for node in nodes:
            looped = lineage.intersection(node.deps_existing)
            if looped:
                raise InvalidInput(
                    f"task {node.spec.title!r} would depend on {sorted(looped)[0]}, which it "
                    "is planned under; a parent is finished by its subtasks, so neither "
                    "could ever finish. Depend on a sibling or on work outside this plan"
                )
        ids = [new_id("task") for _ in nodes]
        now = now_iso()
        who = self._changed()
        for node in nodes:
            spec = node.spec
            parent_ref = parent_id if node.parent is None else ids[node.parent]
            self.conn.execute(
                f"INSERT INTO tasks ({TASK_COLUMNS}) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,0,?,?,?,?,1,?,?,?,?)",
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
                    fastjson.dumps(spec.context, ensure_ascii=False, sort_keys=True),
                    now,
                    now,
                    now if spec.status == Status.IN_PROGRESS else None,
                    now if spec.status == Status.COMPLETED else None,
                    *who,
                    *who,
                ),
            )
        deps = [
            (ids[node.index], target)
            for node in nodes
            for target in [ids[i] for i in node.deps_new] + node.deps_existing
        ]
        self.conn.executemany(
            "INSERT INTO dependencies (task_id, depends_on_id) VALUES (?,?) ON CONFLICT DO NOTHING",
            deps,
        )
        self._event(
            "task.planned",
            workspace_id=workspace_id,
            session_id=session_id,
            task_id=ids[0],
            data={"parent_id": parent_id, "tasks": len(ids), "dependencies": len(deps)},
        )
        return ids

    def get_task(self, task_id: str, *, workspace_id: str | None = None) -> Task:
        """One task; with ``workspace_id``, only a task of that workspace."""
        return self._task_from_row(self._get_row(task_id, workspace_id))

    def get_tasks(self, task_ids: Sequence[str]) -> list[Task]:
        """Tasks in the order of ``task_ids``; unknown ids are an error."""
        if not task_ids:
            return []
        marks = ",".join("?" * len(task_ids))
        rows = {
            r["id"]: r
            for r in self.conn.execute(
                f"SELECT {TASK_COLUMNS} FROM tasks WHERE id IN ({marks})", list(task_ids)
            )
        }
        missing = [t for t in task_ids if t not in rows]
        if missing:
            raise NotFound(f"no task {missing[0]!r}")
        deps = self._deps_for(list(task_ids))
        return [Task.from_row(rows[t], tuple(deps.get(t, ()))) for t in task_ids]

    def children(self, task_id: str, *, include_archived: bool = False) -> list[Task]:
        rows = self.conn.execute(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE parent_id = ? "
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
            f"SELECT {prefixed('t')} FROM tasks t WHERE {page_where} "
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
            like = self.sql.like
            clauses.append(f"(t.title {like} ? ESCAPE '\\' OR t.description {like} ? ESCAPE '\\')")
            params += [pattern, pattern]
        if flt.created_after:
            clauses.append("t.created_at > ?")
            params.append(flt.created_after)
        if flt.created_before:
            clauses.append("t.created_at < ?")
            params.append(flt.created_before)
        if flt.branch:
            # Started or completed on the branch, or holding a commit made on it.
            clauses.append(
                "(EXISTS (SELECT 1 FROM task_git g WHERE g.task_id = t.id "
                "AND (g.branch = ? OR g.end_branch = ?)) OR EXISTS (SELECT 1 FROM "
                "task_commits c WHERE c.task_id = t.id AND c.branch = ?))"
            )
            params += [flt.branch] * 3
        if flt.commit:
            # A sha prefix as a range, so the sha index answers it.
            clauses.append(
                "EXISTS (SELECT 1 FROM task_commits c WHERE c.task_id = t.id "
                "AND c.sha >= ? AND c.sha < ?)"
            )
            params += [flt.commit, flt.commit + "g"]
        return (" AND ".join(clauses) or "1 = 1"), params

    def in_progress(self, workspace_id: str | None = None, *, limit: int = 20) -> list[Task]:
        return self.query(
            TaskFilter(workspace_id=workspace_id, statuses=[Status.IN_PROGRESS]), limit=limit
        ).tasks

    def update_task(
        self,
        task_id: str,
        *,
        workspace_id: str | None = None,
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
            row = self._get_row(task_id, workspace_id)
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
                merged = fastjson.loads(row["context"])
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
                new_status = coerce_status(status)
                check_transition(task_id, old_status, new_status, reopen)
                sets.update(status_columns(row, new_status, now))
            if add_deps or remove_deps:
                self._change_dependencies(row, add_deps, remove_deps)
            if not sets and not add_deps and not remove_deps:
                return self._task_from_row(row)
            sets["updated_at"] = now
            assignments = ", ".join(f"{k} = ?" for k in sets)
            self.conn.execute(
                f"UPDATE tasks SET {assignments}, {CHANGED_SET} WHERE id = ?",
                [
                    *[str(v) if isinstance(v, Status) else v for v in sets.values()],
                    *self._changed(),
                    task_id,
                ],
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

    def start_task(self, task_id: str, *, workspace_id: str | None = None) -> Task:
        """Mark a task in progress if it may start (core/rules.py): not finished, every
        dependency completed, no unfinished subtask. One transaction; a refusal names what
        stands in the way and writes nothing."""
        with db.write(self.conn):
            row = self._get_row(task_id, workspace_id)
            status = Status(row["status"])
            if status in TERMINAL:
                raise InvalidTransition(
                    f"task {task_id} is {status}; reopen it to work on it again",
                    fix="reopen",
                    task_id=task_id,
                )
            waiting = self.blockers(task_id)
            if waiting:
                names = "; ".join(f"{b.id} {shown(b.title, 60)} ({b.status})" for b in waiting[:10])
                raise InvalidTransition(
                    f"task {task_id} waits for {len(waiting)} unfinished dependencies: {names}",
                    fix="dependencies_first",
                    task_id=task_id,
                )
            unfinished = self._unfinished_children(task_id)
            if unfinished:
                raise InvalidTransition(
                    f"task {task_id} has {unfinished} unfinished subtasks, which are its work",
                    fix="subtasks_first",
                    task_id=task_id,
                )
            if status == Status.IN_PROGRESS:
                return self._task_from_row(row)
            self._move(row, Status.IN_PROGRESS)
        return self.get_task(task_id)

    def archive_task(self, task_id: str, *, workspace_id: str | None = None) -> list[str]:
        """Archive a task and everything under it; returns the ids archived."""
        with db.write(self.conn):
            row = self._get_row(task_id, workspace_id)
            ids = [task_id, *self._descendant_ids(task_id)]
            marks = ",".join("?" * len(ids))
            now = now_iso()
            self.conn.execute(
                f"UPDATE tasks SET archived = 1, updated_at = ?, {CHANGED_SET} "
                f"WHERE id IN ({marks}) AND archived = 0",
                [now, *self._changed(), *ids],
            )
            self._event(
                "task.archived",
                workspace_id=row["workspace_id"],
                task_id=task_id,
                data={"count": len(ids)},
            )
        return ids

    def delete_task(
        self, task_id: str, *, force: bool = False, workspace_id: str | None = None
    ) -> list[str]:
        """Hard-delete a task (and, with ``force``, its subtasks); returns the ids deleted.
        Tasks that depended on it lose that dependency."""
        with db.write(self.conn):
            row = self._get_row(task_id, workspace_id)
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

    def _check_version(self, row: sqlite3.Row, expected: int | None) -> None:
        if expected is not None and expected != row["version"]:
            raise VersionConflict(
                f"task {row['id']} is at version {row['version']}, not {expected}: someone "
                "changed it meanwhile; read it again and reapply your change"
            )

    @staticmethod
    def _coerce(key: str, value: Any) -> Any:
        kind: Any = _UPDATABLE[key]
        if kind is str:
            if not isinstance(value, str):
                raise InvalidInput(f"{key} must be a string")
            return value
        try:
            return kind(value).value
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            raise InvalidInput(f"{key} {value!r} is not one of: {allowed}") from None

    def _change_dependencies(self, row: sqlite3.Row, add: list[str], remove: list[str]) -> None:
        task_id = row["id"]
        lineage: set[str] | None = None
        for dep in add:
            dep_row = self._get_row(dep)
            if dep_row["workspace_id"] != row["workspace_id"]:
                raise InvalidInput(f"dependency {dep} belongs to another workspace")
            if dep == task_id:
                raise InvalidInput(f"task {task_id} cannot depend on itself")
            if lineage is None:
                lineage = set(self._ancestor_ids(task_id)) | set(self._descendant_ids(task_id))
            if dep in lineage:
                raise InvalidInput(
                    f"task {task_id} cannot depend on {dep}: one is planned under the other, and "
                    "a parent is finished by its subtasks, so neither could ever finish"
                )
        self.conn.executemany(
            "DELETE FROM dependencies WHERE task_id = ? AND depends_on_id = ?",
            [(task_id, d) for d in remove],
        )
        self.conn.executemany(
            "INSERT INTO dependencies (task_id, depends_on_id) VALUES (?,?) ON CONFLICT DO NOTHING",
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
            f"WITH RECURSIVE reach(id) AS ({self.sql.json_values} "
            "UNION SELECT d.depends_on_id FROM reach JOIN dependencies d ON d.task_id = reach.id)"
            " SELECT 1 FROM reach WHERE id = ? LIMIT 1",
            [fastjson.dumps(starts), target],
        ).fetchone()
        return row is not None

    def cancel_tree(
        self,
        task_id: str,
        *,
        reason: str,
        cascade: bool = True,
        drop_artifacts: bool = False,
        workspace_id: str | None = None,
    ) -> list[str]:
        """Cancel a task and, with ``cascade``, its unfinished descendants, in one
        transaction; returns the ids cancelled. ``drop_artifacts`` also deletes their stored
        work. Completed subtasks keep their status and their work."""
        with db.write(self.conn):
            row = self._get_row(task_id, workspace_id)
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
                            f"AND {unfinished_sql('tasks')}",
                            below,
                        )
                    ]
            marks = ",".join("?" * len(ids))
            self.conn.execute(
                f"UPDATE tasks SET status = 'cancelled', updated_at = ?, completed_at = NULL, "
                f"{CHANGED_SET} WHERE id IN ({marks})",
                [now_iso(), *self._changed(), *ids],
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
            f"SELECT COUNT(*) FROM (SELECT 1 FROM tasks t WHERE {where} LIMIT ?) capped",
            [*params, cap],
        ).fetchone()
        return int(row[0])


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _encode_cursor(created_at: str, task_id: str) -> str:
    # Hex, not base64: base64 imports re and struct (about 9 ms), and every query that pages
    # makes a cursor, SessionStart's overview of a big store included.
    return fastjson.dumps([created_at, task_id]).encode("utf-8").hex()


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        created_at, task_id = fastjson.loads(bytes.fromhex(cursor).decode("utf-8"))
        return str(created_at), str(task_id)
    except (ValueError, TypeError):
        raise InvalidInput(
            "the cursor is not one this server returned; start again without a cursor"
        ) from None
