"""Workspace resolution: git top-level, then project markers, never the home folder."""

from __future__ import annotations

import os
from pathlib import Path

from task_orchestrator.core.workspace import find_workspace


def test_git_top_level_wins(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deep = repo / "packages" / "web" / "src"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / "packages" / "web" / "package.json").write_text("{}", encoding="utf-8")
    assert find_workspace(deep) == str(repo.resolve())


def test_git_worktree_file_counts(tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    wt.mkdir()
    (wt / ".git").write_text("gitdir: /elsewhere\n", encoding="utf-8")
    assert find_workspace(wt / ".") == str(wt.resolve())


def test_nearest_project_marker_without_vcs(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "pyproject.toml").write_text("", encoding="utf-8")
    assert find_workspace(proj / "src") == str(proj.resolve())


def test_plain_directory_is_itself(tmp_path: Path) -> None:
    plain = tmp_path / "plain dir ünïcode"
    plain.mkdir()
    assert find_workspace(plain) == str(plain.resolve())


def test_home_with_dotfiles_repo_is_not_a_workspace(isolated_home: Path) -> None:
    (isolated_home / ".git").mkdir()
    project = isolated_home / "code" / "thing"
    project.mkdir(parents=True)
    assert find_workspace(project) == str(project.resolve())


def test_symlinks_and_files_are_normalized(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / ".git").mkdir()
    (real / "f.txt").write_text("x", encoding="utf-8")
    link = tmp_path / "link"
    os.symlink(real, link)
    assert find_workspace(link / "f.txt") == str(real.resolve())
