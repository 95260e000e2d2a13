"""How `tasks` draws on a terminal, with rich: trees and tables that fit its width, colour
only on a terminal and never with ``NO_COLOR`` set. The only module of the package that
imports rich; the commands import it inside the function that prints, so `--help`, `hook`
and `serve` never load it (tests/cli/test_tasks_imports.py)."""

from __future__ import annotations

import calendar
import os
import time
from typing import IO, Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..core.enums import Status
from ..core.models import Task
from ..core.overview import STATUS_MARK
from .plans import OPEN_STATUSES, Listing, Node

STATUS_STYLE = {
    Status.PENDING.value: "",
    Status.IN_PROGRESS.value: "bold yellow",
    Status.BLOCKED.value: "red",
    Status.NEEDS_REVISION.value: "magenta",
    Status.COMPLETED.value: "green",
    Status.CANCELLED.value: "dim",
}
MARK = {s.value: m for s, m in STATUS_MARK.items()}


def wants_colour(stream: IO[str]) -> bool:
    """Colour on a terminal only, and never with NO_COLOR set to anything (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def console(stream: IO[str]) -> Console:
    colour = wants_colour(stream)
    # markup and emoji off: titles are people's and models' text, and "[b]" or ":x:" in
    # one must print as typed. highlight off: no guessing colours for numbers and paths.
    return Console(
        file=stream,
        color_system="auto" if colour else None,
        force_terminal=colour or None,
        no_color=not colour,
        markup=False,
        emoji=False,
        highlight=False,
    )


def age(iso: str, now: float | None = None) -> str:
    """How long ago an ISO timestamp of the store was, in one short unit: 40s, 5m, 3h, 2d."""
    try:
        then = calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return "?"
    seconds = max(0, int((time.time() if now is None else now) - then))
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def task_label(brief: dict[str, Any] | Task, *, with_age: bool = True) -> Text:
    """One task on one line (wrapped by the tree when narrow): mark, title, then the id,
    specialist, status and age dimmed."""
    if isinstance(brief, Task):
        status, title, tid = brief.status.value, brief.title, brief.id
        specialist, created = brief.specialist.value, brief.created_at
    else:
        status, title, tid = brief["status"], brief["title"], brief["id"]
        specialist, created = brief["specialist"], brief["created_at"]
    text = Text()
    text.append(MARK.get(status, "[ ]") + " ", style=STATUS_STYLE.get(status, ""))
    text.append(title, style="bold" if status == Status.IN_PROGRESS.value else "")
    facts = [tid, specialist, status.replace("_", " ")]
    if with_age:
        facts.append(age(created))
    text.append("  " + " · ".join(facts), style="dim")
    return text


def print_listing(out: Console, listing: Listing) -> None:
    where = listing.workspace["path"] if listing.workspace else "every workspace"
    if listing.statuses is None:
        what = "all tasks"
    elif _is_open(listing.statuses):
        what = "open work"
    else:
        what = ", ".join(s.value for s in listing.statuses)
    if not listing.plans:
        out.print(Text(f"No {what} in {where}."))
        return
    out.print(
        Text(f"{what.capitalize()} in {where}: {_plans(listing.total, listing.total_capped)}")
    )
    by_workspace: dict[str, Tree] = {}
    for plan in listing.plans:
        key = plan.task.workspace_id
        if key not in by_workspace:
            label = Text(listing.workspaces.get(key, key), style="bold cyan")
            by_workspace[key] = Tree(label, guide_style="dim")
        _branch(by_workspace[key], plan)
    for tree in by_workspace.values():
        out.print(tree)
    if listing.more:
        more = f"{listing.more}+" if listing.total_capped else str(listing.more)
        out.print(
            Text(
                f"... and {more} more (--limit {len(listing.plans) + listing.more} shows them)",
                style="dim",
            )
        )


def _is_open(statuses: list[Status]) -> bool:
    return set(statuses) == set(OPEN_STATUSES)


def _plans(total: int, capped: bool) -> str:
    if capped:
        return f"{total}+ plans"
    return f"{total} plan" + ("" if total == 1 else "s")


def _branch(parent: Tree, node: Node) -> None:
    branch = parent.add(task_label(node.task))
    for child in node.children:
        _branch(branch, child)
    if node.omitted:
        branch.add(Text(f"... {node.omitted} more subtasks (tasks show {node.task.id})", "dim"))


def print_nothing_recorded(out: Console, folder: str, root: str, why: str | None) -> None:
    lines = [f"No work recorded for {root}."]
    if folder != root:
        lines[0] = f"No work recorded for {root} (the project of {folder})."
    if why is not None:
        lines.append(f"{why}; tasks belong to a project folder: run this from one, or pass")
        lines.append("--workspace DIR.")
    lines.append(
        "Work is recorded when an MCP client plans it (orchestrator_plan_task), when Claude "
        "Code's hooks see a work prompt, or by hand: task-orchestrator tasks add TITLE"
    )
    for line in lines:
        out.print(Text(line))


def _by(user: str, machine: str) -> str:
    """ " by USER on MACHINE", or "" for a task older than the stamps (schema v7)."""
    return f" by {user} on {machine}" if user else ""


def _changed(task: dict[str, Any]) -> str | None:
    """When and by whom a task was last changed; None for one never changed since made."""
    if task["updated_at"] == task["created_at"] and task["version"] == 1:
        return None
    return str(task["updated_at"]) + _by(task["changed_by"], task["changed_on"])


def print_detail(out: Console, detail: dict[str, Any], workspace: dict[str, Any]) -> None:
    """`tasks show`: the task's fields, its place in the plan, its work and its history."""
    task = detail["task"]
    out.print(task_label(task, with_age=False))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    rows = [
        ("status", task["status"]),
        ("specialist", task["specialist"]),
        ("type", f"{task['task_type']}, {task['complexity']}"),
        ("workspace", workspace["path"]),
        ("", None if workspace["here"] else "(not this folder's workspace)"),
        ("created", task["created_at"] + _by(task["created_by"], task["created_on"])),
        ("changed", _changed(task)),
        ("started", task["started_at"]),
        ("completed", task["completed_at"]),
        ("version", str(task["version"])),
        ("archived", "yes" if task["archived"] else None),
    ]
    if detail["parent"]:
        parent = detail["parent"]
        rows.insert(2, ("parent", f"{parent['id']} {parent['title']} ({parent['status']})"))
    session = detail["session"]
    if session:
        rows.append(("session", f"{session['id']} ({session['client']}, {session['started_at']})"))
    for key, value in rows:
        if value:
            grid.add_row(key, Text(value))
    out.print(grid)
    if task["description"]:
        _section(out, "Description", Text(task["description"]))
    if task["summary"]:
        _section(out, "Summary", Text(task["summary"]))
    if detail["subtasks_total"]:
        p = detail["progress"]
        title = (
            f"Subtasks: {p['completed']} completed, {p['cancelled']} cancelled, {p['open']} open"
        )
        body = [task_label(s) for s in detail["subtasks"]]
        if detail["subtasks_total"] > len(detail["subtasks"]):
            body.append(Text(f"... {detail['subtasks_total'] - len(detail['subtasks'])} more"))
        _section(out, title, Group(*body))
    if detail["dependencies"]:
        waiting = set(detail["blockers"])
        body = [task_label(d) for d in detail["dependencies"]]
        note = f" ({len(waiting)} not completed)" if waiting else " (all completed)"
        _section(out, "Depends on" + note, Group(*body))
    if detail["dependents"]:
        _section(out, "Waited on by", Group(*[task_label(d) for d in detail["dependents"]]))
    if detail["artifacts"]:
        body = []
        for art in detail["artifacts"]:
            line = Text(f"{art['type']}: ", style="bold")
            line.append(art["summary"])
            line.append(f"  {art['size']} characters · {art['created_at']}", style="dim")
            body.append(line)
            if art["file_paths"]:
                body.append(Text("  files: " + ", ".join(art["file_paths"]), style="dim"))
            if "content" in art:
                body.append(Text(art["content"].rstrip() + "\n"))
        shown = len(detail["artifacts"])
        title = f"Work ({detail['artifacts_total']} artifacts"
        title += f", the newest {shown})" if detail["artifacts_total"] > shown else ")"
        if not any("content" in a for a in detail["artifacts"]):
            title += "; --full prints the work itself"
        _section(out, title, Group(*body))
    if detail["files"]:
        _section(out, "Files touched", Group(*[Text(f) for f in detail["files"]]))
    _print_git(out, detail)
    if detail["events"]:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", no_wrap=True)
        table.add_column(overflow="fold")
        for event in reversed(detail["events"]):
            table.add_row(event["at"][:19].replace("T", " "), Text(_event(event)))
        _section(out, "History", table)


def _print_git(out: Console, detail: dict[str, Any]) -> None:
    """Where git stood at the start and the completion, the commits and changed files."""
    git = detail.get("git")
    if git:
        rows = []
        if git["started_for"]:
            rows.append(
                ("started on", _git_place(git["branch"], git["start_head"], git["start_dirty"]))
            )
        if git["completed_for"]:
            rows.append(
                ("completed on", _git_place(git["end_branch"], git["end_head"], git["end_dirty"]))
            )
        if git["worktree"]:
            rows.append(("worktree", git["worktree"]))
        if git["note"]:
            rows.append(("note", git["note"]))
        if rows:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="dim", no_wrap=True)
            grid.add_column(overflow="fold")
            for name, value in rows:
                grid.add_row(name, value)
            _section(out, "Git", grid)
    if detail["commits"]:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="yellow", no_wrap=True)
        table.add_column(overflow="fold")
        for commit in detail["commits"]:
            table.add_row(commit["sha"][:12], Text(commit["subject"]))
        title = f"Commits ({detail['commits_total']}"
        title += (
            f", the newest {len(detail['commits'])})"
            if detail["commits_total"] > len(detail["commits"])
            else ")"
        )
        _section(out, title, table)
    if detail["changed_files"]:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="green", no_wrap=True)
        table.add_column(justify="right", style="red", no_wrap=True)
        table.add_column(overflow="fold")
        for change in detail["changed_files"]:
            binary = change["added"] is None or change["deleted"] is None
            table.add_row(
                "bin" if binary else f"+{change['added']}",
                "" if binary else f"-{change['deleted']}",
                Text(change["path"]),
            )
        title = f"Files changed ({detail['changed_files_total']})"
        _section(out, title, table)


def _git_place(branch: str | None, sha: str | None, dirty: bool | None) -> str:
    text = f"{branch or '(detached HEAD)'} at {sha[:12] if sha else '(no commit)'}"
    if dirty is not None:
        text += ", with uncommitted changes" if dirty else ", clean"
    return text


def _section(out: Console, title: str, body: Any) -> None:
    out.print()
    out.print(Text(title, style="bold underline"))
    out.print(body)


def _event(event: dict[str, Any]) -> str:
    data = event["data"] if isinstance(event["data"], dict) else {}
    kind = str(event["kind"]).removeprefix("task.")
    if "from_status" in data and data.get("status") and data["status"] != data["from_status"]:
        return f"{kind}: {data['from_status']} -> {data['status']}"
    if kind == "planned":
        n = data.get("tasks", 1)
        return "planned" if n == 1 else f"planned with its subtasks ({n} tasks)"
    if kind == "cancelled":
        return f"cancelled: {data.get('reason', '')}"
    changed = [k for k in data if k not in ("updated_at", "from_status")]
    return kind + (f" ({', '.join(changed)})" if changed else "")


def print_suggestion(out: Console, task: Task, reasons: list[str]) -> None:
    out.print(Text("Next: ", style="bold") + task_label(task))
    for reason in reasons:
        out.print(Text(f"  - {reason}"))
    out.print(Text(f"Start it: task-orchestrator tasks start {task.id}", style="dim"))
