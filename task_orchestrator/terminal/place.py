"""Which workspace a `tasks` command acts on, and the store it reads or writes.

The folder is ``--workspace DIR`` or the current one, taken to its project root by
``core.workspace.find_workspace``, as the server and the hooks do. Reading never writes:
a missing store file is not created and a folder with no workspace row gets none (the
command says there is no work recorded). Only ``tasks add`` creates the store and the
workspace; the other writes act on a task that must already exist in this workspace.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..core.errors import NotFound, shown
from ..core.models import Workspace
from ..core.paths import Paths
from ..core.store import TaskStore
from ..core.workspace import find_workspace, normalize_str, unsuitable_workspace
from ..errors import UserError

#: A workspace id no row has: a task id checked against it is refused as another
#: workspace's, which is what it is when this folder has no workspace yet.
NOWHERE = ""


@dataclass(frozen=True)
class Folder:
    """The folder a command was pointed at and the project root it belongs to."""

    asked: str
    root: str

    @property
    def unsuitable(self) -> str | None:
        """Why the root can be no workspace (``/``, the home folder, a system folder)."""
        return unsuitable_workspace(self.root)


def resolve_folder(directory: str | None) -> Folder:
    """``--workspace DIR`` (which must exist) or the current folder, with its project root."""
    if directory is not None:
        path = os.path.expanduser(directory)
        if not os.path.isdir(path):
            raise UserError(f"--workspace {directory}: no such folder")
    else:
        path = os.getcwd()
    return Folder(asked=normalize_str(path), root=find_workspace(path))


@contextmanager
def reading(paths: Paths) -> Iterator[TaskStore | None]:
    """The store when its file exists (or a PostgreSQL store is configured), else None;
    never creates it."""
    location = paths.store()
    if location == str(paths.db) and not os.path.exists(paths.db):
        yield None
        return
    store = TaskStore.open(location, create=False)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def acting_on(paths: Paths, folder: Folder, task_id: str) -> Iterator[tuple[TaskStore, str]]:
    """The store and this folder's workspace id, for a change to an existing task. Without a
    store file there is no such task; without a workspace row the id is refused as
    another workspace's by the store itself, in the transaction of the change."""
    location = paths.store()
    if location == str(paths.db) and not os.path.exists(paths.db):
        raise NotFound(f"no task {shown(task_id)}: no work is recorded yet", fix="find_id")
    store = TaskStore.open(location, create=False)
    try:
        ws = store.workspace_at(folder.root)
        yield store, ws.id if ws is not None else NOWHERE
    finally:
        store.close()


@contextmanager
def creating(paths: Paths) -> Iterator[TaskStore]:
    """The store, created on first use as the server creates it."""
    store = TaskStore.open(paths.store())
    try:
        yield store
    finally:
        store.close()


def check_suitable(folder: Folder) -> None:
    """Refuse a folder that is no project, as the server refuses it."""
    why = folder.unsuitable
    if why is not None:
        raise UserError(
            f"{why}, not a project folder: tasks recorded here would mix unrelated work; "
            "run the command from the project's folder or pass --workspace DIR"
        )


def writable_workspace(store: TaskStore, folder: Folder) -> Workspace:
    """This folder's workspace, created on first use (never for a folder that is no
    project)."""
    check_suitable(folder)
    return store.workspace_for_root(folder.root)
