"""When git facts are recorded on a task, and which task a commit belongs to: the one rule
every interface follows (docs/ARCHITECTURE.md, "Git state").

A tool, a hook, the CLI and the board each move a task with the store, then call
:func:`follow` with the task and the folder they work in. It records what the task's status
calls for and is not recorded yet, so a second call, another process's call or a call for a
task that did not move records nothing:

- in progress: where the folder stood at the start (branch, HEAD, a linked worktree's path,
  dirty or clean, a rebase in progress), once per start (``tasks.started_at``, which a
  reopened task keeps, so its range still begins at its first start);
- completed: where it stood at the completion, the commits ``start..HEAD`` and the files
  they changed, once per completion.

A folder outside any repository records nothing, and nothing here fails a caller: the
task's move is done when this runs, and git trouble becomes a note on the record.
"""

from __future__ import annotations

from .enums import Status
from .errors import StoreError
from .gitstate import (
    commit_info,
    commits_between,
    files_between,
    git_available,
    is_dirty,
    message_of,
    read_place,
    trailer_tasks,
)
from .models import iso_from_epoch

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .gitstate import Commit, FileChange, Place
    from .models import Task
    from .store import TaskStore

#: A commit prefix shorter than this names too many commits in a big repository.
MIN_SHA_PREFIX = 7
_HEX = frozenset("0123456789abcdef")


def wants_git(task: Task) -> bool:
    """Whether ``task``'s status may call for git facts at all (a cheap test for callers
    that would otherwise schedule work for nothing)."""
    return task.status in (Status.IN_PROGRESS, Status.COMPLETED)


def follow(store: TaskStore, task_id: str, directory: str) -> bool:
    """Record the git facts ``task_id``'s status calls for (module docstring); whether
    anything was recorded."""
    try:
        return _follow(store, task_id, directory)
    except (StoreError, OSError):
        return False  # the task was deleted meanwhile, the store is busy: it moved all the same


def _follow(store: TaskStore, task_id: str, directory: str) -> bool:
    task = store.get_task(task_id)
    if task.status not in (Status.IN_PROGRESS, Status.COMPLETED):
        return False
    record = store.task_git(task_id)
    if task.status == Status.IN_PROGRESS:
        if not task.started_at or (record and record["started_for"] == task.started_at):
            return False
        place = read_place(directory)
        if place is None:
            return False
        dirty = is_dirty(place.repo.top)
        store.record_git_start(
            task_id,
            {
                "started_for": task.started_at,
                "branch": place.branch,
                "start_head": place.head,
                "start_dirty": dirty,
                "worktree": place.repo.top if place.repo.linked else None,
                "start_state": place.state,
                "note": _note(place, dirty),
            },
        )
        return True
    if not task.completed_at or (record and record["completed_for"] == task.completed_at):
        return False
    place = read_place(directory)
    if place is None:
        return False
    dirty = is_dirty(place.repo.top)
    fields: dict[str, Any] = {
        "completed_for": task.completed_at,
        "end_branch": place.branch,
        "end_head": place.head,
        "end_dirty": dirty,
        "worktree": place.repo.top if place.repo.linked else None,
        "note": _note(place, dirty),
    }
    start = record["start_head"] if record else None
    commits: list[Commit] | None = None
    files: list[FileChange] | None = None
    if place.head and start:
        if start == place.head:
            commits, files = [], []
        else:
            listed = commits_between(place.repo.top, start, place.head)
            changed = files_between(place.repo.top, start, place.head)
            if listed is None or changed is None:
                fields["note"] = _joined(
                    fields["note"],
                    f"git could not list {start[:12]}..{place.head[:12]} (the start commit is "
                    "gone after a rewrite, or outside a shallow clone's history)",
                )
            else:
                (commits, fields["commits_cut"]), (files, fields["files_cut"]) = listed, changed
    elif place.head:
        fields["note"] = _joined(fields["note"], "no start recorded: no range to list")
    store.record_git_end(task_id, fields, commits, files)
    return True


def _note(place: Place, dirty: bool | None) -> str:
    notes = []
    if place.head is None:
        notes.append("no commit yet" if place.branch else "HEAD unreadable")
    if place.state:
        notes.append(f"{place.state} in progress")
    if dirty is None:
        notes.append("git not found" if not git_available() else "git status failed")
    return "; ".join(notes)


def _joined(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second


def link_head(store: TaskStore, tasks: list[Task], directory: str) -> list[str]:
    """Link the commit HEAD names now to ``tasks`` (a subtask in progress and its plan),
    after a ``git commit``, merge, cherry-pick or revert in a session; returns the ids
    newly linked. A commit older than the earliest task's start is not theirs (the command
    failed and HEAD did not move), and neither is one already linked to them."""
    if not tasks:
        return []
    place = read_place(directory)
    if place is None or place.head is None:
        return []
    try:
        commit = commit_info(place.repo.top, place.head)
        if commit is None:
            return []
        since = min(t.started_at or t.created_at for t in tasks)
        # Commit times have whole seconds; a start has microseconds.
        if iso_from_epoch(commit.timestamp + 1) < since:
            return []
        return store.link_commit([t.id for t in tasks], commit, branch=place.branch)
    except (StoreError, OSError):
        return []


def sha_prefix(text: str) -> str | None:
    """``text`` as a commit prefix to search (lowercase hex, 7 to 64 digits), or None."""
    lowered = text.strip().lower()
    if MIN_SHA_PREFIX <= len(lowered) <= 64 and set(lowered) <= _HEX:
        return lowered
    return None


def tasks_for_commit(store: TaskStore, rev: str, directory: str) -> dict[str, Any]:
    """Which tasks produced commit ``rev``: the store's links (a sha prefix of at least 7
    digits), else git's name for ``rev`` in ``directory`` and its links, else the
    ``Task:`` trailers of its message. ``{"sha", "links": [{"task_id", "source", ...}]}``."""
    prefix = sha_prefix(rev)
    links = store.tasks_with_commit(prefix) if prefix else []
    if links:
        shas = {link["sha"] for link in links}
        return {"sha": links[0]["sha"] if len(shas) == 1 else None, "links": links}
    place = read_place(directory)
    found = message_of(place.repo.top, rev) if place is not None else None
    if found is None:
        return {"sha": None, "links": []}
    sha, message = found
    links = store.tasks_with_commit(sha)
    if not links:
        subject = message.strip().split("\n", 1)[0][:300]
        links = [
            {"task_id": t, "sha": sha, "source": "trailer", "branch": None, "subject": subject}
            for t in trailer_tasks(message)
            if _exists(store, t)
        ]
    return {"sha": sha, "links": links}


def _exists(store: TaskStore, task_id: str) -> bool:
    try:
        store.get_task(task_id)
    except StoreError:
        return False
    return True


def current_task(store: TaskStore, workspace_id: str, directory: str) -> Task | None:
    """The task a commit made now in ``directory`` is for: of the workspace's tasks in
    progress, those no subtask in progress stands under; first one started on the branch
    checked out, then the one changed last."""
    working = store.in_progress(workspace_id, limit=200)
    parents = {t.parent_id for t in working if t.parent_id}
    leaves = [t for t in working if t.id not in parents]
    if not leaves:
        return None
    place = read_place(directory)
    branch = place.branch if place is not None else None

    def rank(task: Task) -> tuple[bool, str]:
        record = store.task_git(task.id)
        on_branch = bool(branch) and record is not None and record["branch"] == branch
        return on_branch, task.updated_at

    return max(leaves, key=rank)
