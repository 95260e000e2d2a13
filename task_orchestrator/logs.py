"""Logging to a rotating file under the data root, and to stderr: never to stdout, which
carries the MCP protocol when serving and the hook answer when hooking."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from .core import private
from .core.logfile import CappedFormatter
from .core.paths import default_paths

LOG_FORMAT = "%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"


def log_file(name: str = "task-orchestrator.log") -> Path:
    return default_paths().logs / name


def setup_logging(
    name: str = "task-orchestrator.log", *, stderr_level: int | None = logging.WARNING
) -> Path:
    """Configure the root logger once; returns the log file's path."""
    path = log_file(name)
    root = logging.getLogger()
    if getattr(root, "_task_orchestrator_configured", False):
        return path
    root.setLevel(logging.INFO)
    try:
        data_root = default_paths().root
        private.secure_root(data_root)
        private.make_dir(path.parent, data_root)
        handler = private.rotating_log(str(path), 1_000_000, 3)
        handler.setFormatter(CappedFormatter(LOG_FORMAT))
        root.addHandler(handler)
    except OSError:
        # A read-only data folder must not stop the program; stderr still gets the warnings.
        pass
    if stderr_level is not None:
        err = logging.StreamHandler(sys.stderr)
        err.setLevel(stderr_level)
        err.setFormatter(CappedFormatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(err)
    root._task_orchestrator_configured = True  # type: ignore[attr-defined]
    return path
