"""The hooks' rotating log file, ``logs/hooks.log`` under the data root.

``logging`` is imported only when there is something to write: a hook that goes well never
pays for it. Logging must never fail a hook, so every error here is swallowed.
"""

from __future__ import annotations

import os

from ..core import private
from ..core.root import data_root
from .settings import log_dir

LOG_NAME = "hooks.log"
_MAX_BYTES = 1_000_000
_BACKUPS = 3


def log_path(root: str | None = None) -> str:
    return os.path.join(log_dir(root), LOG_NAME)


def _logger() -> object:
    import logging

    from ..core.logfile import CappedFormatter

    logger = logging.getLogger("task_orchestrator.hooks")
    root = data_root()
    path = log_path(root)
    ours = [h for h in logger.handlers if getattr(h, "_hooks_log", None) is not None]
    # One process normally logs to one file; an embedding caller (or a test) that moves
    # TASK_ORCHESTRATOR_HOME gets a handler for the new place.
    if not ours or ours[0]._hooks_log != path:  # type: ignore[attr-defined]
        for old in ours:
            logger.removeHandler(old)
            old.close()
        logger.setLevel(logging.INFO)
        logger.propagate = False
        # Logs quote prompts and task titles: private, like everything under the root.
        private.secure_root(root)
        private.make_dir(os.path.dirname(path), root)
        handler = private.rotating_log(path, _MAX_BYTES, _BACKUPS)
        handler.setFormatter(CappedFormatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
        handler._hooks_log = path  # type: ignore[attr-defined]
        logger.addHandler(handler)
    return logger


def log(level: str, message: str, *, exc_info: bool = False) -> None:
    """``level`` is ``info``, ``warning`` or ``error``."""
    try:
        logger = _logger()
        getattr(logger, level)(message, exc_info=exc_info)
    except Exception:
        # A read-only or full data folder: the hook still answers; there is nowhere to write.
        pass
