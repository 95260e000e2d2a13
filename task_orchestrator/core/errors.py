"""Errors the store raises. Every one of them is something the caller (a user or a model)
can fix, and its message says how; the server maps them to tool errors, the CLI to exit 1."""

from __future__ import annotations


class StoreError(Exception):
    """Base class: the caller can fix this.

    The message says what is wrong in words that hold for every interface. How to fix it
    differs: a model calls a tool, a person runs a command or presses a button. So an error
    carries ``fix``, a key of :data:`FIXES`, and ``task_id``; each interface appends its own
    advice for that key (server/context.py for the tools, cli/errors.py for the CLI and the
    board), and the rule that raised it stays in one place."""

    def __init__(self, message: str, *, fix: str | None = None, task_id: str | None = None):
        super().__init__(message)
        self.fix = fix
        self.task_id = task_id


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


#: The ways out an error can name. Every interface's advice table has each of these keys
#: (a test checks it).
FIXES = (
    "find_id",  # no such task: list the ids
    "other_workspace",  # the task belongs to another project
    "reopen",  # the task is finished
    "dependencies_first",  # a dependency is not completed
    "subtasks_first",  # subtasks are unfinished
    "workspace_gone",  # the project folder moved or was replaced
)


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for messages that echo what the
    caller sent: an error must stay short whatever the input was."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 20]}...({len(text)} characters)"
