"""``task-orchestrator serve``: parses options, then starts the server.

This module stays light (cli.py imports it at startup): mcp and pydantic are imported only
inside the command, by :mod:`task_orchestrator.server.run`.
"""

from __future__ import annotations

import click

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@click.command("serve")
@click.option(
    "--transport",
    type=click.Choice(["stdio", "streamable-http"]),
    default="stdio",
    show_default=True,
    help="stdio for MCP clients; streamable-http to serve over HTTP at /mcp (with a "
    "PostgreSQL store: a team server, see README 'Team').",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="HTTP only: address to bind. Plain HTTP: "
    "put a reverse proxy with TLS in front for other machines.",
)
@click.option("--port", default=8765, show_default=True, type=int, help="HTTP only: port.")
@click.option(
    "--token",
    envvar="TASK_ORCHESTRATOR_TOKEN",
    default=None,
    help="HTTP only, not on a team server (members use their own tokens): bearer token "
    "clients must send (default: generated, printed once). "
    "Prefer the TASK_ORCHESTRATOR_TOKEN variable: other users can read a command line (ps).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="HTTP only: allow a non-loopback --host (anyone who can reach it needs the token).",
)
def serve_command(
    transport: str, host: str, port: int, token: str | None, allow_remote: bool
) -> None:
    """Run the MCP server (what clients start; you rarely run this yourself).

    Over stdio, stdout carries only the protocol; logs go to stderr and the log file.

    With a PostgreSQL store ([store] url or TASK_ORCHESTRATOR_STORE_URL) and
    --transport streamable-http this is a team server: it needs `task-orchestrator team
    init` first, lets in each member by their own token, and also serves GET /health and
    POST /hooks/EVENT for the members' Claude Code hooks.
    """
    from ..errors import UserError

    if transport == "streamable-http" and host not in LOOPBACK and not allow_remote:
        raise UserError(
            f"refusing to serve on {host}: only loopback addresses are allowed; "
            "pass --allow-remote if you really mean to expose the server"
        )
    from ..server.run import serve

    serve(transport=transport, host=host, port=port, token=token)
