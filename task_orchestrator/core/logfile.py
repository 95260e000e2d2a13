"""One log record at most :data:`MAX_RECORD_CHARS` long, in every log we write
(``logs/hooks.log`` by hooks/log.py, ``logs/task-orchestrator.log`` and stderr by logs.py).

Rotation alone does not bound a log file: a rotating handler starts a new file before a
record that would pass its size, then writes that record whole, so one 5 MB record (a huge
argument echoed in an error, or its traceback) makes a 5 MB file. So each record is cut,
keeping its start and its end, where a traceback names the error.

Imported only where something is logged: the hooks import logging only when they write.
"""

from __future__ import annotations

import logging

MAX_RECORD_CHARS = 16_000


def cap(text: str, limit: int = MAX_RECORD_CHARS) -> str:
    """``text`` if it fits in ``limit`` characters; otherwise its start and its end, with a
    note of how much is left out between them."""
    if len(text) <= limit:
        return text
    keep = (limit - 40) // 2  # room for the note
    return f"{text[:keep]} [... {len(text) - 2 * keep} characters cut ...] {text[-keep:]}"


class CappedFormatter(logging.Formatter):
    """A formatter whose records, traceback included, are capped by :func:`cap`."""

    def format(self, record: logging.LogRecord) -> str:
        return cap(super().format(record))
