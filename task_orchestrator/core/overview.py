"""Compact views of a workspace's open work and of one plan, bounded in size.

Used by the SessionStart hook (as context for the model) and by the server's session and
status tools, so both describe the same state in the same words.
"""

from __future__ import annotations

import time

from .enums import Status
from .models import Task, iso_from_epoch
from .recordtype import Record
from .store import TaskStore

STATUS_MARK = {
    Status.PENDING: "[ ]",
    Status.IN_PROGRESS: "[~]",
    Status.BLOCKED: "[!]",
    Status.NEEDS_REVISION: "[?]",
    Status.COMPLETED: "[x]",
    Status.CANCELLED: "[-]",
}

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar


class Overview(Record):
    __slots__ = (
        "counts",
        "in_progress",
        "ready",
        "blocked",
        "stale",
    )
    _defaults: ClassVar[dict[str, Any]] = {
        "in_progress": list,
        "ready": list,
        "blocked": list,
        "stale": list,
    }
    counts: dict[str, int]
    in_progress: list[Task]
    ready: list[Task]
    blocked: list[Task]
    stale: list[Task]

    @property
    def open_total(self) -> int:
        return sum(
            self.counts.get(s.value, 0)
            for s in (Status.PENDING, Status.IN_PROGRESS, Status.BLOCKED, Status.NEEDS_REVISION)
        )


def stale_cutoff(hours: float) -> str:
    return iso_from_epoch(time.time() - hours * 3600)


def overview(
    store: TaskStore,
    workspace_id: str,
    *,
    stale_hours: float = 24.0,
    limit: int = 10,
    open_only: bool = False,
    ready_scan: int | None = None,
) -> Overview:
    """The open work of a workspace. ``open_only``: count only unfinished tasks (what
    SessionStart shows the model). ``ready_scan``: look for ready tasks among that many of
    the newest open tasks only (:meth:`TaskStore.recent_ready_tasks`), which keeps a tool's
    answer quick on a huge store (all of them: about 200 ms at 100,000 tasks)."""
    ready = (
        store.ready_tasks(workspace_id, limit=limit)
        if ready_scan is None
        else store.recent_ready_tasks(workspace_id, limit=limit, scan=ready_scan)
    )
    return Overview(
        counts=store.counts_by_status(workspace_id, open_only=open_only),
        in_progress=store.in_progress(workspace_id, limit=limit),
        ready=ready,
        blocked=store.blocked_tasks(workspace_id, limit=limit),
        stale=store.stale_tasks(stale_cutoff(stale_hours), workspace_id, limit=limit),
    )


def task_line(task: Task) -> str:
    return f"{STATUS_MARK[task.status]} {task.title} ({task.id}, {task.specialist})"


def render_overview(view: Overview, *, max_chars: int = 4_000) -> str:
    """Markdown-ish text of the open work, cut to ``max_chars`` at a line boundary."""
    counts = ", ".join(f"{n} {s}" for s, n in view.counts.items() if n)
    lines = [f"Open tasks: {view.open_total} ({counts or 'none'})"]
    for title, tasks in (
        ("In progress", view.in_progress),
        ("Ready to start", view.ready),
        ("Blocked", view.blocked),
        ("Stale (in progress, no activity for long)", view.stale),
    ):
        if tasks:
            lines.append(f"{title}:")
            lines += [f"  {task_line(t)}" for t in tasks]
    return clip_lines(lines, max_chars)


def render_plan(store: TaskStore, task_id: str, *, max_chars: int = 6_000) -> str:
    """The task and its subtask tree with statuses and dependencies, for restoring a plan."""
    root = store.get_task(task_id)
    lines = [task_line(root)]
    if root.description:
        lines.append("  goal: " + " ".join(root.description.split())[:300])

    def walk(parent: Task, depth: int) -> None:
        for child in store.children(parent.id):
            line = "  " * depth + task_line(child)
            if child.depends_on:
                line += " after " + ", ".join(child.depends_on)
            lines.append(line)
            walk(child, depth + 1)

    walk(root, 1)
    return clip_lines(lines, max_chars)


def clip_lines(lines: list[str], max_chars: int) -> str:
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        if used + len(line) + 1 > max_chars - 40:
            out.append(f"[... {len(lines) - i} more lines]")
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)
