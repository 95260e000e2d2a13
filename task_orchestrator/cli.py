"""The command line: a thin click layer. Each command parses its options and calls one typed
function elsewhere; this module owns the one error boundary (see errors.py)."""

from __future__ import annotations

import logging
import sys

import click

from . import __version__
from .commands.board import board_command
from .commands.git import git_group
from .commands.hook import config_command, hook_command
from .commands.links import links_command
from .commands.serve import serve_command
from .commands.tasks import tasks_group
from .commands.team import team_group
from .core.errors import StoreError
from .errors import EXIT_BUG, EXIT_USAGE, EXIT_USER, UserError, person_message
from .installer.commands import doctor_command, setup_group

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="task-orchestrator")
def cli() -> None:
    """task-orchestrator: plan, track and finish work across every MCP client.

    \b
    Start here:  orchestrator-setup           (find your MCP clients and register the server)
    Check it:    task-orchestrator doctor
    """


@cli.command("version")
def version_command() -> None:
    """Print the version and where the data lives."""
    from .core.paths import default_paths

    click.echo(f"task-orchestrator {__version__}")
    click.echo(f"data root: {default_paths().root}")


cli.add_command(serve_command)
cli.add_command(setup_group)
cli.add_command(doctor_command)
cli.add_command(hook_command)
cli.add_command(config_command)
cli.add_command(tasks_group)
cli.add_command(board_command)
cli.add_command(links_command)
cli.add_command(git_group)
cli.add_command(team_group)


def run_cli(args: list[str], prog_name: str) -> int:
    """Run the CLI and map every outcome to an exit code: 0 ok, 1 the user can fix it,
    2 usage, 3 a bug (with the log file to look at)."""
    try:
        result = cli.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_USER
    except click.exceptions.ClickException as exc:
        exc.show()
        return EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_USER
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except (UserError, StoreError) as exc:
        click.echo(f"error: {person_message(exc)}", err=True)
        return EXIT_USER
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception:
        from .logs import setup_logging

        path = setup_logging(stderr_level=None)
        logging.getLogger("task_orchestrator").exception("unexpected error in %s", args)
        click.echo(
            f"unexpected error: {sys.exc_info()[1]!r}; details are in {path}. "
            "Please report it with that file.",
            err=True,
        )
        return EXIT_BUG
    return result if isinstance(result, int) else 0
