"""The one error boundary's vocabulary: ``UserError`` is anything the user can fix, shown as
one line and exit 1; anything else is a bug, exit 3 with a pointer to the log file."""

from __future__ import annotations


class UserError(Exception):
    """The user can fix this; the message says how."""


EXIT_OK = 0
EXIT_USER = 1
EXIT_USAGE = 2
EXIT_BUG = 3
