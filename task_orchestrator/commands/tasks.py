"""``task-orchestrator tasks``: your tasks from the terminal. Each command parses its options
and calls one function of task_orchestrator/terminal/ (reads.py for list, show, next and
export; hand.py for the changes, through core/steer.py). Errors go out through cli.py's one
boundary as ``error: <message>; <advice>``.

This module stays light: cli.py imports it at startup, so the store, the catalog and rich are
imported inside the commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from ..core.enums import Specialist, Status

STATUS_NAMES = [s.value for s in Status]
SPECIALIST_NAMES = [s.value for s in Specialist]
DEFAULT_LIMIT = 50

workspace_option = click.option(
    "--workspace",
    "workspace",
    metavar="DIR",
    default=None,
    help="The project folder to act on (default: the current folder; its git top-level or "
    "nearest project marker is the workspace, as for the server).",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (stable: keys are only ever added)."
)


def list_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options of `tasks list`, which plain `tasks` takes too."""
    for option in reversed(
        [
            click.option("--all", "all_statuses", is_flag=True, help="Tasks of every status."),
            click.option(
                "--status",
                "statuses",
                multiple=True,
                type=click.Choice(STATUS_NAMES),
                help="Only plans with this status (repeatable).",
            ),
            workspace_option,
            click.option("--all-workspaces", is_flag=True, help="The plans of every workspace."),
            click.option(
                "--limit",
                type=click.IntRange(1, 10_000),
                default=DEFAULT_LIMIT,
                show_default=True,
                help="At most this many plans (top-level tasks); the rest are counted.",
            ),
            json_option,
        ]
    ):
        func = option(func)
    return func


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _folder(workspace: str | None) -> Any:
    from ..terminal.place import resolve_folder

    return resolve_folder(workspace)


def _paths() -> Any:
    from ..core.paths import default_paths

    return default_paths()


@click.group("tasks", invoke_without_command=True)
@list_options
@click.pass_context
def tasks_group(ctx: click.Context, /, **options: Any) -> None:
    """Your tasks from the terminal: list, show, add, start and finish them.

    Plain `tasks` is `tasks list`. Every command acts on the workspace of the current
    folder (or --workspace DIR), the same one the MCP server and the hooks use.

    \b
    Examples:
      task-orchestrator tasks                      open plans of this project, as a tree
      task-orchestrator tasks next                 what to do next, and why
      task-orchestrator tasks add "Fix the login bug"
      task-orchestrator tasks done task_7kq2m9xw --summary "Fixed in auth.py"
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_command, **options)
        return
    given = [
        name
        for name in options
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
    ]
    if given:
        raise click.UsageError(
            f"put the list options after `list` (task-orchestrator tasks list ...), not "
            f"before `{ctx.invoked_subcommand}`"
        )


@tasks_group.command("list")
@list_options
def list_command(
    all_statuses: bool,
    statuses: tuple[str, ...],
    workspace: str | None,
    all_workspaces: bool,
    limit: int,
    as_json: bool,
) -> None:
    """The open work of this project as a tree: each plan with its subtasks, their status,
    specialist and age.

    \b
    Examples:
      task-orchestrator tasks list
      task-orchestrator tasks list --all --limit 10
      task-orchestrator tasks list --status blocked --status needs_revision
      task-orchestrator tasks list --all-workspaces --json
    """
    from ..terminal import reads
    from ..terminal.plans import OPEN_STATUSES

    if all_statuses and statuses:
        raise click.UsageError("give either --all or --status, not both")
    chosen = None if all_statuses else [Status(s) for s in statuses] or list(OPEN_STATUSES)
    folder = _folder(workspace)
    found = reads.listing(
        _paths(), folder, statuses=chosen, limit=limit, every_workspace=all_workspaces
    )
    if as_json:
        _emit_json(found.as_json())
        return
    from ..terminal import render

    out = render.console(sys.stdout)
    if not found.recorded:
        render.print_nothing_recorded(out, folder.asked, folder.root, folder.unsuitable)
    else:
        render.print_listing(out, found)


@tasks_group.command("show")
@click.argument("task_id", metavar="ID")
@click.option("--full", is_flag=True, help="Also print the work itself, not only its summaries.")
@workspace_option
@json_option
def show_command(task_id: str, full: bool, workspace: str | None, as_json: bool) -> None:
    """Everything about one task: description, subtasks, dependencies and dependents, its
    work (summaries; --full for the whole), files touched, status history, the session that
    made it. Any task id is shown, and the workspace it belongs to is named.

    \b
    Example:
      task-orchestrator tasks show task_7kq2m9xw --full
    """
    from ..terminal import reads

    found = reads.detail(_paths(), _folder(workspace), task_id, full=full)
    if as_json:
        _emit_json(found)
        return
    from ..terminal import render

    render.print_detail(render.console(sys.stdout), found, found["workspace"])


@tasks_group.command("for-commit")
@click.argument("sha", metavar="SHA")
@workspace_option
@json_option
def for_commit_command(sha: str, workspace: str | None, as_json: bool) -> None:
    """Which task produced a commit: the link the hooks made when it was committed, or the
    range of a task completed after it, else the Task: trailer of its message (git trailer
    on). SHA is a commit sha (at least 7 digits) or anything git log takes, such as HEAD.

    \b
    Example:
      task-orchestrator tasks for-commit 3f2a9c1
    """
    from ..terminal import reads

    found = reads.for_commit(_paths(), _folder(workspace), sha)
    if as_json:
        _emit_json(found)
        return
    if not found["tasks"]:
        raise click.ClickException(f"no task is known to have produced {sha}")
    for task in found["tasks"]:
        click.echo(f"{task['id']} {task['title']} ({task['status']}; {task['source']})")


@tasks_group.command("next")
@workspace_option
@json_option
def next_command(workspace: str | None, as_json: bool) -> None:
    """The ready task to do next, and why: a step of a plan already under way first, then
    the one most tasks wait for, then the oldest.

    \b
    Example:
      task-orchestrator tasks next
    """
    from ..core.detail import task_brief
    from ..terminal import reads

    folder = _folder(workspace)
    recorded, found = reads.suggestion(_paths(), folder)
    if as_json:
        _emit_json(
            {
                "folder": folder.asked,
                "workspace_path": folder.root,
                "recorded": recorded,
                "task": task_brief(found.task) if found else None,
                "reasons": found.reasons if found else [],
                "unblocks": found.unblocks if found else 0,
            }
        )
        return
    from ..terminal import render

    out = render.console(sys.stdout)
    if not recorded:
        render.print_nothing_recorded(out, folder.asked, folder.root, folder.unsuitable)
    elif found is None:
        click.echo(
            "Nothing is ready: every open task waits for a dependency or for its subtasks "
            "(task-orchestrator tasks list shows them)."
        )
    else:
        render.print_suggestion(out, found.task, found.reasons)


def _changed(verb: str, task: Any, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    from ..core.detail import task_fields

    if as_json:
        _emit_json({"task": task_fields(task), **(extra or {})})
    else:
        click.echo(f"{verb} {task.id}: {task.title} ({task.status})")


@tasks_group.command("add")
@click.argument("title")
@click.option("--parent", "parent_id", metavar="ID", help="Plan it under this task.")
@click.option("--description", default="", help="What is to be done, in detail.")
@click.option(
    "--depends-on",
    "depends_on",
    metavar="ID",
    multiple=True,
    help="A task that must be completed first (repeatable).",
)
@click.option(
    "--specialist",
    type=click.Choice(SPECIALIST_NAMES),
    default=None,
    help="Who does it (default: routed from the title and description, as the server does).",
)
@workspace_option
@json_option
def add_command(
    title: str,
    parent_id: str | None,
    description: str,
    depends_on: tuple[str, ...],
    specialist: str | None,
    workspace: str | None,
    as_json: bool,
) -> None:
    """Add a task to this project (creating its workspace on first use).

    \b
    Examples:
      task-orchestrator tasks add "Write tests for the parser" --parent task_7kq2m9xw
      task-orchestrator tasks add "Deploy" --depends-on task_3hd8s2aa --specialist devops
    """
    from ..terminal import hand

    task, routed = hand.add(
        _paths(),
        _folder(workspace),
        title,
        description=description,
        parent_id=parent_id,
        depends_on=depends_on,
        specialist=Specialist(specialist) if specialist else None,
    )
    if as_json:
        _changed("Added", task, True, {"routing": routed.as_json()})
        return
    _changed("Added", task, False)
    how = f"matched: {', '.join(routed.matched)}" if routed.matched else routed.chosen_by
    click.echo(f"  specialist: {task.specialist} ({how})")


@tasks_group.command("start")
@click.argument("task_id", metavar="ID")
@workspace_option
@json_option
def start_command(task_id: str, workspace: str | None, as_json: bool) -> None:
    """Mark a task in progress; refused while a dependency or a subtask is unfinished.

    \b
    Example:
      task-orchestrator tasks start task_7kq2m9xw
    """
    from ..terminal import hand

    _changed("Started", hand.start(_paths(), _folder(workspace), task_id), as_json)


@tasks_group.command("done")
@click.argument("task_id", metavar="ID")
@click.option("--summary", default="", help="What was done, in a sentence or two.")
@workspace_option
@json_option
def done_command(task_id: str, summary: str, workspace: str | None, as_json: bool) -> None:
    """Complete a task. A task with subtasks completes once they are all finished, and
    records their synthesis as its work.

    \b
    Example:
      task-orchestrator tasks done task_7kq2m9xw --summary "Parser handles empty input"
    """
    from ..terminal import hand

    _changed("Completed", hand.done(_paths(), _folder(workspace), task_id, summary), as_json)


@tasks_group.command("cancel")
@click.argument("task_id", metavar="ID")
@click.option("--reason", default="", help="Why (recorded in its history).")
@workspace_option
@json_option
def cancel_command(task_id: str, reason: str, workspace: str | None, as_json: bool) -> None:
    """Cancel a task and its unfinished subtasks; completed subtasks keep their work.

    \b
    Example:
      task-orchestrator tasks cancel task_7kq2m9xw --reason "done upstream"
    """
    from ..terminal import hand

    task, ids = hand.cancel(_paths(), _folder(workspace), task_id, reason)
    if as_json:
        _changed("Cancelled", task, True, {"cancelled": ids})
        return
    _changed("Cancelled", task, False)
    if len(ids) > 1:
        click.echo(f"  and {len(ids) - 1} unfinished subtasks")


@tasks_group.command("reopen")
@click.argument("task_id", metavar="ID")
@workspace_option
@json_option
def reopen_command(task_id: str, workspace: str | None, as_json: bool) -> None:
    """Make a completed or cancelled task pending again.

    \b
    Example:
      task-orchestrator tasks reopen task_7kq2m9xw
    """
    from ..terminal import hand

    _changed("Reopened", hand.reopen(_paths(), _folder(workspace), task_id), as_json)


@tasks_group.command("edit")
@click.argument("task_id", metavar="ID")
@click.option("--title", default=None, help="The new title.")
@click.option("--description", default=None, help="The new description.")
@workspace_option
@json_option
def edit_command(
    task_id: str,
    title: str | None,
    description: str | None,
    workspace: str | None,
    as_json: bool,
) -> None:
    """Rename a task or change its description.

    \b
    Example:
      task-orchestrator tasks edit task_7kq2m9xw --title "Fix the login bug on Safari"
    """
    from ..terminal import hand

    task = hand.edit(_paths(), _folder(workspace), task_id, title=title, description=description)
    _changed("Edited", task, as_json)


@tasks_group.command("export")
@click.argument("task_id", metavar="[ID]", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="A Markdown document, or the data of every task in it.",
)
@click.option("--output", metavar="FILE", default=None, help="Write to FILE, not to stdout.")
@click.option("--force", is_flag=True, help="With --output: replace an existing file.")
@workspace_option
def export_command(
    task_id: str | None, fmt: str, output: str | None, force: bool, workspace: str | None
) -> None:
    """A plan as a document: one task with its subtasks and their work, or (without ID) the
    open plans of this project. Any task id is exported, naming its workspace.

    \b
    Examples:
      task-orchestrator tasks export task_7kq2m9xw --output PLAN.md
      task-orchestrator tasks export --format json > plans.json
    """
    from ..terminal import reads

    document = reads.export(_paths(), _folder(workspace), task_id, fmt=fmt)
    if output is None:
        click.echo(document, nl=False)
        return
    from ..terminal.export import write_output

    written = write_output(output, document, force=force)
    click.echo(f"Wrote {written}", err=True)
