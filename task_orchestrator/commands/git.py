"""``task-orchestrator git``: the commit trailer hook of a repository, and the task a commit
made now is for (what that hook asks)."""

from __future__ import annotations

import os

import click


@click.group("git")
def git_group() -> None:
    """Link commits to tasks: the Task: trailer hook of this repository.

    \b
    Examples:
      task-orchestrator git trailer on
      task-orchestrator git current-task
    """


@git_group.command("trailer")
@click.argument("state", type=click.Choice(["on", "off"]))
def trailer_command(state: str) -> None:
    """Install (on) or remove (off) a prepare-commit-msg hook in the current repository
    that adds "Task: task_..." for the task in progress to each commit message. An existing
    hook is kept and chained; off leaves it exactly as it was.

    \b
    Example:
      task-orchestrator git trailer on
    """
    from ..installer import gittrailer

    if state == "on":
        done, hook = gittrailer.install(os.getcwd())
        words = {
            "created": "installed",
            "inserted": "added to your existing hook",
            "chained": "installed; your existing hook runs after it",
            "unchanged": "already installed",
        }
    else:
        done, hook = gittrailer.uninstall(os.getcwd())
        words = {
            "deleted": "removed",
            "removed": "removed from your hook; the rest of it is unchanged",
            "restored": "removed; your own hook is back in its place",
            "absent": "not installed; nothing to remove",
        }
    click.echo(f"Commit trailer {words[done]}: {hook}")


@git_group.command("current-task")
def current_task_command() -> None:
    """Print the id of the task in progress that a commit made here now is for (nothing
    when there is none): of this workspace's tasks in progress, one with no subtask in
    progress, started on the branch checked out if any, else the one changed last."""
    from ..core.gitlink import current_task
    from ..core.paths import default_paths
    from ..terminal.place import reading, resolve_folder

    folder = resolve_folder(None)
    with reading(default_paths()) as store:
        ws = None if store is None else store.workspace_at(folder.root)
        task = None if store is None or ws is None else current_task(store, ws.id, folder.asked)
    if task is not None:
        click.echo(task.id)
