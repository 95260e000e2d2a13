"""The hooks' one table: which code handles each Claude Code event, which events may wait in
the spool, and which apply the spool before themselves (docs/ARCHITECTURE.md, "Hook events
and the spool").

A handler module is imported only when its event arrives, so that an event with a cheap
answer never loads the others (nor the core). Each loader below is a plain function with a
plain import, rather than an import by computed name, so that tests/test_import_cycles.py
sees these edges like any other.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from .protocol import Event
    from .settings import Settings

    Handler = Callable[[Event, Settings], "dict[str, object] | None"]


def _session_start() -> Handler:
    from .session_start import handle

    return handle


def _prompt() -> Handler:
    from .prompt import handle

    return handle


def _mirror() -> Handler:
    from .mirror import handle

    return handle


def _stop() -> Handler:
    from .stop import handle

    return handle


def _precompact() -> Handler:
    from .precompact import handle

    return handle


def _subagent_start() -> Handler:
    from .subagents import handle_start

    return handle_start


def _subagent_stop() -> Handler:
    from .subagents import handle_stop

    return handle_stop


def _tool_failure() -> Handler:
    from .subagents import handle_failure

    return handle_failure


def _session_end() -> Handler:
    from .session_end import handle

    return handle


HANDLERS: dict[str, Callable[[], Handler]] = {
    "SessionStart": _session_start,
    "UserPromptSubmit": _prompt,
    "PostToolUse": _mirror,
    "TaskCreated": _mirror,
    "TaskCompleted": _mirror,
    "Stop": _stop,
    "PostToolUseFailure": _tool_failure,
    "SubagentStart": _subagent_start,
    "SubagentStop": _subagent_stop,
    "PreCompact": _precompact,
    "SessionEnd": _session_end,
}

# Events whose effect does not depend on being answered at once: the mirroring events, prompts
# (a work prompt, or one only kept as the session's latest; the answer then says "recorded
# later"), the plugin agents' events and a failed tool call, PreCompact and SessionEnd. When
# the store is busy, or older events still wait in the spool, they join the spool instead of
# being applied now (a SubagentStart with the subtask it links to then: hooks/subagents.py).
# SessionStart and Stop answer from the store's current state: they cannot wait.
SPOOLED = frozenset(
    {
        "UserPromptSubmit",
        "PostToolUse",
        "PostToolUseFailure",
        "TaskCreated",
        "TaskCompleted",
        "SubagentStart",
        "SubagentStop",
        "PreCompact",
        "SessionEnd",
    }
)

# Every event but SessionEnd applies waiting spooled events before itself, so that events
# reach the store in the order they happened. All SessionEnd hooks share about 1.5 s: too
# little to replay anything; it joins the spool behind them instead.
REPLAYS_FIRST = frozenset(HANDLERS) - {"SessionEnd"}


def handler(name: str) -> Handler:
    """The handler of event ``name`` (a key of :data:`HANDLERS`), imported now."""
    return HANDLERS[name]()
