"""``task-orchestrator hook EVENT`` (help only: the real dispatch happens in __main__ before
click loads) and ``task-orchestrator config``."""

from __future__ import annotations

import click


@click.command("hook", context_settings={"ignore_unknown_options": True})
@click.argument("event")
def hook_command(event: str) -> None:
    """Handle one Claude Code hook EVENT: JSON on stdin, answer on stdout.

    Claude Code runs this; the installer registers it in ~/.claude/settings.json.
    """
    from .runner import run

    raise SystemExit(run([event]))


@click.command("config")
def config_command() -> None:
    """Show the effective settings."""
    from ..core.paths import default_paths

    click.echo(f"config file: {default_paths().config_file}")
