"""Helpers for running installed programs the way clients run them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def minimal_env(home: Path, root: Path) -> dict[str, str]:
    """What a GUI client passes to a program it starts: little more than HOME and a bare
    PATH. Built from nothing, so nothing of the test runner's environment helps."""
    env = {
        "HOME": str(home),
        "USERPROFILE": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "APPDATA": str(home / "AppData" / "Roaming"),
        "LOCALAPPDATA": str(home / "AppData" / "Local"),
        "TASK_ORCHESTRATOR_HOME": str(root),
        "PATH": "/usr/bin:/bin",
    }
    if os.name == "nt":
        for var in ("SYSTEMROOT", "WINDIR", "COMSPEC", "TEMP", "TMP"):
            if var in os.environ:
                env[var] = os.environ[var]
        env["PATH"] = os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32")
    return env


@pytest.fixture
def shadowing_project(tmp_path: Path) -> Path:
    """A project folder whose ``click.py`` and ``mcp/`` break any import that looks in the
    working directory first (as ``python -m`` does)."""
    project = tmp_path / "shadowing-project"
    (project / "mcp").mkdir(parents=True)
    (project / "click.py").write_text("raise ImportError('shadowed click')\n", "utf-8")
    (project / "mcp" / "__init__.py").write_text("raise ImportError('shadowed mcp')\n", "utf-8")
    return project


@pytest.fixture
def client_env(tmp_path: Path) -> dict[str, str]:
    """A GUI client's environment, with HOME and our data root under tmp_path."""
    return minimal_env(tmp_path / "client-home", tmp_path / "client-root")


@pytest.fixture
def session_start_payload() -> dict[str, object]:
    """A real SessionStart payload captured from Claude Code 2.1.197 (tests/packaging/fixtures)."""
    payload: dict[str, object] = json.loads((FIXTURES / "SessionStart.json").read_text("utf-8"))
    return payload


# Captured at import, before the autouse fixture moves HOME: pip's download cache.
_REAL_ENV = dict(os.environ)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our wheel and every dependency as wheels, for uv to install from with no index."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("wheelhouse")
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "-w", str(out), str(root)],
        check=True,
        env=_REAL_ENV,
        timeout=600,
    )
    return out
