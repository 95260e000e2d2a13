"""The team's store API on both engines: the team, its members and their tokens, workspaces
by key, and who and where every task write is stamped with."""

from __future__ import annotations

import pytest

from task_orchestrator.core import actor
from task_orchestrator.core.errors import InvalidInput, NotFound
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.store import TaskStore
from task_orchestrator.core.store_team import TeamExists, token_hash


def _rows(store: TaskStore, table: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in store.conn.execute(f"SELECT * FROM {table} ORDER BY 1")]


def test_init_team_once(store: TaskStore) -> None:
    assert store.team() is None
    team = store.init_team("acme")
    assert (team.name, store.team()) == ("acme", team)
    with pytest.raises(TeamExists, match="already belongs to the team 'acme'"):
        store.init_team("other")
    assert store.team() == team
    assert len(_rows(store, "team")) == 1


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "é", "a/b", None, 3])
def test_bad_names_are_refused_and_nothing_written(store: TaskStore, name: object) -> None:
    events = store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    with pytest.raises(InvalidInput, match="is not valid: use 1 to 64 letters"):
        store.init_team(name)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="is not valid: use 1 to 64 letters"):
        store.add_member(name)  # type: ignore[arg-type]
    assert _rows(store, "team") == [] and _rows(store, "team_members") == []
    assert store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == events


def test_member_token_is_shown_once_and_only_its_hash_kept(store: TaskStore) -> None:
    member, token = store.add_member("ann.lee_2-x")
    assert token.startswith("to_") and len(token) > 40
    assert member.revoked_at is None and member.last_seen_at is None
    stored = store.conn.execute("SELECT token_hash FROM team_members").fetchall()
    assert [r[0] for r in stored] == [token_hash(token)]
    assert token not in str(_rows(store, "team_members")) + str(_rows(store, "events"))
    other = store.add_member("bob")[1]
    assert other != token


def test_duplicate_live_name_refused_revoked_name_reusable(store: TaskStore) -> None:
    _, first = store.add_member("ann")
    with pytest.raises(InvalidInput, match="already a member named 'ann'"):
        store.add_member("ann")
    assert len(store.members()) == 1
    revoked = store.revoke_member("ann")
    assert revoked.revoked_at is not None
    _, second = store.add_member("ann")
    assert store.member_for_token(first) is None
    found = store.member_for_token(second)
    assert found is not None and found.name == "ann" and found.revoked_at is None
    assert [m.revoked_at is None for m in store.members()] == [False, True]


def test_revoke_unknown_and_twice(store: TaskStore) -> None:
    with pytest.raises(NotFound, match="no member named 'nobody'"):
        store.revoke_member("nobody")
    store.add_member("ann")
    store.revoke_member("ann")
    with pytest.raises(NotFound, match="'ann' was already revoked at"):
        store.revoke_member("ann")


def test_member_for_token(store: TaskStore) -> None:
    _, token = store.add_member("ann")
    assert store.member_for_token("to_" + "x" * 43) is None
    assert store.member_for_token("") is None
    assert store.member_for_token(token[3:]) is None
    assert store.member_for_token(token.upper()) is None
    seen = store.member_for_token(token)
    assert seen is not None and seen.last_seen_at is not None
    # A second check within the minute writes nothing.
    stamp = store.conn.execute("SELECT last_seen_at FROM team_members").fetchone()[0]
    assert stamp == seen.last_seen_at
    again = store.member_for_token(token)
    assert again is not None and again.last_seen_at == stamp
    # An old stamp is renewed.
    store.conn.execute("UPDATE team_members SET last_seen_at = '2020-01-01T00:00:00.000000Z'")
    renewed = store.member_for_token(token)
    assert renewed is not None and renewed.last_seen_at is not None
    assert renewed.last_seen_at > "2020-01-02"
    store.revoke_member("ann")
    assert store.member_for_token(token) is None


def test_workspace_by_key_records_each_machine(store: TaskStore) -> None:
    a = store.workspace_by_key("github.com/acme/app", machine="laptop", path="/home/ann/app")
    b = store.workspace_by_key("github.com/acme/app", machine="desk", path="C:\\src\\app\\")
    assert a == b and a.path == "github.com/acme/app" and a.name == "app"
    assert (
        store.workspace_by_key("github.com/acme/app", machine="laptop", path="/home/ann/app") == a
    )
    assert sorted((r[1], r[2]) for r in _rows(store, "workspace_paths")) == [
        ("desk", "C:\\src\\app"),
        ("laptop", "/home/ann/app"),
    ]
    assert store.workspace_at("laptop", "/home/ann/app/src/deep") == a
    assert store.workspace_at("laptop", "/home/ann/app") == a
    assert store.workspace_at("desk", "C:\\src\\app\\lib") == a
    assert store.workspace_at("laptop", "/home/ann") is None
    assert store.workspace_at("desk", "/home/ann/app") is None
    assert store.workspace_at("laptop", "relative/app") is None
    # Nearest parent wins.
    inner = store.workspace_by_key(
        "laptop:/home/ann/app/vendor/x", machine="laptop", path="/home/ann/app/vendor/x"
    )
    assert store.workspace_at("laptop", "/home/ann/app/vendor/x/y") == inner
    assert store.workspace_at("laptop", "/home/ann/app/vendor") == a
    # A folder whose remote changed names the new workspace.
    moved = store.workspace_by_key("github.com/acme/fork", machine="laptop", path="/home/ann/app")
    assert store.workspace_at("laptop", "/home/ann/app") == moved


@pytest.mark.parametrize(
    ("key", "machine", "path", "message"),
    [
        ("", "m", "/p", "workspace key"),
        ("k\n", "m", "/p", "workspace key"),
        ("x" * 5000, "m", "/p", "workspace key"),
        ("k", "", "/p", "machine name"),
        ("k", "\x00", "/p", "machine name"),
        ("k", "m", "relative", "folder"),
        ("k", "m", "", "folder"),
        ("k", "m", "/a\nb", "folder"),
    ],
)
def test_workspace_by_key_bad_input(
    store: TaskStore, key: str, machine: str, path: str, message: str
) -> None:
    before = _rows(store, "workspaces")
    with pytest.raises(InvalidInput, match=message):
        store.workspace_by_key(key, machine=machine, path=path)
    assert _rows(store, "workspaces") == before and _rows(store, "workspace_paths") == []


def test_workspace_for_root(store: TaskStore, tmp_path: object, engine: str) -> None:
    root = str(tmp_path)
    ws = store.workspace_for_root(root)
    assert store.workspace_for_root(root) == ws
    here = actor.local().machine
    if engine == "sqlite":
        assert ws == store.workspace(root) and ws.path == root
        assert _rows(store, "workspace_paths") == []
    else:
        assert ws.path == f"{here}:{root}"
        assert store.workspace_at(here, root) == ws
    assert store.workspace_at(root) == ws
    assert store.local_folder(ws) == root


def test_workspace_for_root_names_a_repository_by_its_remote(
    store: TaskStore, tmp_path: object, engine: str
) -> None:
    import pathlib

    repo = pathlib.Path(str(tmp_path)) / "app"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text(
        '[remote "origin"]\n\turl = git@github.com:acme/app.git\n'
    )
    ws = store.workspace_for_root(str(repo))
    assert ws.path == (str(repo) if engine == "sqlite" else "github.com/acme/app")
    assert store.workspace_at(str(repo)) == ws


def test_tasks_are_stamped_with_the_actor(store: TaskStore) -> None:
    ws = store.workspace("/tmp/stamps")
    me = actor.local()
    with actor.acting(actor.Actor("ann", "laptop")):
        parent, child = store.create_tree(ws.id, NewTask("p", subtasks=[NewTask("c")]))
    assert (parent.created_by, parent.created_on, parent.changed_by, parent.changed_on) == (
        "ann",
        "laptop",
        "ann",
        "laptop",
    )
    assert (child.created_by, child.changed_on) == ("ann", "laptop")
    changed = store.update_task(parent.id, title="p2")
    assert (changed.created_by, changed.changed_by, changed.changed_on) == (
        "ann",
        me.user,
        me.machine,
    )
    with actor.acting(actor.Actor("bob", "desk")):
        started = store.start_task(child.id)
        assert (started.changed_by, started.changed_on) == ("bob", "desk")
    with actor.acting(actor.Actor("cy", "box")):
        store.cancel_tree(parent.id, reason="r")
    assert {(t.changed_by, t.created_by) for t in store.get_tasks([parent.id, child.id])} == {
        ("cy", "ann")
    }
    with actor.acting(actor.Actor("dee", "pi")):
        store.archive_task(parent.id)
    assert store.get_task(child.id).changed_by == "dee"


def test_documents_and_git_need_this_machines_folder(
    store: TaskStore, tmp_path: object, engine: str
) -> None:
    """On a team store a workspace's row holds a key: files are written into the folder this
    machine recorded for it, and a workspace it never checked out is refused clearly."""
    import pathlib

    from task_orchestrator.core import steer
    from task_orchestrator.core.documents import write_document

    root = pathlib.Path(str(tmp_path)) / "proj"
    root.mkdir()
    ws = store.workspace_for_root(str(root))
    written = write_document(store, ws, "docs/a.md", "hello")
    assert pathlib.Path(written) == root / "docs" / "a.md"
    assert (root / "docs" / "a.md").read_text() == "hello"
    if engine == "sqlite":
        return
    elsewhere = store.workspace_by_key("github.com/acme/far", machine="far", path="/srv/far")
    with pytest.raises(InvalidInput, match="has no folder on this machine"):
        write_document(store, elsewhere, "docs/b.md", "x")
    assert (
        store.conn.execute(
            "SELECT COUNT(*) FROM documents WHERE workspace_id = ?", (elsewhere.id,)
        ).fetchone()[0]
        == 0
    )
    # Moved by hand (the board): no folder here, so no git facts, and the move still works.
    task = steer.add(store, elsewhere.id, "far away")
    assert steer.start(store, task.id, workspace_id=elsewhere.id).status == "in_progress"
    assert store.task_git(task.id) is None
