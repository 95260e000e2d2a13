"""The Claude Code hook protocol: one JSON object in on stdin, at most one JSON object out.

Kept to ``core.fastjson``, ``os`` and ``sys`` on purpose: a hook that has nothing to do (a tool we do
not track, a chatty prompt) must finish at about the cost of starting Python.
"""

from __future__ import annotations

import sys

from ..core import fastjson

# Claude Code puts whole file contents into PostToolUse payloads (Write's ``content``,
# Edit's ``originalFile``), so multi-megabyte input is legitimate; past this bound we stop
# parsing (but still drain stdin, so Claude Code never sees a broken pipe).
MAX_INPUT_BYTES = 64 * 1024 * 1024
# A systemMessage is one short line for a person, never a report.
MAX_MESSAGE_CHARS = 300


# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from ..core.models import Workspace
    from ..core.store import TaskStore

# Work a handler leaves for after its answer is out (runner.run says where it runs).
_after: list[Callable[[], None]] = []


def after_answer(task: Callable[[], None]) -> None:
    """Do ``task`` once the answer is written, without holding Claude Code up."""
    _after.append(task)


def take_after() -> list[Callable[[], None]]:
    tasks = _after[:]
    _after.clear()
    return tasks


class BadInput(Exception):
    """The payload is missing, not JSON, not an object, too large or lacks a field we need."""


def read_stdin() -> bytes:
    """All of stdin, or the first MAX_INPUT_BYTES + 1 bytes of it (the rest is drained)."""
    if sys.stdin is None:  # started without a stdin at all
        return b""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream put in place by an embedding caller or a test
        return str(sys.stdin.read()).encode("utf-8")[: MAX_INPUT_BYTES + 1]
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        if size <= MAX_INPUT_BYTES:
            chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[: MAX_INPUT_BYTES + 1]


def parse(raw: bytes) -> dict[str, object]:
    if not raw.strip():
        raise BadInput("empty stdin")
    if len(raw) > MAX_INPUT_BYTES:
        raise BadInput(f"stdin larger than {MAX_INPUT_BYTES} bytes")
    try:
        data = fastjson.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadInput(f"stdin is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadInput(f"stdin is JSON {type(data).__name__}, not an object")
    return data


class Event:
    """A parsed payload with typed accessors. Unknown fields are ignored (new ones keep
    appearing); a field of the wrong type reads as missing.

    ``store`` is set on an event replayed from the spool: the store of the replay, whose
    open transaction the handler's writes join (hooks/state.py ``open_store``). A live event
    has none; its handler opens the store itself, if it needs it at all.

    ``locate`` is set by the team server (server/teamhooks.py), which cannot see the
    member's folder: it gives the event's workspace in the store (hooks/state.py
    ``event_workspace``); otherwise the workspace is the cwd's on this machine."""

    __slots__ = ("name", "payload", "store", "locate")

    def __init__(
        self, name: str, payload: dict[str, object], store: TaskStore | None = None
    ) -> None:
        self.name = name
        self.payload = payload
        self.store = store
        self.locate: Callable[[TaskStore], Workspace] | None = None

    def text(self, key: str, default: str = "") -> str:
        value = self.payload.get(key)
        return value if isinstance(value, str) else default

    def flag(self, key: str) -> bool:
        return self.payload.get(key) is True

    def obj(self, key: str) -> dict[str, object]:
        value = self.payload.get(key)
        return value if isinstance(value, dict) else {}

    @property
    def session_id(self) -> str:
        sid = self.text("session_id")
        if not sid:
            raise BadInput("payload has no session_id string")
        return sid

    @property
    def cwd(self) -> str:
        cwd = self.text("cwd")
        if not cwd:
            raise BadInput("payload has no cwd string")
        return cwd


def text_of(mapping: dict[str, object], key: str) -> str:
    value = mapping.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # Claude Code's task ids are strings today; numbers read the same
    return value if isinstance(value, str) else ""


def context_answer(event: str, text: str, message: str = "") -> dict[str, object]:
    """Context for the model. It must sit in hookSpecificOutput: Claude Code ignores a
    top-level additionalContext."""
    answer: dict[str, object] = {
        "hookSpecificOutput": {"hookEventName": event, "additionalContext": text}
    }
    if message:
        answer["systemMessage"] = short(message)
    return answer


def message_answer(message: str) -> dict[str, object]:
    return {"systemMessage": short(message)}


def short(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= MAX_MESSAGE_CHARS else line[: MAX_MESSAGE_CHARS - 3] + "..."


def emit(answer: dict[str, object] | None) -> None:
    """Write the one answer. Nothing at all is a valid answer ("nothing to add")."""
    if not answer:
        return
    text = fastjson.dumps(answer, ensure_ascii=False)
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        # Claude Code gave up on us (timeout) and closed the pipe: nothing left to tell.
        pass
