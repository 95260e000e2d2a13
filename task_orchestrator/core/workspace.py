"""Workspace resolution: which project a directory belongs to.

Tasks are always written under the workspace the caller resolved. The reference
implementation wrote them under the server's own cwd, which for a GUI client is ``/`` or the
home folder; everything here takes the directory as an argument for that reason.
"""

from __future__ import annotations

import os
from pathlib import Path

# Checked in order at each level, walking up. A VCS root wins over a build file because
# monorepos carry a pyproject.toml or package.json in every package.
VCS_MARKERS = (".git", ".hg", ".svn", ".jj")
PROJECT_MARKERS = (
    "pyproject.toml",
    "package.json",
    "Cargo.toml",
    "go.mod",
    "pom.xml",
    "build.gradle",
    "Gemfile",
    "composer.json",
    "setup.py",
    ".mcp.json",
    ".claude",
)


def normalize(path: str | os.PathLike[str]) -> Path:
    """Absolute, symlinks resolved, ``~`` expanded; the form stored in the database."""
    return Path(path).expanduser().resolve()


def _walk_up(start: Path) -> list[Path]:
    return [start, *start.parents]


def resolve_workspace(directory: str | os.PathLike[str]) -> Path:
    """The project root that contains ``directory``.

    The nearest VCS top-level; failing that, the nearest folder with a project marker; failing
    that, the directory itself. The home folder and ``/`` are never chosen because of a
    marker found there (a dotfiles repo in ``~`` would otherwise swallow every project).
    """
    start = normalize(directory)
    if start.is_file():
        start = start.parent
    home = normalize(Path.home())
    stop = {home, Path(start.anchor)}
    levels = [p for p in _walk_up(start) if p not in stop]
    for level in levels:
        if any((level / marker).exists() for marker in VCS_MARKERS):
            return level
    for level in levels:
        if any((level / marker).exists() for marker in PROJECT_MARKERS):
            return level
    return start
