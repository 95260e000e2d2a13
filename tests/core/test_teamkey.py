"""A workspace's team key: the same for one repository on every machine, read without git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from task_orchestrator.core.teamkey import normalize_remote, remote_url, workspace_key


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("git@github.com:acme/app.git", "github.com/acme/app"),
        ("https://github.com/acme/app", "github.com/acme/app"),
        ("https://alice:s3cret@GitHub.com/acme/app.git/", "github.com/acme/app"),
        ("ssh://git@github.com:22/acme/app.git", "github.com/acme/app"),
        ("git://git.example.org/team/tool.git", "git.example.org/team/tool"),
        ("http://[::1]:8080/x/y.git", "[::1]/x/y"),
        ("gitlab.example.com:group/sub/repo", "gitlab.example.com/group/sub/repo"),
    ],
)
def test_one_repository_has_one_key_whatever_the_url_form(url: str, key: str) -> None:
    assert normalize_remote(url) == key


@pytest.mark.parametrize(
    "url",
    ["/srv/git/app.git", "file:///srv/git/app.git", "../app", "C:/repos/app", "", "https://host"],
)
def test_a_local_or_empty_remote_names_nothing_shared(url: str) -> None:
    assert normalize_remote(url) is None


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_origin_wins_and_git_itself_agrees(tmp_path: Path) -> None:
    repo = tmp_path / "app"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "remote", "add", "upstream", "https://example.org/up/app.git")
    _git(repo, "remote", "add", "origin", "git@github.com:acme/app.git")
    assert remote_url(str(repo)) == "git@github.com:acme/app.git"
    assert workspace_key(str(repo), "laptop") == "github.com/acme/app"


def test_first_remote_without_origin_and_a_commented_config(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text(
        '[core]\n\tbare = false\n; comment\n[Remote "fork"]\n'
        '\tURL = "https://example.org/me/r.git" # mine\n[remote "b"]\n\turl = https://x.org/b\n'
    )
    assert remote_url(str(repo)) == "https://example.org/me/r.git"


def test_a_linked_worktree_reads_its_repositorys_config(tmp_path: Path) -> None:
    repo = tmp_path / "main"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "remote", "add", "origin", "https://github.com/acme/app.git")
    _git(
        repo,
        "-c",
        "user.email=a@b",
        "-c",
        "user.name=a",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "x",
    )
    _git(repo, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "side")
    assert workspace_key(str(tmp_path / "wt"), "m") == "github.com/acme/app"


def test_no_repository_or_no_remote_falls_back_to_machine_and_path(tmp_path: Path) -> None:
    assert workspace_key(str(tmp_path), "desk") == f"desk:{tmp_path}"
    _git(tmp_path, "init", "-q")
    assert workspace_key(str(tmp_path), "desk") == f"desk:{tmp_path}"
