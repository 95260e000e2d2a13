"""Workspaces and sessions: which project, which client conversation."""

from __future__ import annotations

import os

from . import actor, db, teamkey
from .base import StoreBase
from .errors import InvalidInput, NotFound, shown
from .ids import new_id
from .models import (
    MAX_PATH_CHARS,
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

    def workspace_at(
        self, machine: str | os.PathLike[str], path: str | None = None
    ) -> Workspace | None:
        """Never creates anything (the CLI's read commands leave the store as they found it).

        ``workspace_at(machine, path)``: the workspace whose recorded folder on ``machine``
        (table workspace_paths) is ``path`` or its nearest parent, or None; this is how a
        team server finds the workspace of a folder a member's client names.

        ``workspace_at(root)``: the workspace of this machine's project root ``root``: on
        SQLite the one stored at that path; on PostgreSQL the one recorded for this machine
        at ``root`` (or a parent), else the one named by ``root``'s key.
        """
        if path is None:
            root = normalize_str(machine)
            if self.engine == "sqlite":
                row = self.conn.execute(
                    "SELECT * FROM workspaces WHERE path = ?", (root,)
                ).fetchone()
                return None if row is None else Workspace.from_row(row)
            here = actor.local().machine
            found = self.workspace_at(here, root)
            if found is not None:
                return found
            row = self.conn.execute(
                "SELECT * FROM workspaces WHERE path = ?", (teamkey.workspace_key(root, here),)
            ).fetchone()
            return None if row is None else Workspace.from_row(row)
        folders = folder_and_parents(path)
        if not folders:
            return None
        marks = ",".join("?" * len(folders))
        row = self.conn.execute(
            "SELECT w.id, w.path, w.name, w.created_at FROM workspace_paths p "
            f"JOIN workspaces w ON w.id = p.workspace_id WHERE p.machine = ? "
            f"AND p.path IN ({marks}) ORDER BY LENGTH(p.path) DESC LIMIT 1",
            [os.fspath(machine), *folders],
        ).fetchone()
        return None if row is None else Workspace.from_row(row)

    def workspace_by_key(self, key: str, *, machine: str, path: str) -> Workspace:
        """The workspace named ``key`` (a team key, core/teamkey.py), created on first use,
        and the record that ``machine`` has it checked out at ``path``. Bad input is
        refused before anything is written."""
        key = check_key(key)
        machine = check_machine(machine)
        path = check_folder(path)
        row = self.conn.execute("SELECT * FROM workspaces WHERE path = ?", (key,)).fetchone()
        if row is not None:
            recorded = self.conn.execute(
                "SELECT workspace_id FROM workspace_paths WHERE machine = ? AND path = ?",
                (machine, path),
            ).fetchone()
            if recorded is not None and recorded[0] == row["id"]:
                return Workspace.from_row(row)  # the usual case: no write
        with db.write(self.conn):
            row = self.conn.execute("SELECT * FROM workspaces WHERE path = ?", (key,)).fetchone()
            now = now_iso()
            if row is None:
                ws_id = new_id("ws")
                self.conn.execute(
                    "INSERT INTO workspaces (id, path, name, created_at) VALUES (?,?,?,?)",
                    (ws_id, key, key_name(key), now),
                )
                self._event(
                    "workspace.created",
                    workspace_id=ws_id,
                    data={"path": key, "machine": machine, "folder": path},
                )
                row = self.conn.execute(
                    "SELECT * FROM workspaces WHERE id = ?", (ws_id,)
                ).fetchone()
            # A folder whose remote changed now names the other workspace.
            self.conn.execute(
                "INSERT INTO workspace_paths (workspace_id, machine, path, recorded_at) "
                "VALUES (?,?,?,?) ON CONFLICT (machine, path) DO UPDATE SET "
                "workspace_id = excluded.workspace_id, recorded_at = excluded.recorded_at",
                (row["id"], machine, path, now),
            )
        return Workspace.from_row(row)

    def workspace_for_root(self, root: str | os.PathLike[str]) -> Workspace:
        """The workspace of this machine's project root ``root`` (as find_workspace
        returns it), created on first use: what every local caller uses. On SQLite exactly
        :meth:`workspace`; on a PostgreSQL (team) store the workspace named by the root's
        key (its remote, else ``MACHINE:PATH``), recording where this machine has it."""
        if self.engine == "sqlite":
            return self.workspace(root)
        norm = normalize_str(root)
        machine = actor.local().machine
        return self.workspace_by_key(
            teamkey.workspace_key(norm, machine), machine=machine, path=norm
        )

    def local_folder(self, workspace: Workspace) -> str | None:
        """Where ``workspace`` is on this machine: its path on SQLite; on PostgreSQL, where
        its row holds a key, the folder recorded for this machine, or None when this machine
        never named it (a caller that must touch files says so, or skips git)."""
        if self.engine == "sqlite":
            return workspace.path
        row = self.conn.execute(
            "SELECT path FROM workspace_paths WHERE workspace_id = ? AND machine = ? "
            "ORDER BY recorded_at DESC LIMIT 1",
            (workspace.id, actor.local().machine),
        ).fetchone()
        if row is not None:
            return str(row[0])
        # A row made by :meth:`workspace` (a store from before v7, a test) holds a folder;
        # a key never starts with "/" (host/path, or MACHINE:PATH).
        return workspace.path if os.path.isabs(workspace.path) else None

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


def check_key(key: object) -> str:
    """A workspace key as stored: printable text, 1 to MAX_PATH_CHARS characters."""
    if (
        not isinstance(key, str)
        or not key.strip()
        or len(key) > MAX_PATH_CHARS
        or not key.isprintable()
    ):
        raise InvalidInput(
            f"workspace key {shown(key)} is not valid: a repository's remote such as "
            "'github.com/acme/app', or MACHINE:PATH"
        )
    return key.strip()


def check_machine(machine: object) -> str:
    """A machine name as stored (core/actor.py ``clean``); refused when nothing is left."""
    cleaned = actor.clean(machine) if isinstance(machine, str) else ""
    if not cleaned:
        raise InvalidInput(f"machine name {shown(machine)} is not valid: give the host's name")
    return cleaned


def check_folder(path: object) -> str:
    """Another machine's absolute folder, kept as given (it cannot be resolved here) less a
    trailing separator; POSIX or Windows (a drive letter)."""
    ok = isinstance(path, str) and 0 < len(path) <= MAX_PATH_CHARS and path.isprintable()
    text = path if isinstance(path, str) else ""
    windows = len(text) > 2 and text[1] == ":" and text[2] in "/\\"
    if not ok or not (text.startswith("/") or windows):
        raise InvalidInput(
            f"folder {shown(path)} is not valid: give the workspace's absolute folder on "
            "that machine"
        )
    stripped = text.rstrip("/\\")
    if not stripped or (windows and len(stripped) == 2):
        return text[: 3 if windows else 1]
    return stripped


def folder_and_parents(path: str) -> list[str]:
    """``path`` and every folder above it, nearest first (Windows paths split on both
    separators); [] for a folder :func:`check_folder` refuses."""
    try:
        folder = check_folder(path)
    except InvalidInput:
        return []
    windows = folder[1:2] == ":"
    out = [folder]
    while True:
        cut = max(folder.rfind("/"), folder.rfind("\\")) if windows else folder.rfind("/")
        if cut <= (2 if windows else 0):
            top = folder[:3] if windows else "/"
            if top != out[-1]:
                out.append(top)
            return out
        folder = folder[:cut]
        out.append(folder)


def key_name(key: str) -> str:
    """A workspace's short name from its key: the last part of the remote or folder."""
    tail = key.rstrip("/\\")
    cut = max(tail.rfind("/"), tail.rfind("\\"), tail.rfind(":"))
    return tail[cut + 1 :] or key
