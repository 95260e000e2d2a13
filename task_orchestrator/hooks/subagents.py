"""SubagentStart / SubagentStop: a plugin agent (``task-orchestrator:orchestrator-*``) works
on one subtask and its final message completes it (docs/ARCHITECTURE.md, "The Claude Code
plugin"). Which subtask is hooks/agentlink.py's rule; agents of other types are left alone.

These events and PostToolUseFailure may wait in the spool (hooks/events.py). SubagentStart's
link and a failure's task must be those of their moment, so :func:`for_spool` resolves them
before the event is spooled (reading works while another process writes) and the replay
applies that id; SubagentStop needs nothing of its moment that the replay, in order, would
not have.
"""

from __future__ import annotations

from . import agentlink
from .log import log
from .protocol import Event
from .settings import Settings

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.store import TaskStore

PREFIX = "task-orchestrator:orchestrator-"
# A SubagentStart or PostToolUseFailure resolved before it was spooled: its task then.
RESOLVED = "task_orchestrator_task_id"


def _ours(event: Event) -> bool:
    return event.text("agent_type").startswith(PREFIX) and bool(event.text("agent_id"))


def task_id_in(text: str) -> str | None:
    """The first ``task_xxxxxxxx`` id in ``text``."""
    found = agentlink.task_ids_in(text)
    return found[0] if found else None


def handle_start(event: Event, settings: Settings) -> dict[str, object] | None:
    if not _ours(event):
        return None
    from .state import open_store

    with open_store(event) as store:
        resolved = event.text(RESOLVED)
        found = (resolved, "the spooled start") if resolved else agentlink.resolve(store, event)
        if found is None:
            log("info", f"SubagentStart: {event.text('agent_type')}: no subtask of this session")
            return None
        agentlink.link(store, event, found[0])
        log("info", f"SubagentStart: {event.text('agent_type')} works on {found[0]} ({found[1]})")
    return None


def for_spool(name: str, payload: dict[str, object]) -> dict[str, object]:
    """SubagentStart or PostToolUseFailure about to wait in the spool, with the task it is
    about resolved now (replayed later, the store may have moved on: another subtask
    started). Best effort: a store that cannot even be read leaves it to the replay."""
    event = Event(name, payload)
    if RESOLVED in payload or (name == "SubagentStart" and not _ours(event)):
        return payload
    from ..core.errors import StoreError
    from .state import SHORT_BUSY_TIMEOUT_S, open_store

    try:
        with open_store(event, busy_timeout=SHORT_BUSY_TIMEOUT_S) as store:
            if name == "SubagentStart":
                found = agentlink.resolve(store, event)
                task_id = None if found is None else found[0]
            else:
                task_id = _failed_on(store, event)
    except StoreError:
        return payload
    except Exception as exc:  # a bug here must not cost the event its place in the spool
        log("error", f"{name}: not resolved before spooling: {exc!r}", exc_info=True)
        return payload
    return payload if task_id is None else {**payload, RESOLVED: task_id}


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
        linked = store.get_mark(agentlink.agent_mark(event))
        # The agent's own prompt is the model's word on what it delegated: it wins over a
        # link SubagentStart had to infer.
        path = agentlink.agent_transcript(event)
        prompt = agentlink.waiting(lambda: agentlink.prompt_of(path), bool) if path else ""
        task_id = task_id_in(prompt) or linked
        agentlink.unlink(store, event, linked)
        if not task_id:
            return
        try:
            task = store.get_task(task_id)
        except NotFound:
            return
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
    """PostToolUseFailure: a ``tool_failed`` event on the subtask being worked on, with the
    tool's name and its error, bounded; interrupts are not failures of the work and are left
    out."""
    if event.flag("is_interrupt"):
        return None
    from .state import CLIENT, open_store

    with open_store(event) as store:
        session = store.find_session(CLIENT, event.session_id)
        if session is None:  # a session the hooks never saw start has no work of ours
            return None
        target = event.text(RESOLVED) or _failed_on(store, event)
        if not target:
            return None
        store.record_event(
            "tool_failed",
            workspace_id=session.workspace_id,
            session_id=session.id,
            task_id=target,
            data={
                "tool": event.text("tool_name")[:200],
                "error": " ".join(event.text("error").split())[:ERROR_CHARS],
            },
        )
    return None


def _failed_on(store: TaskStore, event: Event) -> str | None:
    """The task a failed tool call belongs to: the linked subtask of the plugin agent that
    made it (tool events inside an agent carry its ``agent_id``), else the newest subtask in
    progress of the session's active task, else that task. Reads only (see for_spool)."""
    from .state import known_active_task, working_subtask

    if event.text("agent_id"):
        linked = store.get_mark(agentlink.agent_mark(event))
        if linked:
            return linked
    found = known_active_task(store, event)
    if found is None:
        return None
    parent = found[1]
    return (working_subtask(store, parent) or parent).id
