"""``orchestrator-setup`` / ``task-orchestrator setup`` and ``doctor`` (click layer only)."""

from __future__ import annotations

import click


@click.group("setup", invoke_without_command=True)
@click.pass_context
def setup_group(ctx: click.Context) -> None:
    """Find MCP clients on this machine and register the task-orchestrator server in them."""
    if ctx.invoked_subcommand is None:
        click.echo("Looked for MCP clients: none supported yet.")


@click.command("doctor")
def doctor_command() -> None:
    """Check every configured client, the hooks and the store."""
    click.echo("doctor: nothing to check yet")
