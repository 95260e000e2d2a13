"""Workspace resolution: which project a directory belongs to.

Tasks are always written under the workspace the caller resolved. The reference
implementation wrote them under the server's own cwd, which for a GUI client is ``/`` or the
home folder; everything here takes the directory as an argument for that reason.
"""

from __future__ import annotations

import os

# Set by type checkers only; typing costs the hooks about 3 ms at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
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


def normalize_str(path: str | os.PathLike[str]) -> str:
    """Absolute, symlinks resolved, ``~`` expanded; the form stored in the database. Plain
    ``os.path``: the hooks call this on every event and pathlib costs them about 4 ms."""
    return os.path.realpath(os.path.expanduser(os.fspath(path)))


def normalize(path: str | os.PathLike[str]) -> Path:
    from pathlib import Path

    return Path(normalize_str(path))


def find_workspace(directory: str | os.PathLike[str]) -> str:
    """The project root that contains ``directory``, as a string.

    The nearest VCS top-level; failing that, the nearest folder with a project marker; failing
    that, the directory itself. The home folder and ``/`` are never chosen because of a
    marker found there (a dotfiles repo in ``~`` would otherwise swallow every project).
    """
    start = normalize_str(directory)
    if os.path.isfile(start):
        start = os.path.dirname(start)
    levels = []
    level = start
    while True:
        levels.append(level)
        parent = os.path.dirname(level)
        if parent == level:
            break
        level = parent
    stop = {normalize_str(os.path.expanduser("~")), levels[-1]}
    levels = [p for p in levels if p not in stop]
    for markers in (VCS_MARKERS, PROJECT_MARKERS):
        for level in levels:
            if any(os.path.exists(os.path.join(level, marker)) for marker in markers):
                return level
    return start


def resolve_workspace(directory: str | os.PathLike[str]) -> Path:
    """:func:`find_workspace` as a ``Path``."""
    from pathlib import Path

    return Path(find_workspace(directory))
