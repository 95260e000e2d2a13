"""What every store-touching hook needs: the store (opened with a short busy timeout), the
workspace of the event's cwd, this Claude Code session, and its active task.

Imported only by hooks that touch the store, so the cheap ones never load the core.
"""

from __future__ import annotations

import os

from ..core.enums import Status
from ..core.errors import InvalidTransition, NotFound
from ..core.models import NewTask, Session, Task
from ..core.root import db_file
from ..core.rules import is_finished
from ..core.store import TaskStore
from ..core.workspace import find_workspace
from .protocol import Event

CLIENT = "claude-code"
LINK_SOURCE = "claude-code"
# Claude Code kills a hook after its timeout (hooks/spec.py: 10 s, SessionEnd 2 s). Waiting
# for a lock held by someone else must end well before that, so that we fail open ourselves
# instead of being killed half-way.
BUSY_TIMEOUT_S = 3.0
SHORT_BUSY_TIMEOUT_S = 0.7  # SessionEnd: all SessionEnd hooks share about 1.5 s


class _Lent(TaskStore):
    """The spool replay's store, lent to a handler: its writes join the replay's open
    transaction, and leaving the handler's ``with`` block does not close it."""

    def close(self) -> None:
        pass


def open_store(
    event: Event, *, busy_timeout: float = BUSY_TIMEOUT_S, create: bool = True
) -> TaskStore:
    """The store for handling ``event``: the replay's own when the event comes from the
    spool (hooks/spool.py), otherwise a new connection with a busy timeout that fits the
    hook's budget."""
    if event.store is not None:
        return _Lent(event.store.conn, event.store.file)
    path = db_file()
    # A hook creates the store on a first run only. With its folder there, a missing store
    # was deleted or moved: an empty one in its place would hide that from the user (doctor
    # explains it) and from running servers, which refuse calls until it is back.
    if create and os.path.isdir(os.path.dirname(path)):
        create = False
    return TaskStore.open(path, create=create, busy_timeout=busy_timeout)


def claude_session(store: TaskStore, event: Event) -> Session:
    """This Claude Code session. An existing one keeps its workspace even if the cwd moved
    (the model may ``cd`` into a subfolder or elsewhere); a new one takes the cwd's."""
    found = store.find_session(CLIENT, event.session_id)
    if found is not None and found.status == "active":
        return found
    workspace = store.workspace(find_workspace(event.cwd))
    if found is not None and found.workspace_id != workspace.id:
        workspace = store.get_workspace(found.workspace_id)
    return store.open_session(workspace.id, CLIENT, event.session_id)[0]


def active_task(store: TaskStore, session: Session) -> Task | None:
    """The session's active task, unless it was deleted or archived meanwhile."""
    if not session.active_task_id:
        return None
    try:
        task = store.get_task(session.active_task_id)
    except NotFound:
        return None
    return None if task.archived else task


def known_active_task(store: TaskStore, event: Event) -> tuple[Session, Task] | None:
    """The event's session and its active task, if that session is known and has one;
    events that only follow a plan (file edits, compaction, stop) never create either."""
    session = store.find_session(CLIENT, event.session_id)
    task = None if session is None else active_task(store, session)
    return None if session is None or task is None else (session, task)


def move(store: TaskStore, task: Task, target: Status) -> Task:
    """Bring ``task`` to ``target`` whatever it is now: Claude Code's list has no transition
    rules, ours has (a completed task must be reopened; blocked cannot jump to completed)."""
    if task.status == target:
        return task
    try:
        return store.set_status(task.id, target, reopen=is_finished(task))
    except InvalidTransition:
        # Go through in_progress, which every status can reach (reopening if terminal).
        mid = store.set_status(task.id, Status.IN_PROGRESS, reopen=is_finished(task))
        return store.set_status(mid.id, target) if target != Status.IN_PROGRESS else mid


def ensure_parent(store: TaskStore, session: Session, hint: str) -> Task:
    """The task mirrored subtasks go under: the active one (reopened if it was finished and
    new work arrives), or a new one when the session has none."""
    task = active_task(store, session)
    if task is None:
        root = NewTask(
            title=f"Claude Code plan: {hint}"[:200],
            description="Created by the task-orchestrator hooks to hold Claude Code's own task "
            "list for this session (no work prompt was planned first).",
            context={"source": "claude-code", "claude_session": session.external_id},
        )
        # A parallel hook of the same session may give it a parent first: then that one is
        # returned and ours is never created.
        task, _ = store.create_linked(
            session.workspace_id, root, session_id=session.id, if_no_active=True
        )
    if is_finished(task):
        task = move(store, task, Status.IN_PROGRESS)
    return task
