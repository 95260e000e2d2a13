"""The CLI's changes to tasks: each opens the store as place.py says and makes one call of
core/steer.py, so the rules and errors are the tools' and the board's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..core import steer
from ..core.enums import Specialist
from ..core.errors import NotFound, shown
from ..core.models import Task
from ..core.paths import Paths
from ..core.plan import check_text
from ..errors import UserError
from .place import NOWHERE, Folder, acting_on, check_suitable, creating, writable_workspace


@dataclass(frozen=True)
class Routed:
    """How a new task's specialist was chosen: given, by keywords of its text, or the
    default when no keyword matched (server/planner.py, ``Catalog.route``)."""

    specialist: Specialist
    chosen_by: str
    matched: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "specialist": self.specialist.value,
            "chosen_by": self.chosen_by,
            "matched": list(self.matched),
        }


def route(paths: Paths, text: str, given: Specialist | None) -> Routed:
    if given is not None:
        return Routed(given, "given")
    # The server's catalog, with the user's own specialists from the config folder; loaded
    # only here, since it reads a few dozen JSON files.
    from ..server.planner import load_catalog

    found = load_catalog(paths.config_dir).route(text)
    return Routed(found.specialist, "keywords" if found.score else "default", found.matched)


def add(
    paths: Paths,
    folder: Folder,
    title: str,
    *,
    description: str = "",
    parent_id: str | None = None,
    depends_on: tuple[str, ...] = (),
    specialist: Specialist | None = None,
) -> tuple[Task, Routed]:
    """A new task in this folder's workspace; the store and the workspace are created on
    first use. Whatever is refused is refused before either is created."""
    check_text(title, description, "the task")
    check_suitable(folder)
    refs = [r for r in (parent_id, *depends_on) if r]
    if refs and paths.store() == str(paths.db) and not os.path.exists(paths.db):
        raise NotFound(f"no task {shown(refs[0])}: no work is recorded yet", fix="find_id")
    routed = route(paths, f"{title}\n{description}", specialist)
    with creating(paths) as store:
        ws = store.workspace_at(folder.root)
        if ws is None:
            # No task can belong to a workspace not made yet: refuse a reference before
            # the workspace row is written.
            for ref in refs:
                store.get_task(ref, workspace_id=NOWHERE)
            ws = writable_workspace(store, folder)
        task = steer.add(
            store,
            ws.id,
            title,
            description=description,
            parent_id=parent_id,
            depends_on=depends_on,
            specialist=routed.specialist,
        )
    return task, routed


def start(paths: Paths, folder: Folder, task_id: str) -> Task:
    with acting_on(paths, folder, task_id) as (store, ws):
        return steer.start(store, task_id, workspace_id=ws, directory=folder.asked)


def done(paths: Paths, folder: Folder, task_id: str, summary: str = "") -> Task:
    with acting_on(paths, folder, task_id) as (store, ws):
        return steer.complete(
            store, task_id, workspace_id=ws, summary=summary, directory=folder.asked
        )


def cancel(paths: Paths, folder: Folder, task_id: str, reason: str = "") -> tuple[Task, list[str]]:
    with acting_on(paths, folder, task_id) as (store, ws):
        ids = steer.cancel(store, task_id, workspace_id=ws, reason=reason)
        return store.get_task(task_id), ids


def reopen(paths: Paths, folder: Folder, task_id: str) -> Task:
    with acting_on(paths, folder, task_id) as (store, ws):
        return steer.reopen(store, task_id, workspace_id=ws)


def edit(
    paths: Paths,
    folder: Folder,
    task_id: str,
    *,
    title: str | None,
    description: str | None,
    expected_version: int | None = None,
) -> Task:
    if title is None and description is None:
        raise UserError("nothing to change: give --title or --description")
    with acting_on(paths, folder, task_id) as (store, ws):
        return steer.edit(
            store,
            task_id,
            workspace_id=ws,
            title=title,
            description=description,
            expected_version=expected_version,
        )
