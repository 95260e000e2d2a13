"""Status changes: which are allowed, and which timestamps go with them. Shared by every
write that moves a task (update, completion with an artifact, cancellation)."""

from __future__ import annotations

from .enums import REOPEN_TARGETS, TERMINAL, TRANSITIONS, Status
from .errors import InvalidInput, InvalidTransition

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from typing import Any


def coerce_status(value: Status | str) -> Status:
    try:
        return Status(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InvalidInput(f"status {value!r} is not one of: {allowed}") from None


def check_transition(task_id: str, old: Status, new: Status, reopen: bool) -> None:
    if old == new:
        return
    if reopen:
        if old not in TERMINAL:
            raise InvalidTransition(
                f"task {task_id} is {old}, not completed or cancelled; it needs no reopen"
            )
        if new not in REOPEN_TARGETS:
            raise InvalidTransition(
                f"a reopened task becomes pending, in_progress or needs_revision, not {new}"
            )
        return
    if new not in TRANSITIONS[old]:
        hint = "; pass reopen=true to reopen it first" if old in TERMINAL else ""
        raise InvalidTransition(f"task {task_id} cannot go from {old} to {new}{hint}")


def status_columns(row: sqlite3.Row, new: Status, now: str) -> dict[str, Any]:
    sets: dict[str, Any] = {"status": new.value}
    if new == Status.IN_PROGRESS and row["started_at"] is None:
        sets["started_at"] = now
    if new == Status.COMPLETED:
        sets["completed_at"] = now
    elif row["completed_at"] is not None:
        sets["completed_at"] = None
    return sets
