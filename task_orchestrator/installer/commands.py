"""``orchestrator-setup`` / ``task-orchestrator setup`` and ``doctor`` (click layer only).

Heavy modules (pydantic through the catalog, psutil, mcp) are imported inside the commands,
so ``task-orchestrator --help`` and the other commands do not pay for them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from ..errors import EXIT_OK, EXIT_USER

if TYPE_CHECKING:
    from .ops import Change, EntryStatus
    from .setup import Row

SCOPES = click.Choice(["user", "project", "local"])
NO_PLUGIN_HELP = (
    "Claude Code: hooks in settings.json and a `claude mcp` entry, as before the plugin, "
    "instead of our Claude Code plugin (the default when `claude` has plugins)."
)


def _emit_changes(changes: list[Change], as_json: bool, dry_run: bool) -> int:
    failed = [c for c in changes if c.action == "error"]
    if as_json:
        click.echo(
            json.dumps(
                {"dry_run": dry_run, "ok": not failed, "changes": [c.as_json() for c in changes]},
                indent=2,
            )
        )
        return EXIT_USER if failed else EXIT_OK
    for c in changes:
        if dry_run and c.diff:
            click.echo(c.diff, nl=not c.diff.endswith("\n"))
        click.echo(f"{c.client:<18} {c.scope:<7} {c.action:<9} {c.path}  {c.message}")
    wrote = [c for c in changes if c.wrote and not dry_run]
    if dry_run:
        click.echo("dry run: nothing was written")
    elif not wrote and not failed:
        click.echo("nothing changed: everything was already in place")
    restarts = sorted({f"{c.client}: {c.restart}" for c in wrote if c.restart})
    if restarts:
        click.echo("\nrestart to pick up the change:")
        for r in restarts:
            click.echo(f"  - {r}")
    if failed:
        click.echo(f"\n{len(failed)} failed; nothing was written to those files", err=True)
    return EXIT_USER if failed else EXIT_OK


def _json_state(status: EntryStatus) -> str:
    """``state`` as ``--json`` has always given it, since its fields only ever grow:
    ``unparsable: <why>`` (the why is also ``detail``, on its own)."""
    if status.state == "unparsable":
        return f"unparsable: {status.detail}"
    return status.state


def _table(rows: list[Row]) -> None:
    click.echo(f"{'client':<17} {'found':<6} {'scope':<7} {'state':<15} config file")
    for r in rows:
        found = "yes" if r.detection.found else "no"
        click.echo(f"{r.client.id:<17} {found:<6} {r.scope:<7} {r.status.state:<15} {r.path}")


@click.group("setup", invoke_without_command=True)
@click.option("--yes", "-y", is_flag=True, help="Configure every client found, no questions.")
@click.option("--no-hooks", is_flag=True, help="Do not register Claude Code hooks.")
@click.option("--no-plugin", is_flag=True, help=NO_PLUGIN_HELP)
@click.pass_context
def setup_group(ctx: click.Context, yes: bool, no_hooks: bool, no_plugin: bool) -> int:
    """Find MCP clients on this machine and register the task-orchestrator server in them.

    With no subcommand: detect, show what was found, ask which to configure (all found by
    default), configure them, and say what to restart.
    """
    if ctx.invoked_subcommand is not None:
        return EXIT_OK
    from .setup import current_env, install, survey

    env = current_env()
    rows = survey(env)
    _table(rows)
    found = [r.client for r in rows if r.detection.found]
    if not found:
        click.echo(
            "\nLooked for: "
            + ", ".join(r.client.name for r in rows)
            + ".\nNone of these MCP clients was found on this machine; nothing was changed.\n"
            "Install one, or configure it anyway with `orchestrator-setup install --client ID`."
        )
        return EXIT_OK
    for r in rows:
        if r.detection.found:
            click.echo(f"  {r.client.id}: " + "; ".join(r.detection.reasons))
    chosen = found
    if not yes:
        answer = click.prompt(
            "Configure which clients? (space-separated ids)",
            default=" ".join(c.id for c in found),
        )
        from .setup import pick_clients

        chosen = pick_clients(tuple(answer.split()), False)
    changes = install(chosen, "user", env, dry_run=False, hooks=not no_hooks, plugin=not no_plugin)
    from .setup import mark_running

    mark_running(changes)
    return _emit_changes(changes, False, False)


def _client_options(f: Any) -> Any:
    f = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(f)
    f = click.option("--yes", "-y", is_flag=True, help="No questions.")(f)
    f = click.option(
        "--dry-run", is_flag=True, help="Print a unified diff per file; write nothing."
    )(f)
    f = click.option("--no-plugin", is_flag=True, help=NO_PLUGIN_HELP)(f)
    f = click.option("--no-hooks", is_flag=True, help="Leave Claude Code hooks alone.")(f)
    f = click.option(
        "--scope", type=SCOPES, default="user", show_default=True, help="Where to write."
    )(f)
    f = click.option("--all", "all_", is_flag=True, help="Every client in the catalog.")(f)
    f = click.option(
        "--client", "-c", "clients", multiple=True, metavar="ID", help="A client id (repeatable)."
    )(f)
    return f


def _selection(clients: tuple[str, ...], all_: bool, scope: str) -> list[Any]:
    from .setup import current_env, pick_clients, survey

    if clients or all_:
        return pick_clients(clients, all_)
    rows = survey(current_env(), scope, processes=False)
    found = [r.client for r in rows if r.detection.found]
    if not found:
        raise click.UsageError("no client found; name one with --client ID or use --all")
    return found


@setup_group.command("install")
@_client_options
@click.option(
    "--team",
    "team_url",
    metavar="URL",
    help="Point this machine at a team server (http:// or https://): [team] in config.toml, "
    "a remote entry in each client that can reach one, Claude Code's hooks posting to it.",
)
@click.option(
    "--token-env",
    metavar="VAR",
    help="With --team: the environment variable that holds your token "
    "(default TASK_ORCHESTRATOR_TEAM_TOKEN). Only its name is written, never the token.",
)
@click.option(
    "--machine",
    metavar="NAME",
    help="With --team: this machine's name on the team (default: the host name).",
)
@click.option(
    "--hooks",
    "hook_mode",
    type=click.Choice(["command", "http"]),
    default=None,
    help="With --team: Claude Code's hooks as our command (default: an event the server "
    "misses waits and is sent later) or Claude Code's own http hooks (no process per event, "
    "but an event sent while the server is down is lost).",
)
def install_command(
    clients: tuple[str, ...],
    all_: bool,
    scope: str,
    no_hooks: bool,
    no_plugin: bool,
    dry_run: bool,
    yes: bool,
    as_json: bool,
    team_url: str | None,
    token_env: str | None,
    machine: str | None,
    hook_mode: str | None,
) -> int:
    """Register the server in the chosen clients (default: every client found).

    With --team URL, register the team server instead: see README.md, "Team"."""
    from .setup import current_env, install

    team = None
    if team_url is None:
        if token_env or machine or hook_mode:
            raise click.UsageError("--token-env, --machine and --hooks go with --team URL")
    else:
        from .team import options

        team = options(team_url, token_env, machine, hook_mode or "command")
    chosen = _selection(clients, all_, scope)
    changes = install(
        chosen,
        scope,
        current_env(),
        dry_run=dry_run,
        hooks=not no_hooks,
        plugin=not no_plugin,
        team=team,
    )
    from .setup import mark_running

    mark_running(changes)
    return _emit_changes(changes, as_json, dry_run)


@setup_group.command("uninstall")
@_client_options
@click.option(
    "--purge",
    is_flag=True,
    help="Also remove the standalone binary's installed copies (<data root>/bin).",
)
def uninstall_command(
    clients: tuple[str, ...],
    all_: bool,
    scope: str,
    no_hooks: bool,
    no_plugin: bool,
    dry_run: bool,
    yes: bool,
    as_json: bool,
    purge: bool,
) -> int:
    """Remove our entry (and only ours) from the chosen clients."""
    from .setup import current_env, uninstall

    chosen = _selection(clients, all_, scope)
    changes = uninstall(chosen, scope, current_env(), dry_run=dry_run, hooks=not no_hooks)
    code = _emit_changes(changes, as_json, dry_run)
    if purge:
        _purge_binaries(dry_run, quiet=as_json)
    return code


def _purge_binaries(dry_run: bool, *, quiet: bool) -> None:
    from . import selfinstall

    layout = selfinstall.Layout.default()
    if dry_run:
        if not quiet and layout.bin_dir.exists():
            click.echo(f"--purge would remove {layout.bin_dir} and everything in it")
        return
    removed = selfinstall.purge(layout)
    if not quiet:
        for path in removed:
            click.echo(f"removed {path}")
        if not removed:
            click.echo(f"--purge: no installed binary under {layout.bin_dir}")


@setup_group.command("status")
@click.option("--scope", type=SCOPES, default="user", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_command(scope: str, as_json: bool) -> int:
    """Show every known client: found or not, its config file, and our entry's state."""
    from .setup import current_env, survey

    rows = survey(current_env(), scope, plugins=True)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "client": r.client.id,
                        "name": r.client.name,
                        "found": r.detection.found,
                        "reasons": r.detection.reasons,
                        "running": r.detection.running,
                        "scope": r.scope,
                        "file": r.path,
                        "state": _json_state(r.status),
                        "detail": r.status.detail,
                        "via": "plugin" if r.status.state.startswith("plugin") else "config",
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
    else:
        _table(rows)
    return EXIT_OK


@setup_group.command("restore")
@click.argument("file", required=False)
@click.option("--all", "all_", is_flag=True, help="Restore every file we ever changed.")
def restore_command(file: str | None, all_: bool) -> int:
    """Put a config file back as it was before our first change (from the backup)."""
    if bool(file) == all_:
        raise click.UsageError("give one FILE or --all")
    from ..core.paths import default_paths
    from . import fileops
    from .ops import restore, save_manifest

    paths = default_paths()
    with fileops.locked(paths):
        manifest = fileops.Manifest(paths)
        done = restore(paths, manifest, file)
        save_manifest(manifest, done)
    for c in done:
        if c.action == "error":
            click.echo(f"error: {c.message}", err=True)
        else:
            click.echo(f"restored {c.path}  ({c.message})")
    if not done:
        click.echo("nothing to restore")
    return EXIT_USER if any(c.action == "error" for c in done) else EXIT_OK


def _doctor(as_json: bool) -> int:
    from .doctor import run_doctor
    from .setup import current_env
    from .team_doctor import run_team_doctor

    env = current_env()
    # A member's machine has no local store or server: the team's checks instead.
    report = run_team_doctor(env) or run_doctor(env)
    if as_json:
        click.echo(
            json.dumps({"ok": report.ok, "checks": [c.as_json() for c in report.checks]}, indent=2)
        )
    else:
        for c in report.checks:
            click.echo(f"{'ok ' if c.ok else 'BAD'} {c.name}: {c.detail}")
            if c.fix:
                click.echo(f"    fix: {c.fix}")
    return EXIT_OK if report.ok else EXIT_USER


@setup_group.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def setup_doctor_command(as_json: bool) -> int:
    """Same as `task-orchestrator doctor`."""
    return _doctor(as_json)


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def doctor_command(as_json: bool) -> int:
    """Check every configured client, the hooks and the store; each problem names its fix."""
    return _doctor(as_json)
