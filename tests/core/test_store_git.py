"""The git records of tasks (core/gitrecords.py) on both engines: the upserts, the range
replacement at completion, commit links, and the queries by branch and sha prefix."""

from __future__ import annotations

from task_orchestrator.core.gitstate import Commit, FileChange
from task_orchestrator.core.models import NewTask, TaskFilter
from task_orchestrator.core.store import TaskStore


def _commit(sha: str, subject: str, at: str) -> Commit:
    return Commit(sha=sha, author="A", committed_at=at, timestamp=0, subject=subject)


def test_git_records_round_trip(store: TaskStore) -> None:
    ws = store.workspace("/tmp/g")
    a, b = store.create_tree(ws.id, NewTask("a", subtasks=[NewTask("b")]))
    store.record_git_start(a.id, {"started_for": "x", "branch": "feat", "start_dirty": True})
    store.record_git_start(a.id, {"started_for": "y", "branch": "feat", "start_head": "abc"})
    first = _commit("ab12" + "0" * 36, "one", "2026-01-01T00:00:00+00:00")
    second = _commit("cd34" + "0" * 36, "two", "2026-01-02T00:00:00+00:00")
    store.record_git_end(
        a.id,
        {"end_branch": "feat", "end_head": "def", "end_dirty": False, "commits_cut": 1},
        [first, second],
        [
            FileChange(path="x.py", added=3, deleted=1),
            FileChange(path="y.bin", added=None, deleted=None),
        ],
    )
    # A second completion replaces the range's commits and files.
    store.record_git_end(
        a.id, {"end_branch": "feat"}, [second], [FileChange(path="x.py", added=4, deleted=0)]
    )
    git = store.task_git(a.id)
    assert git is not None
    assert (git["started_for"], git["start_head"], git["end_branch"]) == ("y", "abc", "feat")
    assert git["start_dirty"] is None and git["commits_cut"] is False
    commits, total = store.task_commits(a.id)
    assert total == 1 and commits[0]["sha"] == second.sha
    files, count = store.task_files(a.id)
    assert count == 1 and files == [{"path": "x.py", "added": 4, "deleted": 0}]
    assert store.link_commit([a.id, b.id], first, branch="feat") == [a.id, b.id]
    assert store.link_commit([a.id, b.id], first, branch="feat") == []
    found = store.tasks_with_commit("ab12")
    assert [r["task_id"] for r in found] == sorted([a.id, b.id])  # linked at once: by id
    by_branch = store.query(TaskFilter(workspace_id=ws.id, branch="feat")).tasks
    assert {t.id for t in by_branch} == {a.id, b.id}
    by_sha = store.query(TaskFilter(workspace_id=ws.id, commit="cd34")).tasks
    assert [t.id for t in by_sha] == [a.id]
