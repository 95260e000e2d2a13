"""Helpers shared by the installer tests."""

from __future__ import annotations

import os
from pathlib import Path

from task_orchestrator.installer.catalog import Env, OSName


def make_env(os_name: OSName, home: Path, project: Path | None = None, **extra: str) -> Env:
    """An environment for ``os_name`` rooted at ``home``; PATH is empty so that no real
    client CLI is picked up unless a test puts one there."""
    environ: dict[str, str] = {"PATH": ""}
    if os_name == "windows":
        environ["APPDATA"] = str(home / "AppData" / "Roaming")
        environ["LOCALAPPDATA"] = str(home / "AppData" / "Local")
    elif os_name == "linux":
        environ["XDG_CONFIG_HOME"] = str(home / ".config")
    environ.update(extra)
    return Env(os=os_name, environ=environ, home=home, project=project or home / "project")


def snapshot(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def clients_dir() -> Path | None:
    value = os.environ.get("TASK_ORCHESTRATOR_CLIENTS")
    return Path(value) if value else None
