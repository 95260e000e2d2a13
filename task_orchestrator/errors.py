"""The one error boundary's vocabulary: ``UserError`` is anything the user can fix, shown as
one line and exit 1; anything else is a bug, exit 3 with a pointer to the log file."""

from __future__ import annotations


class UserError(Exception):
    """The user can fix this; the message says how."""


#: How a person gets out of each store error (core/errors.py, FIXES), in the CLI's words;
#: ``{id}`` is the task concerned. The board shows the same text.
PERSON_ADVICE = {
    "find_id": "`task-orchestrator tasks list --all` lists the ids",
    "other_workspace": "pass --workspace with that folder to act on it",
    "reopen": "`task-orchestrator tasks reopen {id}` reopens it",
    "dependencies_first": "`task-orchestrator tasks next` shows what is ready",
    "subtasks_first": "finish or cancel its subtasks first (`task-orchestrator tasks show {id}`)",
    "workspace_gone": "run the command from the project's folder",
}


def person_message(exc: Exception) -> str:
    """A store error's message with the advice a person can follow."""
    fix = getattr(exc, "fix", None)
    advice = PERSON_ADVICE.get(fix or "")
    if not advice:
        return str(exc)
    return f"{exc}; {advice.format(id=getattr(exc, 'task_id', None) or 'ID')}"


EXIT_OK = 0
EXIT_USER = 1
EXIT_USAGE = 2
EXIT_BUG = 3
