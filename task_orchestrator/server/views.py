"""The open-work overview the session and status tools show, bounded in time on a huge store.

core.overview.overview() lists ready tasks with a scan of every open task, which costs about
200 ms at 100,000 tasks; the server uses the store's bounded variant instead and otherwise
renders exactly what the hooks render (core.overview.render_overview).
"""

from __future__ import annotations

from ..core.overview import Overview, stale_cutoff
from ..core.store import TaskStore

#: How many of the newest open tasks are checked for readiness.
READY_SCAN = 500


def open_work(
    store: TaskStore, workspace_id: str, *, limit: int = 10, stale_hours: float = 24.0
) -> Overview:
    return Overview(
        counts=store.counts_by_status(workspace_id),
        in_progress=store.in_progress(workspace_id, limit=limit),
        ready=store.recent_ready_tasks(workspace_id, limit=limit, scan=READY_SCAN),
        blocked=store.blocked_tasks(workspace_id, limit=limit),
        stale=store.stale_tasks(stale_cutoff(stale_hours), workspace_id, limit=limit),
    )
