"""SessionStart: a health check, and the project's open work as context for the model.

On ``compact`` and ``resume`` the session's active plan is restored in detail (the current
state of its tree, plus what PreCompact saved) so the model picks up where it was.
"""

from __future__ import annotations

import os
import time

from ..core import db, private
from ..core.errors import StoreError
from ..core.migrations import SCHEMA_VERSION
from ..core.models import Session
from ..core.overview import overview, render_overview, render_plan
from ..core.store import TaskStore
from .health import server_registered
from .log import log
from .protocol import Event, after_answer, context_answer, message_answer
from .settings import Settings
from .state import CLIENT, active_task, event_workspace, open_store

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3

DOCTOR = "`task-orchestrator doctor`"
SETUP = "`orchestrator-setup`"


def handle(event: Event, settings: Settings) -> dict[str, object] | None:
    source = event.text("source", "startup")
    cwd = event.cwd
    problems: list[str] = []
    if settings.problems:
        problems.append("the config file has problems, see `task-orchestrator config`")
    try:
        store = open_store(event)
    except StoreError as exc:
        log("error", f"SessionStart: store unavailable: {exc}")
        return message_answer(f"task-orchestrator: the task store cannot be opened; run {DOCTOR}")
    with store:
        if settings.health_check:
            problems += _store_problems(store, source, settings.quick_check_hours)
        workspace = event_workspace(store, event)
        try:
            session: Session | None = store.open_session(workspace.id, CLIENT, event.session_id)[0]
        except StoreError as exc:
            # Another process holds the write lock past our timeout. Reading still works in
            # WAL mode, so the model gets its context; only the session record is missing.
            log("warning", f"SessionStart: session not recorded: {exc}")
            problems.append("the task store is busy, this session start was not recorded")
            session = None
        if settings.health_check and not server_registered(cwd, workspace.path):
            problems.append(
                f"the orchestrator server is not registered in Claude Code; run {SETUP}"
            )
        budget = settings.context_chars
        parts = [
            f"task-orchestrator: tasks of workspace {workspace.path} (MCP server "
            "`task-orchestrator`; tools such as orchestrator_plan_task, "
            "orchestrator_query_tasks, orchestrator_complete_task). Your TaskCreate/TaskUpdate "
            "list is mirrored into this store by hooks."
        ]
        if source in ("compact", "resume") and session is not None:
            restored = _restore(store, session, budget // 2)
            if restored:
                parts.append(restored)
        used = sum(len(p) + 2 for p in parts)
        view = overview(store, workspace.id, stale_hours=settings.stale_hours, open_only=True)
        parts.append(render_overview(view, max_chars=max(budget - used, 200)))
    text = "\n\n".join(parts)[:budget]
    message = ""
    if problems:
        log("warning", "SessionStart health: " + "; ".join(problems))
        message = "task-orchestrator: " + "; ".join(problems)
    return context_answer("SessionStart", text, message)


def _store_problems(store: TaskStore, source: str, every_hours: float) -> list[str]:
    problems = []
    if store.schema_version() != SCHEMA_VERSION:
        problems.append(f"the task store schema is not current; run {DOCTOR}")
    # The quick check reads the whole file (about 7 ms at 10,000 tasks and 80 at 100,000,
    # warm; a hook's own work is about 20), so on a fresh start it runs only when the last
    # clean check is older than ``quick_check_hours`` or was of another file (a store
    # restored from a copy), and then after the answer, in the background: what it finds is
    # reported from the next start on. Once it has failed it runs on every start, before the answer, so the message
    # stays true until the store is fixed.
    if source == "startup":
        state = check_state(store.file, every_hours)
        if state == "failed":
            if _quick_check(store.file, store.conn):
                problems.append(f"the task store failed its integrity check; run {DOCTOR}")
        elif state == "due":
            db_file = store.file
            after_answer(lambda: _quick_check_later(db_file))
    return problems


def _quick_check(db_file: str, conn: sqlite3.Connection) -> list[str]:
    """Run the check, record its outcome beside the store, return what it found."""
    found = db.quick_check(conn)
    if found:
        log("error", "SessionStart quick_check: " + "; ".join(found[:20]))
    mark_checked(db_file, failed=bool(found))
    return found


def _quick_check_later(db_file: str) -> None:
    with TaskStore.open(db_file, create=False) as store:
        _quick_check(db_file, store.conn)


def _stamp(db_file: str) -> str:
    return db_file + ".checked"


def _identity(db_file: str) -> str:
    st = os.stat(db_file)
    return f"{st.st_dev}:{st.st_ino}"


def check_state(db_file: str, every_hours: float) -> str:
    """``fresh`` (a clean check of this file within the window), ``due`` or ``failed`` (the
    last check of this file found problems). The stamp is ``EPOCH DEV:INO [failed]``."""
    try:
        with open(_stamp(db_file), encoding="utf-8") as fh:
            checked_at, identity, *rest = fh.read().split()
        if identity != _identity(db_file):
            return "due"
        if rest == ["failed"]:
            return "failed"
        age = time.time() - float(checked_at)
        return "fresh" if not rest and 0 <= age < every_hours * 3600 else "due"
    except (OSError, ValueError):
        return "due"


def mark_checked(db_file: str, *, failed: bool = False) -> None:
    try:
        line = f"{int(time.time())} {_identity(db_file)}{' failed' if failed else ''}\n"
        private.write_file(_stamp(db_file), line.encode("utf-8"))
    except OSError as exc:  # a read-only data folder: check again next time
        log("warning", f"SessionStart: cannot record the quick_check: {exc}")


def _restore(store: TaskStore, session: Session, budget: int) -> str:
    snapshot = store.latest_snapshot(session.id) or {}
    lines = []
    task = active_task(store, session)
    if task is not None:
        lines.append("Your active plan (restored after compaction or resume):")
        lines.append(render_plan(store, task.id, max_chars=max(budget - 300, 200)))
    elif isinstance(snapshot.get("plan"), str):
        lines.append("Your plan as saved before compaction:")
        lines.append(str(snapshot["plan"])[: max(budget - 300, 200)])
    files = snapshot.get("files")
    if lines and isinstance(files, list) and files:
        lines.append("Files touched so far: " + ", ".join(str(f) for f in files[:30]))
    if lines and task is not None:
        lines.append(
            f"Continue with the open subtasks of {task.id}; mark each done with TaskUpdate "
            "(or orchestrator_complete_task)."
        )
    return "\n".join(lines)
