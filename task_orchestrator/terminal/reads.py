"""The CLI's reads: list, show, next and export. None of them writes to the store or
creates it (place.py): a folder with no recorded work gets an answer that says so."""

from __future__ import annotations

import json
from typing import Any

from ..core import steer
from ..core.detail import task_brief, task_detail
from ..core.enums import Status
from ..core.errors import NotFound, shown
from ..core.gitlink import tasks_for_commit
from ..core.models import Task, Workspace
from ..core.paths import Paths
from ..core.store import TaskStore
from ..errors import UserError
from . import export as exporting
from .place import Folder, reading
from .plans import OPEN_STATUSES, Listing, list_plans, nothing_recorded

#: Open plans a workspace export takes at most (one page of the store).
EXPORT_PLANS = 200


def listing(
    paths: Paths,
    folder: Folder,
    *,
    statuses: list[Status] | None,
    limit: int,
    every_workspace: bool = False,
) -> Listing:
    """The plans of this folder's workspace (or of all of them) with one of ``statuses``
    (None: any status)."""
    with reading(paths) as store:
        if store is None:
            found = nothing_recorded(folder.asked, folder.root)
            if every_workspace:
                found.workspace = None
            return found
        if every_workspace:
            return list_plans(
                store, folder=folder.asked, workspace_id=None, statuses=statuses, limit=limit
            )
        ws = store.workspace_at(folder.root)
        if ws is None:
            return nothing_recorded(folder.asked, folder.root)
        return list_plans(
            store, folder=folder.asked, workspace_id=ws.id, statuses=statuses, limit=limit
        )


def _no_store(task_id: str) -> NotFound:
    return NotFound(f"no task {shown(task_id)}: no work is recorded yet", fix="find_id")


def detail(paths: Paths, folder: Folder, task_id: str, *, full: bool) -> dict[str, Any]:
    """``core.detail.task_detail`` of any task, with the workspace it belongs to and whether
    that is this folder's: reading another project's task by its id is harmless and
    useful (an id seen in another terminal), so it is shown rather than refused."""
    with reading(paths) as store:
        if store is None:
            raise _no_store(task_id)
        out = task_detail(store, task_id, workspace_id=None, full=full)
        ws = store.get_workspace(out["task"]["workspace_id"])
        here = store.workspace_at(folder.root)
        out["workspace"] = {
            "id": ws.id,
            "path": ws.path,
            "here": here is not None and here.id == ws.id,
        }
        return out


def for_commit(paths: Paths, folder: Folder, rev: str) -> dict[str, Any]:
    """The tasks that produced commit ``rev`` (core/gitlink.py ``tasks_for_commit``), each
    with how it is known: ``session`` (linked when committed), ``range`` (in a completed
    task's start..HEAD) or ``trailer`` (named in the message)."""
    with reading(paths) as store:
        if store is None:
            return {"commit": rev, "sha": None, "tasks": []}
        found = tasks_for_commit(store, rev, folder.asked)
        tasks = []
        for link in found["links"]:
            task = store.get_task(link["task_id"])
            tasks.append({**task_brief(task), "source": link["source"], "sha": link["sha"]})
        return {"commit": rev, "sha": found["sha"], "tasks": tasks}


def suggestion(paths: Paths, folder: Folder) -> tuple[bool, steer.Suggestion | None]:
    """Whether this folder has recorded work, and the task to do next (core/steer.py)."""
    with reading(paths) as store:
        ws = None if store is None else store.workspace_at(folder.root)
        if store is None or ws is None:
            return False, None
        return True, steer.next_task(store, ws.id)


def export(paths: Paths, folder: Folder, task_id: str | None, *, fmt: str) -> str:
    """The document: one task (of any workspace, which it names) with its subtasks, or
    this folder's open plans."""
    with reading(paths) as store:
        if store is None:
            if task_id is not None:
                raise _no_store(task_id)
            raise UserError(f"no work recorded for {folder.root}; nothing to export")
        roots, ws, more = _export_roots(store, folder, task_id)
        if fmt == "json":
            data = exporting.to_json(store, roots, ws, more=more)
            return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        return exporting.to_markdown(store, roots, ws, single=task_id is not None, more=more)


def _export_roots(
    store: TaskStore, folder: Folder, task_id: str | None
) -> tuple[list[Task], Workspace, int]:
    if task_id is not None:
        task = store.get_task(task_id)
        return [task], store.get_workspace(task.workspace_id), 0
    ws = store.workspace_at(folder.root)
    if ws is None:
        raise UserError(f"no work recorded for {folder.root}; nothing to export")
    found = list_plans(
        store,
        folder=folder.asked,
        workspace_id=ws.id,
        statuses=list(OPEN_STATUSES),
        limit=EXPORT_PLANS,
    )
    return [p.task for p in found.plans], ws, found.more
