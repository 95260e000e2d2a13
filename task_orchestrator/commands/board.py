"""``task-orchestrator board``: serves the task board on 127.0.0.1 and opens it.

This module stays light (cli.py imports it at startup): starlette and uvicorn are imported
only inside the command (task_orchestrator/board/).
"""

from __future__ import annotations

import click


@click.command("board")
@click.option(
    "--port",
    type=int,
    default=None,
    help="Port on 127.0.0.1 (default: a free one).",
)
@click.option("--no-open", is_flag=True, help="Print the address only; open no browser.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"url": ...} as one JSON line (for scripts), then keep serving.',
)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Project folder whose tasks to show first (default: the current folder's project).",
)
def board_command(port: int | None, no_open: bool, as_json: bool, workspace: str | None) -> None:
    """Show the tasks on a live board in the browser.

    Columns by status, a panel per task with its subtasks, dependency graph, work and
    history, and the actions start, complete, cancel, reopen and rename. Changes made by
    anything else (hooks, servers, the CLI) show up within a second or two.

    The printed address works once, in one browser; Ctrl-C stops the board.
    """
    from ..board.serve import serve_board

    serve_board(port=port, open_browser=not no_open, as_json=as_json, workspace=workspace)
