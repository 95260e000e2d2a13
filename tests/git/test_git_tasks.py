"""A task's git facts, recorded at its start and completion by the core rule
(core/gitlink.py) through the path the CLI and the board share (core/steer.py), and the
queries over them: the branch and commit filters, and which task produced a commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from git_support import commit_file, git, head, make_repo, path_without_git

from task_orchestrator.core import gitlink, steer
from task_orchestrator.core.models import NewTask, TaskFilter
from task_orchestrator.core.store import TaskStore
from task_orchestrator.core.synthesis import synthesize
from task_orchestrator.core.workspace import find_workspace


def _task(store: TaskStore, folder: Path, title: str = "Do it", **kw: object) -> tuple[str, str]:
    ws = store.workspace(find_workspace(folder))
    return ws.id, store.create_tree(ws.id, NewTask(title, **kw))[0].id  # type: ignore[arg-type]


def test_start_and_completion_record_the_range(store: TaskStore, repo: Path) -> None:
    ws, tid = _task(store, repo)
    start = head(repo)
    steer.start(store, tid, workspace_id=ws, directory=str(repo))
    record = store.task_git(tid)
    assert record is not None
    assert (record["branch"], record["start_head"], record["start_dirty"]) == ("main", start, False)
    assert record["worktree"] is None and record["completed_for"] is None
    first = commit_file(repo, "src/a.py", "a\nb\n", "Add a")
    second = commit_file(repo, "README.md", "hello\nmore\n", "More readme")
    (repo / "README.md").write_text("dirty\n", encoding="utf-8")
    steer.complete(store, tid, workspace_id=ws, summary="done", directory=str(repo))
    record = store.task_git(tid)
    assert record is not None and record["end_head"] == second and record["end_dirty"] is True
    commits, total = store.task_commits(tid)
    assert {c["sha"] for c in commits} == {second, first} and total == 2
    assert {c["source"] for c in commits} == {"range"}
    files, _ = store.task_files(tid)
    assert files == [
        {"path": "README.md", "added": 1, "deleted": 0},
        {"path": "src/a.py", "added": 2, "deleted": 0},
    ]
    # Once per completion: following again records nothing.
    assert gitlink.follow(store, tid, str(repo)) is False


def test_reopened_task_keeps_its_first_start(store: TaskStore, repo: Path) -> None:
    ws, tid = _task(store, repo)
    start = head(repo)
    steer.start(store, tid, workspace_id=ws, directory=str(repo))
    commit_file(repo, "a", "1\n", "One")
    steer.complete(store, tid, workspace_id=ws, directory=str(repo))
    steer.reopen(store, tid, workspace_id=ws)
    steer.start(store, tid, workspace_id=ws, directory=str(repo))
    commit_file(repo, "b", "2\n", "Two")
    steer.complete(store, tid, workspace_id=ws, directory=str(repo))
    record = store.task_git(tid)
    assert record is not None and record["start_head"] == start
    assert {c["subject"] for c in store.task_commits(tid)[0]} == {"Two", "One"}


def test_board_path_uses_the_workspace_root(store: TaskStore, repo: Path) -> None:
    ws, tid = _task(store, repo)
    steer.start(store, tid, workspace_id=ws)  # the board passes no folder
    record = store.task_git(tid)
    assert record is not None and record["branch"] == "main"


def test_not_a_repository_records_nothing(store: TaskStore, tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    ws, tid = _task(store, folder)
    steer.start(store, tid, workspace_id=ws, directory=str(folder))
    steer.complete(store, tid, workspace_id=ws, directory=str(folder))
    assert store.task_git(tid) is None and store.task_commits(tid) == ([], 0)


def test_git_absent_keeps_what_files_tell(
    store: TaskStore, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", path_without_git())
    ws, tid = _task(store, repo)
    steer.start(store, tid, workspace_id=ws, directory=str(repo))
    steer.complete(store, tid, workspace_id=ws, directory=str(repo))
    record = store.task_git(tid)
    assert record is not None and record["branch"] == "main" and record["start_dirty"] is None
    assert "git not found" in record["note"] and record["end_head"] == record["start_head"]


def test_no_commit_yet_then_a_first_commit(store: TaskStore, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "fresh", commit=False)
    ws, tid = _task(store, repo)
    steer.start(store, tid, workspace_id=ws, directory=str(repo))
    record = store.task_git(tid)
    assert record is not None and record["start_head"] is None and "no commit yet" in record["note"]
    commit_file(repo, "a", "a\n", "First")
    steer.complete(store, tid, workspace_id=ws, directory=str(repo))
    record = store.task_git(tid)
    assert record is not None and record["end_head"] == head(repo)
    assert "no start recorded" in record["note"]


def test_detached_head_and_a_rebase_in_progress(store: TaskStore, repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    ws, tid = _task(store, repo)
    steer.start(store, tid, workspace_id=ws, directory=str(repo))
    record = store.task_git(tid)
    assert record is not None and record["branch"] is None and record["start_head"] == head(repo)
    git(repo, "checkout", "-q", "main")
    (repo / ".git" / "rebase-merge").mkdir()
    (repo / ".git" / "rebase-merge" / "head-name").write_text("refs/heads/main\n")
    _, other = _task(store, repo, "During a rebase")
    steer.start(store, other, workspace_id=ws, directory=str(repo))
    record = store.task_git(other)
    assert record is not None and record["start_state"] == "rebase"
    assert "rebase in progress" in record["note"]


def test_shallow_clone_start_outside_history(store: TaskStore, repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    old = head(repo)
    commit_file(repo, "x", "x\n", "X")
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    ws, tid = _task(store, clone)
    steer.start(store, tid, workspace_id=ws, directory=str(clone))
    # As if the task had started at the commit before, which the depth-1 clone lacks.
    store.conn.execute("UPDATE task_git SET start_head = ? WHERE task_id = ?", (old, tid))
    commit_file(clone, "y", "y\n", "Y")
    steer.complete(store, tid, workspace_id=ws, directory=str(clone))
    record = store.task_git(tid)
    assert record is not None and "git could not list" in record["note"]
    assert store.task_commits(tid) == ([], 0)


def test_worktree_task_lands_in_the_main_workspace(
    store: TaskStore, repo: Path, tmp_path: Path
) -> None:
    linked = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(linked))
    ws, tid = _task(store, linked)
    assert store.get_workspace(ws).path == str(repo)
    steer.start(store, tid, workspace_id=ws, directory=str(linked))
    sha = commit_file(linked, "feature.txt", "f\n", "Feature work")
    steer.complete(store, tid, workspace_id=ws, directory=str(linked))
    record = store.task_git(tid)
    assert (
        record is not None and record["branch"] == "feature" and record["worktree"] == str(linked)
    )
    assert [t.id for t in store.query(TaskFilter(branch="feature")).tasks] == [tid]
    assert store.query(TaskFilter(branch="main")).tasks == []
    assert [t.id for t in store.query(TaskFilter(commit=sha[:7])).tasks] == [tid]
    assert store.query(TaskFilter(commit="0000000")).tasks == []


def test_tasks_for_commit_by_link_and_by_trailer(store: TaskStore, repo: Path) -> None:
    ws, tid = _task(store, repo)
    steer.start(store, tid, workspace_id=ws, directory=str(repo))
    sha = commit_file(repo, "a", "a\n", "Linked")
    steer.complete(store, tid, workspace_id=ws, directory=str(repo))
    found = gitlink.tasks_for_commit(store, sha[:8], str(repo))
    assert found["sha"] == sha and [x["task_id"] for x in found["links"]] == [tid]
    _, other = _task(store, repo, "Trailer only")
    (repo / "b").write_text("b\n")
    git(repo, "add", "b")
    git(repo, "commit", "-q", "-m", f"Unlinked\n\nTask: {other}\nTask: task_zzzzzzzz")
    found = gitlink.tasks_for_commit(store, "HEAD", str(repo))
    assert found["sha"] == head(repo)
    assert [(x["task_id"], x["source"]) for x in found["links"]] == [(other, "trailer")]
    assert gitlink.tasks_for_commit(store, "deadbeef", str(repo)) == {"sha": None, "links": []}


def test_synthesis_lists_the_plans_commits_and_files(store: TaskStore, repo: Path) -> None:
    ws = store.workspace(find_workspace(repo)).id
    plan = store.create_tree(ws, NewTask("Plan", subtasks=[NewTask("Step")]))
    step = plan[1].id
    steer.start(store, step, workspace_id=ws, directory=str(repo))
    commit_file(repo, "src/step.py", "x\ny\n", "Do the step")
    steer.complete(store, step, workspace_id=ws, directory=str(repo))
    doc = synthesize(store, plan[0].id, record=False).markdown
    assert "## Commits" in doc and "Do the step" in doc and "src/step.py (+2 -0)" in doc


def test_current_task_prefers_the_branch_checked_out(store: TaskStore, repo: Path) -> None:
    ws, on_main = _task(store, repo, "On main")
    steer.start(store, on_main, workspace_id=ws, directory=str(repo))
    git(repo, "checkout", "-q", "-b", "topic")
    _, on_topic = _task(store, repo, "On topic")
    steer.start(store, on_topic, workspace_id=ws, directory=str(repo))
    git(repo, "checkout", "-q", "main")
    store.update_task(on_topic, summary="touched last")
    current = gitlink.current_task(store, ws, str(repo))
    assert current is not None and current.id == on_main
