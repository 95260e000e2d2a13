"""``task-orchestrator team``: make a PostgreSQL store a team's and manage its members.

Thin: the rules (names, one team per database, tokens kept as their SHA-256 only) live in
core/store_team.py. Only a PostgreSQL store is shared, so every subcommand refuses any
other before opening anything (docs/ARCHITECTURE.md, "The team").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from ..errors import UserError

if TYPE_CHECKING:
    from ..core.models import Member, TeamInfo
    from ..core.store import TaskStore

#: The variable a member's machine reads the token from (its `[team] token_env` default).
TOKEN_ENV = "TASK_ORCHESTRATOR_TEAM_TOKEN"


def _open() -> TaskStore:
    """The configured store, which must be PostgreSQL; nothing is opened or created
    otherwise."""
    from ..core import db
    from ..core.paths import ENV_STORE_URL, default_paths
    from ..core.store import TaskStore

    paths = default_paths()
    where = paths.store()
    if not db.is_url(where):
        raise UserError(
            "team commands need a PostgreSQL store, and this one is the SQLite file "
            f"{where}, which only this user reaches. Give the team's database with "
            f"{ENV_STORE_URL}=postgresql://USER@HOST/DB, or [store] url = "
            f'"postgresql://..." in {paths.config_file}; nothing was written'
        )
    return TaskStore.open(where)


def _team(team: TeamInfo | None) -> dict[str, Any] | None:
    return None if team is None else {"name": team.name, "created_at": team.created_at}


def _member(member: Member) -> dict[str, Any]:
    return {
        "name": member.name,
        "created_at": member.created_at,
        "revoked_at": member.revoked_at,
        "last_seen_at": member.last_seen_at,
    }


def _echo_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2))


@click.group("team")
def team_group() -> None:
    """Share one PostgreSQL store as a team: its name and its members' tokens.

    \b
    The store is the one configured for this program (TASK_ORCHESTRATOR_STORE_URL, or
    [store] url in config.toml); it must be PostgreSQL. Run these on the database's side
    (the team server's host, or wherever the URL reaches it); members never need them.

    \b
      task-orchestrator team init acme       make this database the team acme's
      task-orchestrator team add-user ann    a member, and their token (shown once)
      task-orchestrator team revoke ann      the token stops working at once
      task-orchestrator team list            the team and its members
    """


@team_group.command("init")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def init_command(name: str, as_json: bool) -> None:
    """Make the store's database the team NAME's (once; a second team needs another
    database). NAME: 1 to 64 letters, digits, '.', '_' or '-'."""
    with _open() as store:
        team = store.init_team(name)
    if as_json:
        _echo_json({"team": _team(team)})
        return
    click.echo(f"This database is now the team {team.name}'s.")
    click.echo("Next: task-orchestrator team add-user NAME, for each member.")


@team_group.command("add-user")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def add_user_command(name: str, as_json: bool) -> None:
    """Add the member NAME and print their token, once: only its SHA-256 is kept, so it
    cannot be shown again (revoke and add the name again for a new one)."""
    with _open() as store:
        team = store.team()
        if team is None:
            raise UserError(
                "this database is not a team's yet: run `task-orchestrator team init NAME` "
                "first; nothing was written"
            )
        member, token = store.add_member(name)
    how = (
        f"The member sets it on their machine and points setup at the team server:\n"
        f"  export {TOKEN_ENV}={token}\n"
        f"  orchestrator-setup install --team URL"
    )
    if as_json:
        _echo_json(
            {
                "team": _team(team),
                "member": _member(member),
                "token": token,
                "token_env": TOKEN_ENV,
                "note": "the token is shown once and not stored; only its SHA-256 is kept",
            }
        )
        return
    click.echo(f"Added {member.name} to the team {team.name}. Their token:")
    click.echo(f"  {token}")
    click.echo(
        "It is shown this once and not stored (only its SHA-256 is): give it to "
        f"{member.name} privately."
    )
    click.echo(how)


@team_group.command("revoke")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def revoke_command(name: str, as_json: bool) -> None:
    """Revoke the member NAME: their token stops working on every team server at once
    (their tasks stay)."""
    with _open() as store:
        member = store.revoke_member(name)
    if as_json:
        _echo_json({"member": _member(member)})
        return
    click.echo(f"Revoked {member.name} at {member.revoked_at}; their token no longer works.")


@team_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(as_json: bool) -> None:
    """The team and its members, revoked ones too, oldest first."""
    with _open() as store:
        team, members = store.team(), store.members()
    if as_json:
        _echo_json({"team": _team(team), "members": [_member(m) for m in members]})
        return
    if team is None:
        click.echo("This database is not a team's yet: task-orchestrator team init NAME")
        return
    click.echo(f"Team {team.name} (since {team.created_at})")
    if not members:
        click.echo("No members yet: task-orchestrator team add-user NAME")
    for m in members:
        state = f"revoked {m.revoked_at}" if m.revoked_at else "live"
        seen = f"last seen {m.last_seen_at}" if m.last_seen_at else "never seen"
        click.echo(f"  {m.name:<24} {state:<38} added {m.created_at}, {seen}")
