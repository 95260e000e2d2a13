"""What every store-touching hook needs: the store (opened with a short busy timeout), the
workspace of the event's cwd, this Claude Code session, and its active task.

Also each session's latest prompt (:func:`remember_prompt`), which decides where the model's
own task list goes when that prompt made no task (:func:`ensure_parent`).

Imported only by hooks that touch the store, so the cheap ones never load the core.
"""

from __future__ import annotations

import os

from ..core import fastjson
from ..core.enums import Status
from ..core.errors import InvalidTransition, NotFound
from ..core.models import NewTask, Session, Task, Workspace, now_iso
from ..core.root import db_file, team_store
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
PROMPT_LINK = "claude-code-prompt"  # external link: one task per prompt id, however often fired
# + Claude Code's session id: that session's latest prompt, in the store's scratch table
# (private like the whole store, never read by a task query), dropped at SessionEnd.
PROMPT_MARK = "claude-prompt:"
PROMPT_TEXT_CHARS = 4_000  # what of a prompt is kept to describe a task made from it later
NOT_KEPT = (
    'The prompt\'s text was not kept (capture_prompts = "title" in the [hooks] settings); '
    "ask the user for the details."
)


class _Lent(TaskStore):
    """The spool replay's store, lent to a handler: its writes join the replay's open
    transaction, and leaving the handler's ``with`` block does not close it."""

    def close(self) -> None:
        pass


def store_file() -> str:
    """The SQLite store the hooks write. With a PostgreSQL store configured and no
    ``[team]`` (which sends events to a team server before any handler runs: hooks/team.py)
    the hooks do nothing and say so in the log (docs/ARCHITECTURE.md, "Two engines").
    Writing the local file instead would split the user's tasks in two, and psycopg has no
    place on the hook path."""
    where = team_store()
    if where is not None:
        from ..core.errors import StoreUnavailable

        raise StoreUnavailable(
            f"the task store is a PostgreSQL database ({where}); hooks need the team "
            "server to reach it, so hooks record nothing until [team] is set "
            "(orchestrator-setup install --team URL; the MCP server, the CLI and the board "
            "use the database directly)"
        )
    return db_file()


def open_store(
    event: Event, *, busy_timeout: float = BUSY_TIMEOUT_S, create: bool = True
) -> TaskStore:
    """The store for handling ``event``: the replay's own when the event comes from the
    spool (hooks/spool.py), otherwise a new connection with a busy timeout that fits the
    hook's budget."""
    if event.store is not None:
        return _Lent(event.store.conn, event.store.file)
    path = store_file()
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
    workspace = event_workspace(store, event)
    if found is not None and found.workspace_id != workspace.id:
        workspace = store.get_workspace(found.workspace_id)
    return store.open_session(workspace.id, CLIENT, event.session_id)[0]


def event_workspace(store: TaskStore, event: Event) -> Workspace:
    """The workspace of the event's cwd: on the team server, what it worked out from the
    request (``event.locate``); here, the project that contains the cwd."""
    if event.locate is not None:
        return event.locate(store)
    return store.workspace_for_root(find_workspace(event.cwd))


def active_task(store: TaskStore, session: Session) -> Task | None:
    """The session's active task, unless it was deleted or archived meanwhile."""
    if not session.active_task_id:
        return None
    try:
        task = store.get_task(session.active_task_id)
    except NotFound:
        return None
    return None if task.archived else task


def working_subtask(store: TaskStore, plan: Task) -> Task | None:
    """The subtask of ``plan`` being worked on now: its newest one in progress, or None.
    Where a file edit, a commit or a failed tool call belongs (the plan itself when None)."""
    working = [c for c in store.children(plan.id) if c.status == Status.IN_PROGRESS]
    return max(working, key=lambda t: t.updated_at) if working else None


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


def remember_prompt(
    store: TaskStore, session: Session, prompt_id: str, *, text: str = "", title: str = ""
) -> None:
    """Keep ``session``'s latest prompt: its id, when it arrived, and its text (at most
    PROMPT_TEXT_CHARS) or, with ``capture_prompts = "title"``, only its title. It marks the
    start of a prompt turn, and names the task the model's own list goes under when the
    prompt made none (:func:`ensure_parent`)."""
    record = {"id": prompt_id, "at": now_iso(), "title": title[:200], "text": text.strip()}
    if len(record["text"]) > PROMPT_TEXT_CHARS:
        record["text"] = record["text"][: PROMPT_TEXT_CHARS - 24] + "\n[... prompt truncated]"
    store.set_mark(PROMPT_MARK + (session.external_id or ""), fastjson.dumps(record))


def latest_prompt(store: TaskStore, session: Session) -> dict[str, str] | None:
    """What :func:`remember_prompt` kept for ``session``, if anything (and it reads)."""
    raw = store.get_mark(PROMPT_MARK + (session.external_id or ""))
    try:
        record = fastjson.loads(raw) if raw else None
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("at"), str):
        return None
    return {k: v for k, v in record.items() if isinstance(v, str)}


def ensure_parent(store: TaskStore, session: Session, hint: str, prompt_id: str = "") -> Task:
    """The task mirrored subtasks go under (``prompt_id``: the prompt turn of the event).

    The active task, if there is one, unless it was finished before the session's latest
    prompt: a finished task is reopened only by work of the prompt turn it was finished in
    (a Stop that completed it, then more work before the user speaks again). Work after a
    later prompt, one that made no task (a request the classifier missed), goes under a new
    task made for that prompt, titled from it; the finished task stays as it was. With no
    prompt kept (the hook saw none), a new task is named after the first subtask."""
    task = active_task(store, session)
    latest = latest_prompt(store, session)
    if task is not None and is_finished(task) and latest is not None:
        finished_at = task.completed_at or task.updated_at
        if finished_at < latest["at"]:
            return _prompt_task(store, session, hint, latest, prompt_id, after=task)
    if task is None:
        if latest is not None:
            return _prompt_task(store, session, hint, latest, prompt_id)
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


def _prompt_task(
    store: TaskStore,
    session: Session,
    hint: str,
    latest: dict[str, str],
    prompt_id: str,
    after: Task | None = None,
) -> Task:
    """The task of the latest prompt, made now if that prompt made none: titled from the
    prompt (from ``hint``, the first subtask, when the prompt is a short follow-up such as
    "yes, do it", or when the event belongs to another prompt than the one kept)."""
    from .classify import MIN_WORDS, size, title_from

    ours = not prompt_id or latest.get("id") == prompt_id
    text = latest.get("text", "")
    if ours and text and size(text) >= MIN_WORDS:
        title = title_from(text)
    elif ours and not text and latest.get("title"):
        title = latest["title"]
    else:
        title = f"Claude Code plan: {hint}"[:200]
    context: dict[str, object] = {"source": "claude-code", "claude_session": session.external_id}
    if after is not None:
        context["after"] = after.id
    if text or latest.get("title"):
        description = (text or NOT_KEPT) if ours else ""
    else:  # auto_plan = "off": only the prompt's arrival was kept
        description = "Created by the task-orchestrator hooks to hold Claude Code's own task list "
        description += "for a prompt that made no task (its text was not kept)."
    # One task per prompt (the link), so the two hooks of one TaskCreate make one.
    key = latest.get("id") or "at:" + latest["at"]
    task, _ = store.create_linked(
        session.workspace_id,
        NewTask(title=title, description=description, context=context),
        session_id=session.id,
        link=(PROMPT_LINK, session.external_id or "", key),
        activate=True,
    )
    if is_finished(task):  # the prompt's own task, finished in this turn: more work for it
        task = move(store, task, Status.IN_PROGRESS)
    return task


def follow_git(event: Event, *tasks: Task) -> None:
    """Record the git facts the new status of ``tasks`` calls for (core/gitlink.py), after
    the answer: git runs then, in the hook's forked child, so that Claude Code never waits
    for it (docs/ARCHITECTURE.md, "Git state")."""
    from ..core.gitlink import wants_git

    cwd = event.text("cwd")
    wanted = [t.id for t in tasks if wants_git(t)]
    if not cwd or not wanted:
        return
    from .protocol import after_answer

    after_answer(lambda: _record_git(wanted, cwd))


def _record_git(task_ids: list[str], cwd: str) -> None:
    from ..core.gitlink import follow

    store = store_after_answer()
    if store is None:
        return
    with store:
        for task_id in task_ids:
            follow(store, task_id, cwd)


def store_after_answer() -> TaskStore | None:
    """A store of its own for work after the answer (the handler's is closed by then, and a
    replay's transaction is over); None when it cannot be opened now, which is logged."""
    from ..core.errors import StoreError

    try:
        return TaskStore.open(store_file(), create=False, busy_timeout=BUSY_TIMEOUT_S)
    except StoreError as exc:
        from .log import log

        log("warning", f"git facts not recorded: {exc}")
        return None
