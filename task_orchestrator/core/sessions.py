"""Workspaces and sessions: which project, which client conversation."""

from __future__ import annotations

import os

from . import db
from .base import StoreBase
from .errors import NotFound
from .ids import new_id
from .models import (
    Session,
    Workspace,
    now_iso,
)
from .workspace import normalize_str


class SessionsMixin(StoreBase):
    def workspace(self, path: str | os.PathLike[str]) -> Workspace:
        """The workspace for an already-resolved project root, created on first use."""
        norm = normalize_str(path)
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
                        (ws_id, norm, os.path.basename(norm) or norm, now_iso()),
                    )
                    self._event("workspace.created", workspace_id=ws_id, data={"path": norm})
                    row = self.conn.execute(
                        "SELECT * FROM workspaces WHERE id = ?", (ws_id,)
                    ).fetchone()
        return Workspace.from_row(row)

    def workspaces(self) -> list[Workspace]:
        """Every workspace of the store, by name then path (the board's picker)."""
        rows = self.conn.execute("SELECT * FROM workspaces ORDER BY name, path").fetchall()
        return [Workspace.from_row(r) for r in rows]

    def workspace_at(self, path: str | os.PathLike[str]) -> Workspace | None:
        """The workspace recorded for a project root, or None; never creates one (the CLI's
        read commands must leave the store as they found it)."""
        row = self.conn.execute(
            "SELECT * FROM workspaces WHERE path = ?", (normalize_str(path),)
        ).fetchone()
        return None if row is None else Workspace.from_row(row)

    def get_workspace(self, workspace_id: str) -> Workspace:
        row = self.conn.execute("SELECT * FROM workspaces WHERE id = ?", (workspace_id,)).fetchone()
        if row is None:
            raise NotFound(f"no workspace {workspace_id!r}")
        return Workspace.from_row(row)

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
            self._activate(session_id, task_id)

    def _activate(self, session_id: str, task_id: str | None) -> None:
        """Make ``task_id`` the session's active task, inside the caller's transaction."""
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
