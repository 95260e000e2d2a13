"""Queries, artifacts, events, sessions, external links, snapshots, integrity."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from task_orchestrator.core.enums import ArtifactType, Specialist, Status, TaskType
from task_orchestrator.core.errors import InvalidInput, NotFound
from task_orchestrator.core.models import MAX_ARTIFACT, NewTask, TaskFilter
from task_orchestrator.core.store import MAX_PAGE, TaskStore


def _seed(store: TaskStore, n: int, path: str = "/tmp/q") -> str:
    ws = store.workspace(path)
    store.create_tree(
        ws.id,
        NewTask(
            "Parent 100%",
            subtasks=[
                NewTask(
                    f"task {i}",
                    description="needle" if i % 3 == 0 else "hay",
                    specialist=Specialist.TESTER if i % 2 else Specialist.IMPLEMENTER,
                    task_type=TaskType.TESTING if i % 2 else TaskType.IMPLEMENTATION,
                )
                for i in range(n)
            ],
        ),
    )
    return ws.id


def test_cursor_pages_cover_everything_once(store: TaskStore) -> None:
    ws = _seed(store, 25)
    seen: list[str] = []
    cursor = None
    late = 0
    while True:
        page = store.query(TaskFilter(workspace_id=ws), limit=7, cursor=cursor, with_total=True)
        assert page.total == 26 + late
        seen += [t.id for t in page.tasks]
        cursor = page.next_cursor
        if cursor is None:
            break
        # A task created between pages must not shift what the next page returns.
        store.create_tree(ws, NewTask("late arrival"))
        late += 1
    assert len(seen) == len(set(seen)) == 26


def test_filters(store: TaskStore) -> None:
    ws = _seed(store, 12)
    _seed(store, 3, "/tmp/other")
    q = store.query
    assert len(q(TaskFilter(workspace_id=ws, text="needle"), limit=50).tasks) == 4
    assert len(q(TaskFilter(workspace_id=ws, specialists=[Specialist.TESTER]), limit=50).tasks) == 6
    assert len(q(TaskFilter(workspace_id=ws, task_types=[TaskType.TESTING]), limit=50).tasks) == 6
    assert [t.title for t in q(TaskFilter(workspace_id=ws, parent_id=""), limit=50).tasks] == [
        "Parent 100%"
    ]
    # LIKE wildcards in the search text are literal characters.
    assert len(q(TaskFilter(text="100%"), limit=50).tasks) == 2
    assert len(q(TaskFilter(text="_"), limit=50).tasks) == 0
    assert len(q(TaskFilter(statuses=[Status.PENDING]), limit=50).tasks) == 17
    first = q(TaskFilter(workspace_id=ws), limit=50).tasks
    newest = first[0].created_at
    assert q(TaskFilter(workspace_id=ws, created_after=newest), limit=50).tasks == []
    assert len(q(TaskFilter(workspace_id=ws), limit=5, offset=10).tasks) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, "limit must be between 1 and"),
        ({"limit": MAX_PAGE + 1}, "limit must be between 1 and"),
        ({"offset": -1}, "offset must not be negative"),
        ({"cursor": "not-a-cursor"}, "cursor is not one this server returned"),
        ({"cursor": "abc", "offset": 3}, "either a cursor or an offset"),
    ],
)
def test_bad_query_arguments(store: TaskStore, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        store.query(TaskFilter(), **kwargs)  # type: ignore[arg-type]


def test_artifacts_are_stored_once_and_summarized(store: TaskStore) -> None:
    ws = store.workspace("/tmp/a")
    (task,) = store.create_tree(ws.id, NewTask("t"))
    art = store.add_artifact(
        task.id,
        summary="wrote it",
        content="x" * 1000,
        artifact_type=ArtifactType.CODE,
        file_paths=["src/a.py"],
    )
    assert (art.size, art.file_paths, art.artifact_type) == (1000, ("src/a.py",), ArtifactType.CODE)
    assert store.artifact_content(art.id) == "x" * 1000
    with pytest.raises(InvalidInput, match="more than 500000"):
        store.add_artifact(task.id, summary="s", content="y" * (MAX_ARTIFACT + 1))
    with pytest.raises(NotFound):
        store.add_artifact("task_nothere1", summary="s", content="c")
    assert len(store.artifacts(task.id)) == 1


def test_sessions_resume_by_external_id(store: TaskStore) -> None:
    ws = store.workspace("/tmp/s")
    first, resumed = store.open_session(ws.id, "claude-code", "abc")
    assert not resumed
    again, resumed = store.open_session(ws.id, "claude-code", "abc")
    assert resumed and again.id == first.id
    other, resumed = store.open_session(ws.id, "claude-desktop")
    assert not resumed and other.id != first.id
    (task,) = store.create_tree(ws.id, NewTask("t"), session_id=first.id)
    store.set_active_task(first.id, task.id)
    assert store.get_session(first.id).active_task_id == task.id
    closed = store.close_session(first.id, "logout")
    assert (closed.status, closed.outcome) == ("closed", "logout")
    assert store.find_session("claude-code", "abc") == closed
    with pytest.raises(NotFound):
        store.close_session("sess_missing", "x")


def test_external_links_are_idempotent(store: TaskStore) -> None:
    ws = store.workspace("/tmp/l")
    (task,) = store.create_tree(ws.id, NewTask("t"))
    assert store.link_external("claude-code", "sess1", "1", task.id) is True
    assert store.link_external("claude-code", "sess1", "1", task.id) is False
    assert store.find_external("claude-code", "sess1", "1") == task.id
    assert store.find_external("claude-code", "sess2", "1") is None


def test_snapshots_and_scratch(store: TaskStore) -> None:
    ws = store.workspace("/tmp/n")
    sess, _ = store.open_session(ws.id, "claude-code", "x")
    store.save_snapshot(session_id=sess.id, task_id=None, reason="compact", body={"plan": 1})
    store.save_snapshot(session_id=sess.id, task_id=None, reason="compact", body={"plan": 2})
    assert store.latest_snapshot(sess.id) == {"plan": 2}
    assert store.scratch_roundtrip("k", "v") == "v"
    assert store.conn.execute("SELECT COUNT(*) FROM scratch").fetchone()[0] == 0


def test_integrity_finds_cycles_and_dangling_rows(store: TaskStore) -> None:
    ws = store.workspace("/tmp/i")
    _, a, b = store.create_tree(ws.id, NewTask("r", subtasks=[NewTask("a"), NewTask("b")]))
    assert store.integrity_problems(full=True) == []
    # Damage the store behind its back, as a buggy older version or a hand edit could.
    store.conn.execute("INSERT INTO dependencies VALUES (?, ?)", (a.id, b.id))
    store.conn.execute("INSERT INTO dependencies VALUES (?, ?)", (b.id, a.id))
    if store.engine == "sqlite":  # PostgreSQL cannot be told to let a reference dangle
        store.conn.execute("PRAGMA foreign_keys = OFF")
        store.conn.execute("INSERT INTO dependencies VALUES (?, 'task_gone1234')", (a.id,))
    problems = store.integrity_problems()
    assert any("dependency cycle" in p for p in problems)
    assert any("foreign key" in p for p in problems) == (store.engine == "sqlite")


def test_events_are_append_only_log_of_changes(store: TaskStore) -> None:
    ws = store.workspace("/tmp/e")
    (t,) = store.create_tree(ws.id, NewTask("t"))
    store.set_status(t.id, Status.IN_PROGRESS)
    store.record_event("server.restart", data={"ms": 3})
    kinds = [e["kind"] for e in store.events(limit=10)]
    assert kinds[:3] == ["server.restart", "task.status", "task.planned"]
    assert store.events(kind="task.status", limit=1)[0]["data"]["from_status"] == "pending"


def test_workspace_is_normalized_and_unique(store: TaskStore, tmp_path: object) -> None:
    a = store.workspace("/tmp/x/../x")
    b = store.workspace("/tmp/x")
    assert a == b and a.path == "/tmp/x" and a.name == "x"
    with pytest.raises(NotFound):
        store.get_workspace("ws_nope")


@pytest.mark.sqlite_only
def test_raw_connection_settings(store: TaskStore) -> None:
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert isinstance(conn, sqlite3.Connection)


def test_postgres_urls_are_shown_without_their_password() -> None:
    from task_orchestrator.core.pg import redact

    assert redact("postgresql://bob:s3cret@db:5433/t") == "postgresql://bob:***@db:5433/t"
    assert redact("postgresql://db/t?password=s3cret&sslmode=require") == (
        "postgresql://db/t?password=***&sslmode=require"
    )
    assert redact("postgresql://bob@/t?host=/tmp/x") == "postgresql://bob@/t?host=/tmp/x"


def test_an_unreachable_postgres_store_is_a_clear_error(tmp_path: Path) -> None:
    from task_orchestrator.core.errors import StoreUnavailable

    url = f"postgresql://nobody:pw@/none?host={tmp_path}&port=1"
    with pytest.raises(StoreUnavailable, match=r"cannot be opened .*PostgreSQL server") as err:
        TaskStore.open(url)
    assert "pw" not in str(err.value)


def test_snapshot_ids_are_the_snapshots_own(store: TaskStore) -> None:
    """Not the id of the event recorded with it (PostgreSQL's lastval() would give that)."""
    ws = store.workspace("/tmp/snap")
    sess, _ = store.open_session(ws.id, "test")
    first = store.save_snapshot(session_id=sess.id, task_id=None, reason="a", body={"n": 1})
    second = store.save_snapshot(session_id=sess.id, task_id=None, reason="b", body={"n": 2})
    rows = store.conn.execute("SELECT id, reason FROM snapshots ORDER BY id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(first, "a"), (second, "b")]


def test_a_postgres_store_without_the_driver_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The standalone binary and a plain install carry no psycopg: a PostgreSQL url is a
    clear error naming the extra, not an ImportError traceback."""
    import sys

    from task_orchestrator.core.errors import StoreUnavailable

    for name in [m for m in sys.modules if m == "psycopg" or m.startswith("psycopg.")]:
        monkeypatch.delitem(sys.modules, name)
    import task_orchestrator.core

    monkeypatch.delitem(sys.modules, "task_orchestrator.core.pg", raising=False)
    monkeypatch.delattr(task_orchestrator.core, "pg", raising=False)
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StoreUnavailable, match=r"postgres extra"):
        TaskStore.open("postgresql://bob:pw@db/tasks")
