"""Who makes a change, and on which machine: stamped on every task a write creates or changes.

On one machine that is the local user and host, worked out once per process. The team server
serves many people from one process, so it sets the member and the machine their request
names for the length of one call (:class:`acting`); the store reads :func:`current` when it
writes and never takes the actor as an argument, so that no caller can forget to pass it.

Only ``os`` and ``contextvars``: the hooks stamp their writes too.
"""

from __future__ import annotations

import contextvars
import os

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType

#: Longest user or machine name kept; anything longer is cut (a header is the member's input).
NAME_CHARS = 128


class Actor:
    """A user and a machine, both plain non-empty strings."""

    __slots__ = ("user", "machine")

    def __init__(self, user: str, machine: str) -> None:
        self.user = clean(user) or "unknown"
        self.machine = clean(machine) or "unknown"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Actor) and (self.user, self.machine) == (
            other.user,
            other.machine,
        )

    def __hash__(self) -> int:
        return hash((self.user, self.machine))

    def __repr__(self) -> str:
        return f"Actor({self.user!r}, {self.machine!r})"


def clean(name: str) -> str:
    """A name as stored: control characters dropped, spaces trimmed, at most NAME_CHARS."""
    kept = "".join(ch for ch in str(name) if ch.isprintable())
    return kept.strip()[:NAME_CHARS]


def local_user() -> str:
    """The login name, from the environment as ``getpass.getuser`` reads it, without its
    import (``pwd`` is the fallback, read only when no variable is set)."""
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        name = os.environ.get(var)
        if name:
            return name
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        return "unknown"


def local_machine() -> str:
    """This host's name (``uname``'s node name; ``COMPUTERNAME`` on Windows)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    return os.environ.get("COMPUTERNAME", "unknown")


_local: Actor | None = None
_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("actor", default=None)


def local() -> Actor:
    """This process's own user and machine (computed once)."""
    global _local
    if _local is None:
        _local = Actor(local_user(), local_machine())
    return _local


def current() -> Actor:
    """Who the change being written is for: the actor set by :class:`acting`, else local."""
    return _current.get() or local()


class acting:
    """``with acting(Actor(...)):`` every store write inside is stamped with that actor.

    A class rather than ``@contextmanager``: contextlib is one more import on the hook path.
    """

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._token: contextvars.Token[Actor | None] | None = None

    def __enter__(self) -> Actor:
        self._token = _current.set(self.actor)
        return self.actor

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
