"""The data `tasks list` shows: a workspace's plans (its top-level tasks) with their subtask
trees, bounded, as records the renderer draws and as the stable ``--json`` shape (README,
"Your tasks from the terminal": keys are only ever added)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.detail import task_brief
from ..core.enums import TERMINAL, Status
from ..core.models import MAX_PLAN_DEPTH, Task, TaskFilter
from ..core.store import MAX_PAGE, TaskStore

#: What `tasks list` shows without --all or --status.
OPEN_STATUSES = tuple(s for s in Status if s not in TERMINAL)
#: Subtasks drawn under one task; a plan made by hand can be long, a screen is not.
MAX_CHILDREN = 50
#: How far "N more" counts: an exact count over a huge workspace costs more than the page.
COUNT_CAP = 10_000


@dataclass
class Node:
    task: Task
    children: list[Node] = field(default_factory=list)
    #: Subtasks not drawn (past MAX_CHILDREN, or below the deepest level drawn).
    omitted: int = 0

    def as_json(self, workspaces: dict[str, str]) -> dict[str, Any]:
        return {
            **task_brief(self.task),
            "workspace_path": workspaces.get(self.task.workspace_id),
            "subtasks": [c.as_json(workspaces) for c in self.children],
            "subtasks_omitted": self.omitted,
        }


@dataclass
class Listing:
    """One page of plans. ``workspace`` is None when every workspace was asked for;
    ``recorded`` is False when the store or this folder's workspace does not exist yet."""

    folder: str
    workspace: dict[str, str] | None
    statuses: list[Status] | None
    plans: list[Node]
    total: int
    recorded: bool = True
    #: workspace id -> path, for every plan shown.
    workspaces: dict[str, str] = field(default_factory=dict)

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.plans))

    @property
    def total_capped(self) -> bool:
        return self.total >= COUNT_CAP

    def as_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "workspace": self.workspace,
            "recorded": self.recorded,
            "statuses": None if self.statuses is None else [s.value for s in self.statuses],
            "plans": [p.as_json(self.workspaces) for p in self.plans],
            "shown": len(self.plans),
            "total": self.total,
            "total_capped": self.total_capped,
            "more": self.more,
        }


def list_plans(
    store: TaskStore,
    *,
    folder: str,
    workspace_id: str | None,
    statuses: list[Status] | None,
    limit: int,
) -> Listing:
    """Up to ``limit`` top-level tasks (newest first) with one of ``statuses`` (None: any),
    each with its subtasks whatever their status: a plan's finished steps are part of it."""
    flt = TaskFilter(workspace_id=workspace_id, statuses=statuses, parent_id="")
    tasks: list[Task] = []
    cursor = None
    while len(tasks) < limit:
        page = store.query(flt, limit=min(MAX_PAGE, limit - len(tasks)), cursor=cursor)
        tasks += page.tasks
        cursor = page.next_cursor
        if cursor is None:
            break
    total = len(tasks) if cursor is None else store.count_capped(flt, COUNT_CAP)
    workspaces = {}
    for ws_id in dict.fromkeys(t.workspace_id for t in tasks):
        workspaces[ws_id] = store.get_workspace(ws_id).path
    ws = None
    if workspace_id is not None:
        found = store.get_workspace(workspace_id)
        ws = {"id": found.id, "path": found.path}
    return Listing(
        folder=folder,
        workspace=ws,
        statuses=statuses,
        plans=[tree(store, t) for t in tasks],
        total=total,
        workspaces=workspaces,
    )


def nothing_recorded(folder: str, root: str) -> Listing:
    """The listing of a folder whose workspace has no row (or of a store not made yet)."""
    return Listing(
        folder=folder,
        workspace={"id": "", "path": root},
        statuses=None,
        plans=[],
        total=0,
        recorded=False,
    )


def tree(store: TaskStore, task: Task, depth: int = 1) -> Node:
    """``task`` with its subtasks, MAX_CHILDREN per level, at most a plan's depth deep."""
    node = Node(task)
    children = store.children(task.id)
    if depth > MAX_PLAN_DEPTH:
        node.omitted = len(children)
        return node
    node.children = [tree(store, c, depth + 1) for c in children[:MAX_CHILDREN]]
    node.omitted = max(0, len(children) - MAX_CHILDREN)
    return node


def subtree_tasks(node: Node) -> list[Task]:
    """Every task drawn under ``node``, depth first."""
    out: list[Task] = []
    for child in node.children:
        out.append(child.task)
        out += subtree_tasks(child)
    return out
