"""Which subtask a plugin agent works on: the one rule SubagentStart and SubagentStop share
(docs/ARCHITECTURE.md, "The Claude Code plugin").

SubagentStart's payload (2.1.197 and 2.1.332) has ``agent_id``, ``agent_type`` and the main
session's ``transcript_path``, not the agent's prompt. The prompt is found, in this order:

1. the agent's own transcript, ``<transcript without .jsonl>/subagents/agent-<id>.jsonl``
   (the path SubagentStop names), when it is already written;
2. the main transcript's Agent calls of this agent type: the model's delegation is written
   there before the agent starts. Parallel agents of one type each take the first subtask
   named there that no other agent of the session holds yet.

A task id named in the prompt wins; else the in-progress leaf of this session's active plan
that no other agent holds. Never a task of another session's plan, never a guess across the
workspace. A link is two marks in ``scratch``: agent -> task and task -> agent.
"""

from __future__ import annotations

import os
import time

from .protocol import Event

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from ..core.store import TaskStore

    T = TypeVar("T")

AGENT_MARK = "claude-agent:"  # + session + ":" + agent id -> task id
TASK_MARK = "claude-agent-task:"  # + session + ":" + task id -> agent id
# An agent's prompt is at the head of its transcript; a delegation is near the end of the
# main one. Neither file is ever read whole.
HEAD_BYTES = 64_000
TAIL_BYTES = 256_000
WAIT_S = 1.0  # how long a hook waits for a transcript line that is not written yet
WAIT_STEP_S = 0.05
AGENT_TOOLS = frozenset({"Agent", "Task"})  # "Task": the Agent tool's name before 2.1
_ID_CHARS = frozenset("23456789abcdefghjkmnpqrstuvwxyz")


def agent_mark(event: Event) -> str:
    return f"{AGENT_MARK}{event.session_id}:{event.text('agent_id')}"


def task_mark(session_id: str, task_id: str) -> str:
    return f"{TASK_MARK}{session_id}:{task_id}"


def task_ids_in(text: str) -> list[str]:
    """The ``task_xxxxxxxx`` ids in ``text``, in order, each once."""
    found: list[str] = []
    start = text.find("task_")
    while start != -1:
        word = text[start + 5 : start + 13]
        after = text[start + 13 : start + 14]
        before = text[start - 1 : start] if start else ""
        if (
            len(word) == 8
            and set(word) <= _ID_CHARS
            and not (after.isalnum() or after == "_")
            and not (before.isalnum() or before == "_")
            and "task_" + word not in found
        ):
            found.append("task_" + word)
        start = text.find("task_", start + 5)
    return found


def agent_transcript(event: Event) -> str:
    """The agent's transcript: SubagentStop names it; at SubagentStart it is derived."""
    named = event.text("agent_transcript_path")
    if named:
        return named
    main = event.text("transcript_path")
    if not main.endswith(".jsonl") or not event.text("agent_id"):
        return ""
    return os.path.join(main[:-6], "subagents", f"agent-{event.text('agent_id')}.jsonl")


def _lines(path: str, *, tail: bool) -> list[object]:
    """The JSON lines of the head (or tail) of ``path``; a cut or damaged line is skipped."""
    try:
        with open(path, "rb") as f:
            if tail:
                f.seek(max(os.fstat(f.fileno()).st_size - TAIL_BYTES, 0))
            raw = f.read(TAIL_BYTES if tail else HEAD_BYTES)
    except OSError:
        return []
    from ..core import fastjson

    out = []
    for line in raw.split(b"\n"):
        try:
            out.append(fastjson.loads(line.decode("utf-8", "replace")))
        except ValueError:
            continue
    return out


def _message(entry: object) -> dict[str, object]:
    message = entry.get("message") if isinstance(entry, dict) else None
    return message if isinstance(message, dict) else {}


def prompt_of(path: str) -> str:
    """An agent's prompt: the first user message of its transcript."""
    for entry in _lines(path, tail=False):
        message = _message(entry)
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def delegated(path: str, agent_type: str) -> list[str | None]:
    """For each of the main transcript's recent Agent calls of ``agent_type``, oldest first,
    the first task id its prompt names (None: it names none)."""
    ids: list[str | None] = []
    for entry in _lines(path, tail=True):
        content = _message(entry).get("content")
        for block in content if isinstance(content, list) else []:
            if not isinstance(block, dict) or block.get("type") != "tool_use":
                continue
            args = block.get("input")
            if block.get("name") not in AGENT_TOOLS or not isinstance(args, dict):
                continue
            asked = str(args.get("subagent_type", ""))
            # The model may name a plugin agent with or without its plugin's prefix.
            if asked != agent_type and not agent_type.endswith(":" + asked):
                continue
            named = task_ids_in(str(args.get("prompt", "")))
            ids.append(named[0] if named else None)
    return ids


def waiting(read: Callable[[], T], done: Callable[[T], bool]) -> T:
    """``read()`` until ``done`` says it has what it needs, for at most WAIT_S: Claude Code
    2.1.197 writes transcripts a moment after the fact, and a hook can run before the
    delegation or the agent's prompt is on disk (seen under load in the e2e test)."""
    deadline = time.monotonic() + WAIT_S
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(WAIT_STEP_S)
        value = read()
    return value


def _free(store: TaskStore, session_id: str, task_id: str) -> bool:
    """Open, and held by no other agent of this session."""
    from ..core.errors import NotFound
    from ..core.rules import is_finished

    try:
        task = store.get_task(task_id)
    except NotFound:
        return False
    return not is_finished(task) and store.get_mark(task_mark(session_id, task_id)) is None


def resolve(store: TaskStore, event: Event) -> tuple[str, str] | None:
    """The subtask this starting agent works on, and where it was found (for the log).
    Reads only, so that a busy store can still answer it for the spool."""
    sid = event.session_id
    own_path, main = agent_transcript(event), event.text("transcript_path")

    def read() -> tuple[str, list[str | None]]:
        return prompt_of(own_path), delegated(main, event.text("agent_type"))

    # Wait until either transcript shows how the agent was asked for.
    prompt, calls = waiting(read, lambda found: bool(found[0] or found[1]))
    own = task_ids_in(prompt)
    if own:
        return own[0], "its prompt"
    for task_id in calls:
        if task_id and _free(store, sid, task_id):
            return task_id, "the Agent call"
    from ..core.enums import Status
    from .state import CLIENT, active_task

    session = store.find_session(CLIENT, sid)
    plan = None if session is None else active_task(store, session)
    if plan is None:
        return None
    leaves = [
        t
        for t in store.descendants(plan.id)
        if t.status == Status.IN_PROGRESS and not store.children(t.id) and _free(store, sid, t.id)
    ]
    if not leaves:
        return None
    return max(leaves, key=lambda t: t.updated_at).id, "the plan in progress"


def link(store: TaskStore, event: Event, task_id: str) -> None:
    from ..core import db

    with db.write(store.conn):
        store.set_mark(agent_mark(event), task_id)
        store.set_mark(task_mark(event.session_id, task_id), event.text("agent_id"))


def unlink(store: TaskStore, event: Event, task_id: str | None) -> None:
    from ..core import db

    with db.write(store.conn):
        store.drop_marks(agent_mark(event))
        if task_id:
            store.drop_marks(task_mark(event.session_id, task_id))
