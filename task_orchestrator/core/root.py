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


def team_store(env: Mapping[str, str] | None = None) -> str | None:
    """Where a PostgreSQL store is configured (``TASK_ORCHESTRATOR_STORE_URL``, or
    ``[store] url`` in config.toml), or None: the hooks' cheap question, which parses TOML
    only for a config file that has a ``[store]`` table at all (core/paths.py has the rule
    the server follows, with the URL's checks)."""
    environ = os.environ if env is None else env
    if environ.get("TASK_ORCHESTRATOR_STORE_URL"):
        return "TASK_ORCHESTRATOR_STORE_URL"
    config = os.path.join(data_root(env), "config", "config.toml")
    try:
        with open(config, "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    if b"[store]" not in raw:
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        section = tomllib.loads(raw.decode("utf-8")).get("store")
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(section, dict) and section.get("url"):
        return f"[store] url in {config}"
    return None


def db_file(env: Mapping[str, str] | None = None) -> str:
    """The task store's file; the same as ``core.paths.default_paths().db``."""
    return os.path.join(data_root(env), "data", "tasks.db")
