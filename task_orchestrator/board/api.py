"""The board's data, as plain JSON-ready dicts: columns of cards, one task's panel, and the
actions. Every rule is core's: reads go through the store and core/detail.py, actions
through core/steer.py (the CLI's `tasks` commands call the same functions), so the board
cannot drift from them. Nothing here knows about HTTP."""

from __future__ import annotations

from typing import Any

from ..core import steer
from ..core.detail import BRIEF_KEYS, MAX_SUBTASKS, task_brief, task_detail
from ..core.enums import Status
from ..core.errors import InvalidInput
from ..core.models import Task, TaskFilter
from ..core.store import TaskStore

#: The columns, left to right: key, heading, the statuses shown there. A task that needs
#: revision is work under way that came back, so it sits with "in progress" (its card says
#: so) rather than in a sixth column that is empty nearly always.
COLUMNS: tuple[tuple[str, str, tuple[Status, ...]], ...] = (
    ("pending", "Pending", (Status.PENDING,)),
    ("in_progress", "In progress", (Status.IN_PROGRESS, Status.NEEDS_REVISION)),
    ("blocked", "Blocked", (Status.BLOCKED,)),
    ("completed", "Completed", (Status.COMPLETED,)),
    ("cancelled", "Cancelled", (Status.CANCELLED,)),
)
#: Cards per column page: what fits a screen or two; "show more" fetches the next page with
#: the store's cursor, so opening a workspace of 10,000 tasks reads 5 x 30 rows.
PAGE = 30
#: Column counts stop at this (shown as "1000+"): an exact count of a huge column costs
#: more than its page.
COUNT_CAP = 1000
ACTIONS = ("start", "complete", "cancel", "reopen", "rename")


def workspaces(store: TaskStore, folder: str | None) -> dict[str, Any]:
    """The picker: every workspace, and the one to show first (the folder's, if the store
    knows it)."""
    found = store.workspace_at(folder) if folder else None
    return {
        "workspaces": [{"id": w.id, "name": w.name, "path": w.path} for w in store.workspaces()],
        "default": found.id if found else None,
        "folder": folder,
    }


def _column(key: str) -> tuple[str, str, tuple[Status, ...]]:
    for column in COLUMNS:
        if column[0] == key:
            return column
    raise InvalidInput(f"no column {key!r}; columns are {', '.join(c[0] for c in COLUMNS)}")


def column_page(
    store: TaskStore,
    workspace_id: str,
    key: str,
    *,
    cursor: str | None = None,
    limit: int = PAGE,
) -> dict[str, Any]:
    """One page of a column's cards (top-level tasks, newest first), with its next cursor;
    the first page also counts the column (up to :data:`COUNT_CAP`)."""
    store.get_workspace(workspace_id)
    key, title, statuses = _column(key)
    flt = TaskFilter(workspace_id=workspace_id, statuses=list(statuses), parent_id="")
    page = store.query(flt, limit=limit, cursor=cursor)
    out: dict[str, Any] = {
        "key": key,
        "title": title,
        "cards": cards(store, page.tasks),
        "next_cursor": page.next_cursor,
    }
    if cursor is None:
        out["count"] = store.count_capped(flt, COUNT_CAP)
        out["count_capped"] = out["count"] >= COUNT_CAP
    return out


def board(
    store: TaskStore, workspace_id: str, limits: dict[str, int] | None = None
) -> dict[str, Any]:
    """The first page of every column; ``limits`` asks for more cards in some columns (a
    page refreshing after a change keeps what "show more" had opened)."""
    limits = limits or {}
    return {
        "workspace": workspace_id,
        "columns": [
            column_page(store, workspace_id, key, limit=limits.get(key, PAGE))
            for key, _, _ in COLUMNS
        ],
    }


def cards(store: TaskStore, tasks: list[Task]) -> list[dict[str, Any]]:
    counts = store.subtask_counts([t.id for t in tasks])
    out = []
    for task in tasks:
        total, completed, cancelled = counts.get(task.id, (0, 0, 0))
        out.append(
            {
                **task_brief(task),
                "subtasks": total,
                "subtasks_completed": completed,
                "subtasks_cancelled": cancelled,
                "started_at": task.started_at,
                "completed_at": task.completed_at,
            }
        )
    return out


def panel(store: TaskStore, workspace_id: str, task_id: str) -> dict[str, Any]:
    """What the task panel shows: core/detail's task_detail (artifacts without their
    content, fetched one at a time on demand) and the graph to draw."""
    detail = task_detail(store, task_id, workspace_id=workspace_id, full=False)
    detail["graph"] = graph(store, detail)
    return detail


def graph(store: TaskStore, detail: dict[str, Any]) -> dict[str, Any]:
    """Nodes and edges of the dependency picture. A plan: its subtasks, an edge from each
    subtask to each sibling it depends on. A task without subtasks: the task between what
    it depends on and what depends on it. Edges point from a task to what it waits for."""
    task = detail["task"]
    if detail["subtasks_total"]:
        children = store.children(task["id"], include_archived=True)[:MAX_SUBTASKS]
        ids = {c.id for c in children}
        nodes = [task_brief(c) for c in children]
        edges = [[c.id, d] for c in children for d in c.depends_on if d in ids]
        return {"kind": "plan", "nodes": nodes, "edges": edges}
    nodes = [*detail["dependencies"], _brief_of(task), *detail["dependents"]]
    edges = [[task["id"], d["id"]] for d in detail["dependencies"]]
    edges += [[d["id"], task["id"]] for d in detail["dependents"]]
    return {"kind": "task", "nodes": nodes, "edges": edges, "focus": task["id"]}


def _brief_of(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: fields[k] for k in BRIEF_KEYS}


def artifact(store: TaskStore, artifact_id: str) -> dict[str, Any]:
    """An artifact's detailed work, fetched when the person expands it."""
    return {"id": artifact_id, "content": store.artifact_content(artifact_id)}


def act(
    store: TaskStore, workspace_id: str, task_id: str, action: str, body: dict[str, Any]
) -> dict[str, Any]:
    """One hand action through core/steer.py, with its rules and its errors."""
    if action == "start":
        return {"task": task_brief(steer.start(store, task_id, workspace_id=workspace_id))}
    if action == "complete":
        summary = _text(body, "summary")
        done = steer.complete(store, task_id, workspace_id=workspace_id, summary=summary)
        return {"task": task_brief(done)}
    if action == "cancel":
        reason = _text(body, "reason") or steer.HAND_CANCEL
        return {"cancelled": steer.cancel(store, task_id, workspace_id=workspace_id, reason=reason)}
    if action == "reopen":
        return {"task": task_brief(steer.reopen(store, task_id, workspace_id=workspace_id))}
    if action == "rename":
        version = body.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise InvalidInput("version must be a whole number")
        renamed = steer.edit(
            store,
            task_id,
            workspace_id=workspace_id,
            title=_text(body, "title"),
            expected_version=version,
        )
        return {"task": task_brief(renamed)}
    raise InvalidInput(f"no action {action!r}; actions are {', '.join(ACTIONS)}")


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be text")
    return value
