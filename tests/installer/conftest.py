"""Fixtures for the installer tests (helpers live in installer_support.py)."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from installer_support import make_env

from task_orchestrator.installer import launcher
from task_orchestrator.installer.catalog import Env, OSName


@pytest.fixture
def program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake registered program with a space in its path (GUI clients must get that right)."""
    prog = tmp_path / "bin dir" / "task-orchestrator"
    prog.parent.mkdir()
    prog.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    prog.chmod(prog.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(launcher, "registered_program", lambda: prog)
    return prog


@pytest.fixture
def env_for(isolated_home: Path) -> Callable[..., Env]:
    def factory(os_name: OSName = "linux", **extra: str) -> Env:
        return make_env(os_name, isolated_home, **extra)

    return factory
