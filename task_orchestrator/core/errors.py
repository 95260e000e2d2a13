"""Errors the store raises. Every one of them is something the caller (a user or a model)
can fix, and its message says how; the server maps them to tool errors, the CLI to exit 1."""

from __future__ import annotations


class StoreError(Exception):
    """Base class: the caller can fix this."""


class NotFound(StoreError):
    pass


class InvalidInput(StoreError):
    pass


class VersionConflict(StoreError):
    pass


class InvalidTransition(StoreError):
    pass


class StoreUnavailable(StoreError):
    """The store file is missing, unreadable, corrupted or from a newer version."""


class StoreBusy(StoreUnavailable):
    """Another process held the store locked past our busy timeout. Nothing was written;
    the same call can succeed a moment later (the hooks spool the event for replay).
    Raised only by ``core/db.py``, which is where SQLite's "database is locked" is read."""


class WrongWorkspace(InvalidInput):
    """A task id of another workspace than the caller's: refused, so that a session in one
    project never changes another project's tasks by id."""


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for messages that echo what the
    caller sent: an error must stay short whatever the input was."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 20]}...({len(text)} characters)"
