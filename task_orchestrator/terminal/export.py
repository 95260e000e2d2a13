"""`tasks export`: a plan (one task with its subtasks, or a workspace's open plans) as a
document. Markdown reuses the synthesis (core/synthesis.py) for the work done; JSON is
``core.detail.task_detail`` for the plan and for every task under it."""

from __future__ import annotations

import os
from typing import Any

from ..core.atomic import replace_file
from ..core.detail import task_detail
from ..core.models import Task, Workspace, now_iso
from ..core.overview import STATUS_MARK
from ..core.store import TaskStore
from ..core.synthesis import synthesize
from ..errors import UserError

#: The version of the JSON document's shape; raised only when a key changes meaning.
FORMAT = 1
#: Markdown checkboxes for the plan's steps: done is [x], anything unfinished [ ].
_BOX = {mark: "[x]" if mark == "[x]" else "[ ]" for mark in STATUS_MARK.values()}


def to_markdown(
    store: TaskStore, roots: list[Task], workspace: Workspace, *, single: bool, more: int = 0
) -> str:
    """One task's document (``single``), or the workspace's open plans one after the other,
    each a section."""
    if single and roots:
        return _plan_markdown(store, roots[0], workspace, level=1)
    lines = [f"# Open plans in {workspace.path}", ""]
    lines.append(f"{len(roots)} plans" + (f", and {more} more not exported" if more else "") + ".")
    if not roots:
        lines.append("")
        lines.append("No open plans.")
    text = "\n".join(lines) + "\n"
    for root in roots:
        text += "\n" + _plan_markdown(store, root, workspace, level=2)
    return text


def _plan_markdown(store: TaskStore, task: Task, workspace: Workspace, *, level: int) -> str:
    head = "#" * level
    meta = f"`{task.id}` · {task.status} · {task.specialist} · created {task.created_at}"
    if task.completed_at:
        meta += f" · completed {task.completed_at}"
    lines = [f"{head} {task.title}", "", meta, f"workspace: {workspace.path}", ""]
    steps = _checklist(store, task.id, 0)
    if steps:
        lines += [f"{head}# Plan", "", *steps, ""]
        # The synthesis: its headline, goal, what is not complete, each completed step's
        # work, what was cancelled. Its own title line is ours already.
        body = synthesize(store, task.id, record=False).markdown.split("\n", 1)[1]
        lines.append(_demote(body.strip("\n"), level))
    else:
        if task.description:
            lines += [f"{head}# Goal", "", task.description.strip(), ""]
        if task.summary:
            lines += [f"{head}# Result", "", task.summary.strip(), ""]
        arts = store.artifacts(task.id)
        if arts:
            lines += [f"{head}# Work", ""]
            lines += [f"- {a.artifact_type}: {a.summary} ({a.size} characters)" for a in arts]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _checklist(store: TaskStore, task_id: str, depth: int) -> list[str]:
    out = []
    for child in store.children(task_id):
        line = f"{'  ' * depth}- {_BOX[STATUS_MARK[child.status]]} {child.title} "
        line += f"({child.status}, {child.specialist}, `{child.id}`)"
        if child.depends_on:
            line += " after " + ", ".join(f"`{d}`" for d in child.depends_on)
        out.append(line)
        out += _checklist(store, child.id, depth + 1)
    return out


def _demote(markdown: str, level: int) -> str:
    """The synthesis's headings (``##`` for a document of its own) as sections of a plan
    at ``level``; indented lines (excerpts of work) stay as they are, so a ``#`` in
    someone's code is never touched."""
    extra = "#" * (level - 1)
    return "\n".join(
        extra + line if line.startswith("#") else line for line in markdown.split("\n")
    )


def to_json(
    store: TaskStore, roots: list[Task], workspace: Workspace, *, more: int = 0
) -> dict[str, Any]:
    """The plans as data: each root's task_detail (artifact contents included) with the
    task_detail of every task under it, depth first."""
    return {
        "format": FORMAT,
        "exported_at": now_iso(),
        "workspace": {"id": workspace.id, "path": workspace.path},
        "plans": [
            {
                **task_detail(store, root.id, workspace_id=None, full=True),
                "descendants": [
                    task_detail(store, d.id, workspace_id=None, full=True)
                    for d in store.descendants(root.id)
                ],
            }
            for root in roots
        ],
        "more": more,
    }


def write_output(path: str, text: str, *, force: bool) -> str:
    """Write the document to ``path`` (whole or not at all, core/atomic.py); an existing
    file only with ``force``. Returns the absolute path written."""
    target = os.path.abspath(os.path.expanduser(path))
    if os.path.isdir(target):
        raise UserError(f"{path} is a folder; give a file name")
    if os.path.lexists(target) and not force:
        raise UserError(f"{path} exists; pass --force to replace it")
    if not os.path.isdir(os.path.dirname(target)):
        raise UserError(f"{path}: the folder {os.path.dirname(target)} does not exist")
    try:
        replace_file(target, text.encode("utf-8"))
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return target
