"""SessionStart: a health check, and the project's open work as context for the model.

On ``compact`` and ``resume`` the session's active plan is restored in detail (the current
state of its tree, plus what PreCompact saved) so the model picks up where it was.
"""

from __future__ import annotations

from ..core import db
from ..core.errors import StoreError
from ..core.migrations import SCHEMA_VERSION
from ..core.models import Session
from ..core.overview import overview, render_overview, render_plan
from ..core.store import TaskStore
from ..core.workspace import find_workspace
from .health import server_registered
from .log import log
from .protocol import Event, context_answer, message_answer
from .settings import Settings
from .state import CLIENT, active_task, open_store

DOCTOR = "`task-orchestrator doctor`"
SETUP = "`orchestrator-setup`"


def handle(event: Event, settings: Settings) -> dict[str, object] | None:
    source = event.text("source", "startup")
    cwd = event.cwd
    problems: list[str] = []
    if settings.problems:
        problems.append("the config file has problems, see `task-orchestrator config`")
    try:
        store = open_store()
    except StoreError as exc:
        log("error", f"SessionStart: store unavailable: {exc}")
        return message_answer(f"task-orchestrator: the task store cannot be opened; run {DOCTOR}")
    with store:
        if settings.health_check:
            problems += _store_problems(store, source)
        root = find_workspace(cwd)
        workspace = store.workspace(root)
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
        view = overview(store, workspace.id, stale_hours=settings.stale_hours)
        parts.append(render_overview(view, max_chars=max(budget - used, 200)))
    text = "\n\n".join(parts)[:budget]
    message = ""
    if problems:
        log("warning", "SessionStart health: " + "; ".join(problems))
        message = "task-orchestrator: " + "; ".join(problems)
    return context_answer("SessionStart", text, message)


def _store_problems(store: TaskStore, source: str) -> list[str]:
    problems = []
    if store.schema_version() != SCHEMA_VERSION:
        problems.append(f"the task store schema is not current; run {DOCTOR}")
    # The quick check reads the whole file; once per fresh start is enough.
    if source == "startup":
        found = db.quick_check(store.conn)
        if found:
            log("error", "SessionStart quick_check: " + "; ".join(found[:20]))
            problems.append(f"the task store failed its integrity check; run {DOCTOR}")
    return problems


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
