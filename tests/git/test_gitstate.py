"""Reading where a work tree stands from files, and what git lists between two commits, on
real repositories: normal, no commit yet, detached, a rebase in progress, linked worktrees,
a shallow clone, packed refs, and no git at all."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from git_support import commit_file, git, head, make_repo, path_without_git

from task_orchestrator.core import gitstate
from task_orchestrator.core.workspace import find_workspace


def test_branch_and_head_are_read_from_files(repo: Path) -> None:
    sub = repo / "src" / "deep"
    sub.mkdir(parents=True)
    place = gitstate.read_place(str(sub))
    assert place is not None
    assert place.branch == "main" and place.head == head(repo) and place.state == ""
    assert place.repo.top == str(repo) and not place.repo.linked


def test_packed_refs_are_read(repo: Path) -> None:
    git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    place = gitstate.read_place(str(repo))
    assert place is not None and place.head == head(repo)


def test_not_a_repository_and_a_bare_dot_git(tmp_path: Path) -> None:
    assert gitstate.read_place(str(tmp_path)) is None
    (tmp_path / "fake" / ".git").mkdir(parents=True)  # a marker, no repository
    assert gitstate.read_place(str(tmp_path / "fake")) is None


def test_no_commit_yet(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "empty", commit=False)
    place = gitstate.read_place(str(repo))
    assert place is not None and place.branch == "main" and place.head is None
    assert gitstate.is_dirty(str(repo)) is False
    assert gitstate.commit_info(str(repo)) is None


def test_detached_head(repo: Path) -> None:
    first = head(repo)
    commit_file(repo, "a.txt", "a\n", "Add a")
    git(repo, "checkout", "-q", "--detach", first)
    place = gitstate.read_place(str(repo))
    assert place is not None and place.branch is None and place.head == first


def test_rebase_in_progress_names_the_branch_being_rebased(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "topic")
    commit_file(repo, "README.md", "topic\n", "Topic change")
    git(repo, "checkout", "-q", "main")
    commit_file(repo, "README.md", "main\n", "Main change")
    git(repo, "checkout", "-q", "topic")
    proc = subprocess.run(
        ["git", "rebase", "main"], cwd=repo, capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0  # a conflict stops it half-way
    place = gitstate.read_place(str(repo))
    assert place is not None and place.state == "rebase" and place.branch == "topic"
    assert place.head is not None
    assert gitstate.is_dirty(str(repo)) is True


def test_linked_worktree_belongs_to_the_main_workspace(repo: Path, tmp_path: Path) -> None:
    linked = tmp_path / "wt-feature"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(linked))
    commit_file(linked, "f.txt", "f\n", "Feature")
    place = gitstate.read_place(str(linked))
    assert place is not None and place.repo.linked and place.repo.top == str(linked)
    assert place.branch == "feature" and place.head == head(linked) != head(repo)
    assert place.repo.main_top == str(repo)
    (linked / "sub").mkdir()
    assert find_workspace(linked / "sub") == str(repo)
    assert find_workspace(repo) == str(repo)


def test_a_submodule_is_a_repository_of_its_own(tmp_path: Path) -> None:
    top = make_repo(tmp_path / "top")
    inner = tmp_path / "top" / "inner"
    inner.mkdir()
    (inner / ".git").write_text("gitdir: ../.git/modules/inner\n", encoding="utf-8")
    modules = top / ".git" / "modules" / "inner"
    modules.mkdir(parents=True)
    (modules / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    assert find_workspace(inner) == str(inner)
    place = gitstate.read_place(str(inner))
    assert place is not None and not place.repo.linked and place.head is None


def test_commits_and_files_between(repo: Path) -> None:
    start = head(repo)
    commit_file(repo, "src/a.py", "one\ntwo\n", "Add a")
    commit_file(repo, "README.md", "hello\nworld\n", "Extend readme")
    end = head(repo)
    listed = gitstate.commits_between(str(repo), start, end)
    assert listed is not None
    commits, cut = listed
    assert [c.subject for c in commits] == ["Extend readme", "Add a"] and not cut
    assert commits[0].sha == end and commits[0].author == "Test Person"
    files = gitstate.files_between(str(repo), start, end)
    assert files is not None
    assert {(f.path, f.added, f.deleted) for f in files[0]} == {
        ("src/a.py", 2, 0),
        ("README.md", 1, 0),
    }
    few = gitstate.commits_between(str(repo), start, end, limit=1)
    assert few is not None and len(few[0]) == 1 and few[1] is True


def test_binary_files_have_no_line_counts(repo: Path) -> None:
    start = head(repo)
    (repo / "blob.bin").write_bytes(b"\x00\x01\x02" * 10)
    git(repo, "add", "blob.bin")
    git(repo, "commit", "-q", "-m", "Binary")
    files = gitstate.files_between(str(repo), start, head(repo))
    assert files is not None and files[0][0].path == "blob.bin" and files[0][0].added is None


def test_shallow_clone(repo: Path, tmp_path: Path) -> None:
    old = head(repo)
    for i in range(3):
        commit_file(repo, f"f{i}.txt", f"{i}\n", f"Commit {i}")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    place = gitstate.read_place(str(clone))
    assert place is not None and place.head == head(repo)
    # The start commit is outside the clone's history: git cannot say, nothing raises.
    assert gitstate.commits_between(str(clone), old, head(clone)) is None
    assert gitstate.files_between(str(clone), old, head(clone)) is None


def test_without_git_the_files_still_answer(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", path_without_git())
    assert not gitstate.git_available()
    place = gitstate.read_place(str(repo))
    assert place is not None and place.branch == "main"
    assert gitstate.is_dirty(str(repo)) is None
    assert gitstate.commit_info(str(repo)) is None


def test_trailers() -> None:
    message = "Fix it\n\nBody text.\n\nTask: task_abc23456\nSigned-off-by: A <a@b>\n"
    assert gitstate.trailer_tasks(message) == ["task_abc23456"]
    assert gitstate.trailer_tasks("Task: not-a-task\n") == []
