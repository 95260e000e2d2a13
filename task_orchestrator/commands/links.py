"""``task-orchestrator links``: print the one-click install links (installer/links.py)."""

from __future__ import annotations

import json

import click


@click.command("links")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def links_command(as_json: bool) -> None:
    """Print install links for Cursor and VS Code (they run `uvx task-orchestrator serve`).

    A link needs uv on the editor's PATH; `orchestrator-setup` registers an absolute path
    instead and needs no PATH at all.
    """
    from ..installer.links import links

    found = links()
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    click.echo(f"Cursor:           {found['cursor']['link']}")
    click.echo(f"VS Code:          {found['vscode']['link']}")
    click.echo(f"VS Code (web):    {found['vscode']['web']}")
