"""``task-orchestrator serve``: parses options, then starts the server (which imports mcp)."""

from __future__ import annotations

import click


@click.command("serve")
@click.option(
    "--transport",
    type=click.Choice(["stdio", "streamable-http"]),
    default="stdio",
    show_default=True,
    help="stdio for MCP clients; streamable-http to serve on 127.0.0.1.",
)
def serve_command(transport: str) -> None:
    """Run the MCP server (what clients start; you rarely run this yourself)."""
    from ..errors import UserError

    raise UserError("the server is not built yet (issue 3)")
