from __future__ import annotations

from pathlib import Path

import pytest
from git_support import isolate_git, make_repo


@pytest.fixture(autouse=True)
def _git_isolated(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> None:
    isolate_git(monkeypatch, isolated_home)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with one commit on main."""
    return make_repo(tmp_path / "repo")
