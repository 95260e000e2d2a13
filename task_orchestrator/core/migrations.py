"""Ordered schema migrations; ``PRAGMA user_version`` records the last one applied.

Never edit a migration that has shipped: add a new one. Every earlier version has an upgrade
test in tests/core/test_migrations.py.
"""

from __future__ import annotations

V1 = [
    """CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        client TEXT NOT NULL,
        external_id TEXT,
        status TEXT NOT NULL DEFAULT 'active',
        active_task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL,
        started_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        ended_at TEXT,
        outcome TEXT
    )""",
    "CREATE INDEX sessions_external ON sessions(client, external_id)",
    """CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        parent_id TEXT REFERENCES tasks(id) ON DELETE CASCADE,
        session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
        position INTEGER NOT NULL DEFAULT 0,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        task_type TEXT NOT NULL,
        complexity TEXT NOT NULL,
        specialist TEXT NOT NULL,
        estimated_effort TEXT,
        context TEXT NOT NULL DEFAULT '{}',
        summary TEXT,
        archived INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        started_at TEXT,
        completed_at TEXT,
        version INTEGER NOT NULL DEFAULT 1
    )""",
    "CREATE INDEX tasks_ws_status ON tasks(workspace_id, archived, status)",
    "CREATE INDEX tasks_ws_created ON tasks(workspace_id, created_at, id)",
    "CREATE INDEX tasks_parent ON tasks(parent_id, position)",
    """CREATE TABLE dependencies (
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        depends_on_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        PRIMARY KEY (task_id, depends_on_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX dependencies_reverse ON dependencies(depends_on_id)",
    """CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        artifact_type TEXT NOT NULL,
        summary TEXT NOT NULL,
        content TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        file_paths TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX artifacts_task ON artifacts(task_id)",
    # Append-only: nothing updates or deletes rows here except a hard delete of a workspace.
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        workspace_id TEXT,
        session_id TEXT,
        task_id TEXT,
        data TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX events_kind ON events(kind, id)",
    "CREATE INDEX events_task ON events(task_id, id)",
    """CREATE TABLE external_links (
        source TEXT NOT NULL,
        scope TEXT NOT NULL,
        external_id TEXT NOT NULL,
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (source, scope, external_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX external_links_task ON external_links(task_id)",
]

# v2: snapshots of a session's plan (PreCompact writes them, SessionStart reads them back),
# and a scratch table for reconnect tests that never touches real tasks.
V2 = [
    """CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT REFERENCES sessions(id) ON DELETE CASCADE,
        task_id TEXT REFERENCES tasks(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        reason TEXT NOT NULL,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX snapshots_session ON snapshots(session_id, id)",
    """CREATE TABLE scratch (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        written_at TEXT NOT NULL
    )""",
]

# v3: tasks of one status, newest first (in progress, blocked) without sorting the whole
# workspace: 48 ms -> under 1 ms for the in-progress list of a 100,000-task workspace.
V3 = [
    "CREATE INDEX tasks_ws_status_created ON tasks(workspace_id, archived, status, created_at, id)",
]

# v4: stale tasks (in progress, oldest change first) from an index instead of sorting every
# in-progress task: 1 ms -> 0.1 ms for SessionStart on the 10,000-task benchmark store. It
# replaces tasks_ws_status, which is a prefix of tasks_ws_status_created since v3.
V4 = [
    "DROP INDEX tasks_ws_status",
    "CREATE INDEX tasks_ws_status_updated ON tasks(workspace_id, archived, status, updated_at)",
]

# v5: the documents the tools wrote into a workspace, with the hash of what was written, so
# that a document is only ever rewritten when it is still exactly ours (core/documents.py).
V5 = [
    """CREATE TABLE documents (
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL,
        written_at TEXT NOT NULL,
        PRIMARY KEY (workspace_id, path)
    )""",
]

# v6: what git says about a task (core/gitlink.py): where its workspace stood when it started
# and when it completed, the commits made for it (its range start..HEAD at completion, and
# those linked as they were made in a session) and the files that range changed.
V6 = [
    """CREATE TABLE task_git (
        task_id TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
        started_for TEXT,
        branch TEXT,
        start_head TEXT,
        start_dirty INTEGER,
        worktree TEXT,
        start_state TEXT NOT NULL DEFAULT '',
        completed_for TEXT,
        end_branch TEXT,
        end_head TEXT,
        end_dirty INTEGER,
        commits_cut INTEGER NOT NULL DEFAULT 0,
        files_cut INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX task_git_branch ON task_git(branch)",
    "CREATE INDEX task_git_end_branch ON task_git(end_branch)",
    """CREATE TABLE task_commits (
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        sha TEXT NOT NULL,
        source TEXT NOT NULL,
        branch TEXT,
        author TEXT NOT NULL DEFAULT '',
        committed_at TEXT NOT NULL DEFAULT '',
        subject TEXT NOT NULL DEFAULT '',
        linked_at TEXT NOT NULL,
        PRIMARY KEY (task_id, sha)
    ) WITHOUT ROWID""",
    "CREATE INDEX task_commits_sha ON task_commits(sha)",
    "CREATE INDEX task_commits_branch ON task_commits(branch)",
    """CREATE TABLE task_files (
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        added INTEGER,
        deleted INTEGER,
        PRIMARY KEY (task_id, path)
    ) WITHOUT ROWID""",
]

MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, V1),
    (2, V2),
    (3, V3),
    (4, V4),
    (5, V5),
    (6, V6),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]
