"""The data root as a plain string, with nothing but ``os`` and ``sys``.

Every hook needs it, and the obvious ways cost more than a hook's whole budget: platformdirs
imports pathlib, tempfile and random (about 12 ms), pathlib alone about 4 ms. The rules below
are platformdirs' ``user_data_dir(APP, appauthor=False)`` for each OS; a test checks that
both agree on this machine.
"""

from __future__ import annotations

import os
import sys

ENV_HOME = "TASK_ORCHESTRATOR_HOME"
APP_NAME = "task-orchestrator"

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def data_root(env: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """Where everything of ours lives: ``TASK_ORCHESTRATOR_HOME``, or the OS's user data dir."""
    environ = os.environ if env is None else env
    override = environ.get(ENV_HOME, "").strip()
    if override:
        return os.path.abspath(os.path.expanduser(override))
    system = sys.platform if platform is None else platform
    home = environ.get("HOME") or os.path.expanduser("~")
    if system == "darwin":
        return os.path.join(home, "Library", "Application Support", APP_NAME)
    if system.startswith("win"):
        base = environ.get("LOCALAPPDATA", "").strip() or os.path.join(home, "AppData", "Local")
        return os.path.join(base, APP_NAME)
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    return os.path.join(xdg or os.path.join(home, ".local", "share"), APP_NAME)


def db_file(env: Mapping[str, str] | None = None) -> str:
    """The task store's file; the same as ``core.paths.default_paths().db``."""
    return os.path.join(data_root(env), "data", "tasks.db")
