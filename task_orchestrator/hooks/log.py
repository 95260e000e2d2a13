"""The hooks' rotating log file, ``logs/hooks.log`` under the data root.

``logging`` is imported only when there is something to write: a hook that goes well never
pays for it. Logging must never fail a hook, so every error here is swallowed.
"""

from __future__ import annotations

import os

from .settings import log_dir

LOG_NAME = "hooks.log"
_MAX_BYTES = 1_000_000
_BACKUPS = 3


def log_path() -> str:
    return os.path.join(log_dir(), LOG_NAME)


def _logger() -> object:
    import logging
    import logging.handlers

    logger = logging.getLogger("task_orchestrator.hooks")
    if not logger.handlers:
        logger.setLevel(logging.INFO)
        logger.propagate = False
        path = log_path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
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
