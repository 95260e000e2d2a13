"""SubagentStart / SubagentStop: a plugin agent (``task-orchestrator:orchestrator-*``) works
on one subtask and its final message completes it (docs/ARCHITECTURE.md, "The Claude Code
plugin").

Real payloads (2.1.197 and 2.1.332): SubagentStart carries ``agent_id`` and ``agent_type``,
not the prompt (the agent's transcript does not exist yet); SubagentStop adds
``agent_transcript_path`` and ``last_assistant_message``. So the start links the agent to the
subtask in progress in the session's workspace (the one orchestrator_execute_task just
started), and the stop takes that link or, failing it, the first task id named in the agent's
prompt (the transcript's first user message). Agents of other types are left alone.
"""

from __future__ import annotations

from .log import log
from .protocol import Event
from .settings import Settings

PREFIX = "task-orchestrator:orchestrator-"
LINK_MARK = "claude-agent:"
# The prompt is the transcript's first line or so; never read a long transcript whole.
TRANSCRIPT_HEAD = 64_000
_ID_CHARS = frozenset("23456789abcdefghjkmnpqrstuvwxyz")


def _ours(event: Event) -> bool:
    return event.text("agent_type").startswith(PREFIX) and bool(event.text("agent_id"))


def _mark(event: Event) -> str:
    return f"{LINK_MARK}{event.session_id}:{event.text('agent_id')}"


def handle_start(event: Event, settings: Settings) -> dict[str, object] | None:
    if not _ours(event):
        return None
    from .state import claude_session, open_store

    with open_store(event) as store:
        session = claude_session(store, event)
        doing = store.in_progress(session.workspace_id, limit=20)
        # The most recently started: orchestrator_execute_task just started the subtask.
        leaves = [t for t in doing if not store.children(t.id)]
        if not leaves:
            return None
        task = max(leaves, key=lambda t: t.updated_at)
        store.set_mark(_mark(event), task.id)
        log("info", f"SubagentStart: {event.text('agent_type')} works on {task.id}")
    return None


def task_id_in(text: str) -> str | None:
    """The first ``task_xxxxxxxx`` id in ``text``."""
    start = text.find("task_")
    while start != -1:
        word = text[start + 5 : start + 13]
        after = text[start + 13 : start + 14]
        if len(word) == 8 and set(word) <= _ID_CHARS and not (after.isalnum() or after == "_"):
            return "task_" + word
        start = text.find("task_", start + 5)
    return None


def _prompt_of(path: str) -> str:
    """The agent's prompt: the first user message of its transcript (a JSONL file)."""
    from ..core import fastjson

    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(TRANSCRIPT_HEAD)
    except OSError:
        return ""
    for line in head.split("\n"):
        try:
            entry = fastjson.loads(line)
        except ValueError:
            continue
        message = entry.get("message") if isinstance(entry, dict) else None
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def handle_stop(event: Event, settings: Settings) -> dict[str, object] | None:
    if _ours(event):
        _complete(event)
    from .stop import handle

    return handle(event, settings)


def _complete(event: Event) -> None:
    from ..core.enums import Status
    from ..core.errors import NotFound
    from ..core.models import MAX_SUMMARY
    from ..core.rules import is_finished
    from .state import move, open_store

    with open_store(event) as store:
        task_id = store.get_mark(_mark(event)) or task_id_in(
            _prompt_of(event.text("agent_transcript_path"))
        )
        if not task_id:
            return
        try:
            task = store.get_task(task_id)
        except NotFound:
            return
        store.drop_marks(_mark(event))
        if is_finished(task):
            return
        summary = " ".join(event.text("last_assistant_message").split())
        if summary:
            store.update_task(task.id, summary=summary[:MAX_SUMMARY])
        move(store, store.get_task(task.id), Status.COMPLETED)
        log("info", f"SubagentStop: {event.text('agent_type')} completed {task.id}")


#: How much of a failed tool call's error is kept in the event.
ERROR_CHARS = 1_000


def handle_failure(event: Event, settings: Settings) -> dict[str, object] | None:
    """PostToolUseFailure: a ``tool_failed`` event on the subtask in progress (the task the
    file edits go to), with the tool's name and its error, bounded; interrupts are not
    failures of the work and are left out."""
    if event.flag("is_interrupt"):
        return None
    from ..core.enums import Status
    from .state import known_active_task, open_store

    with open_store(event) as store:
        found = known_active_task(store, event)
        if found is None:
            return None
        session, parent = found
        working = [c for c in store.children(parent.id) if c.status == Status.IN_PROGRESS]
        target = max(working, key=lambda t: t.updated_at) if working else parent
        store.record_event(
            "tool_failed",
            workspace_id=session.workspace_id,
            session_id=session.id,
            task_id=target.id,
            data={
                "tool": event.text("tool_name")[:200],
                "error": " ".join(event.text("error").split())[:ERROR_CHARS],
            },
        )
    return None
