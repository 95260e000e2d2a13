"""``task-orchestrator hook EVENT``: read one event from stdin, answer on stdout, exit 0.

This is the hooks' one error boundary. Whatever goes wrong on our side (bad JSON, a missing
field, a locked or corrupted store, a bug) the hook fails open: exit 0, nothing on stdout or
one short ``systemMessage``, the details in ``logs/hooks.log``. It never exits 2, which
Claude Code reads as "block" (and on UserPromptSubmit, as "erase the prompt").

Which module handles an event is hooks/events.py's table; here each event first lets the
spool catch up (hooks/spool.py), then goes to its handler. Event modules are imported only
when their event arrives, and each imports the core only when it really needs the store, so
that cheap answers stay cheap.
"""

from __future__ import annotations

import os
import sys

from . import events, protocol, spool

# Only where a person is looking at the start of something does trouble deserve a line on
# screen; a message on every tool call would be noise. Everything is in the log either way.
ANNOUNCE_TROUBLE = frozenset({"SessionStart", "UserPromptSubmit"})


def run(args: list[str], *, detach: bool = False) -> int:
    """Handle one event. ``detach``: the caller is a hook process of its own (``__main__``),
    which may fork to do a handler's after-answer work (see :func:`_after_answer`)."""
    name = args[0] if args else ""
    answer: dict[str, object] | None = None
    raw = b""
    try:
        raw = protocol.read_stdin()
        answer = dispatch(name, raw)
    except Exception as exc:
        answer = _fail_open(name, exc, raw)
    protocol.emit(answer)
    _after_answer(name, detach)
    return 0


def _after_answer(name: str, detach: bool) -> None:
    """Run the work handlers left for after the answer (protocol.after_answer).

    Claude Code waits for the hook process to exit, so in a hook process of its own the
    work goes to a forked child that lets go of Claude Code's pipes: the event costs nothing
    more than the fork. In-process (tests, an embedding caller) or without fork (Windows) it
    runs here, after the answer is written.
    """
    tasks = protocol.take_after()
    if not tasks:
        return
    child = False
    if detach and hasattr(os, "fork"):
        try:
            pid = os.fork()
        except OSError as exc:  # no fork (a process limit): do the work here after all
            _log_failure(name, exc)
        else:
            if pid:
                return
            child = True
            try:
                os.setsid()
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
            except OSError:
                os._exit(0)  # it might still hold Claude Code's pipes: leave the work
    try:
        for task in tasks:
            try:
                task()
            except Exception as exc:
                _log_failure(name, exc)
    finally:
        if child:
            os._exit(0)


def _log_failure(name: str, exc: Exception) -> None:
    from .log import log

    log("error", f"hook {name or '?'} after its answer: {type(exc).__name__}: {exc}", exc_info=True)


def dispatch(name: str, raw: bytes) -> dict[str, object] | None:
    payload = protocol.parse(raw)
    if not name:
        name = protocol.text_of(payload, "hook_event_name")
    if name not in events.HANDLERS:
        from .log import log

        log("warning", f"hook {name!r}: not an event we handle; ignored")
        return None
    from .settings import load_settings

    settings = load_settings()
    if settings.team is not None:
        # A member's machine: the team server has the store (hooks/team.py).
        from . import team

        return team.dispatch(name, payload, settings)
    if spool.backlog():
        # Events spooled earlier go first, so that the store sees events in their order.
        waiting = spool.replay(settings) if name in events.REPLAYS_FIRST else True
        if waiting and name in events.SPOOLED and spool.save(name, payload):
            # Some still wait (the replay ran out of time, or the store is busy): this one
            # queues behind them instead of overtaking them.
            return _trouble_answer(name, "older events are still being recorded", True)
    return events.handler(name)(protocol.Event(name, payload), settings)


def _fail_open(name: str, exc: Exception, raw: bytes) -> dict[str, object] | None:
    from ..core.errors import StoreBusy
    from .log import log

    busy = isinstance(exc, StoreBusy)
    expected = _is_expected(exc)
    spooled = False
    if busy:
        try:
            spooled = spool.save(name, protocol.parse(raw))
        except Exception:  # the payload itself was the trouble: nothing to keep
            spooled = False
    log(
        "warning" if expected else "error",
        f"hook {name or '?'} failed open: {type(exc).__name__}: {exc}"
        + (" (event spooled for replay)" if spooled else ""),
        exc_info=not expected,
    )
    if isinstance(exc, protocol.BadInput):
        return None
    if busy:
        return _trouble_answer(name, "the task store was busy", spooled)
    if expected:
        return _trouble_answer(
            name, "the task store is unavailable; run `task-orchestrator doctor`"
        )
    return _trouble_answer(name, "an internal error occurred")


def _trouble_answer(name: str, what: str, spooled: bool | None = None) -> dict[str, object] | None:
    """One line for the user, on the events where one is looking (``spooled``: whether the
    event was kept for later; None when that is not the question)."""
    if name not in ANNOUNCE_TROUBLE:
        return None
    from .log import log_path

    if spooled is not None:
        what += "; this event " + ("will be recorded later" if spooled else "was not recorded")
    return protocol.message_answer(f"task-orchestrator hook {name}: {what} (see {log_path()})")


def _is_expected(exc: Exception) -> bool:
    """Trouble of the environment (bad input, store locked or broken) rather than a bug."""
    import _sqlite3 as sqlite3  # what sqlite3 re-exports; core/db.py says why

    from ..core.errors import StoreUnavailable

    # Other store errors (a refused transition, an unknown id) would mean a bug of ours:
    # those get a traceback in the log.
    return isinstance(exc, (protocol.BadInput, StoreUnavailable, sqlite3.Error, OSError))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(sys.argv[1:]))
