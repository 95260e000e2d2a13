"""What the setup commands do, as typed functions (the click layer only parses options)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.paths import Paths, default_paths
from ..errors import UserError
from . import fileops, hookreg, launcher, plugin_install
from .catalog import ClientSpec, Env, OSName, load_clients, resolve
from .detect import Detection, detect, running_process_names
from .ops import (
    Change,
    EntryStatus,
    entry_state,
    install_one,
    save_manifest,
    unified_diff,
    uninstall_one,
)

if TYPE_CHECKING:
    from .team import TeamOptions

HOOKS_ID = "claude-code-hooks"
#: Where Claude Code reads MCP servers and hooks from (installer/hookreg.settings_path).
CLAUDE_SCOPES = ("user", "project", "local")


def host_os() -> OSName:
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("win"):
        return "windows"
    return "linux"


def current_env(project: Path | None = None) -> Env:
    return Env(
        os=host_os(),
        environ=dict(os.environ),
        home=Path.home(),
        project=(project or Path.cwd()).absolute(),
    )


@dataclass
class Row:
    client: ClientSpec
    detection: Detection
    scope: str
    path: str
    status: EntryStatus


def survey(
    env: Env, scope: str = "user", *, processes: bool = True, plugins: bool = False
) -> list[Row]:
    """Each client's row. ``plugins``: ask ``claude`` whether our plugin serves Claude Code
    where its config file has no entry of ours (a second or so of ``claude plugin list``)."""
    from . import team as teamsetup

    names = running_process_names() if processes else None
    program = str(launcher.registered_program())
    # A member's machine: the remote entries are the ones to compare with.
    team = teamsetup.current(default_paths())
    rows = []
    for client in load_clients().values():
        d = detect(client, env, names)
        where = resolve(client, scope, env)
        if where is None:
            rows.append(Row(client, d, scope, "-", EntryStatus("no-scope", f"no {scope} scope")))
            continue
        remote = teamsetup.remote_entry(client, team) if team else None
        status = entry_state(client, where, program, launcher.server_args(), remote)
        # A member's machine has no plugin (setup --team removes it): its entry is remote.
        if plugins and not team and client.id == "claude-code" and status.state in NOT_THERE:
            status = _plugin_state(env) or status
        rows.append(Row(client, d, scope, str(where.path), status))
    return rows


NOT_THERE = ("no-file", "not-configured")


def _plugin_state(env: Env) -> EntryStatus | None:
    """Claude Code served by our plugin: where it is installed, and whether it is on."""
    cli = plugin_install.claude_cli(env)
    rows = plugin_install.installed(cli, env) if cli else []
    if not rows:
        return None
    on = [str(r.get("scope")) for r in rows if r.get("enabled")]
    if on:
        return EntryStatus("plugin", f"plugin enabled at {', '.join(on)} scope")
    off = ", ".join(str(r.get("scope")) for r in rows)
    return EntryStatus("plugin-disabled", f"plugin installed at {off} scope but disabled")


def mark_running(changes: list[Change], names: set[str] | None = None) -> None:
    """A running client keeps its old config until restarted: say so next to its change."""
    if not any(c.wrote for c in changes):
        return
    names = running_process_names() if names is None else names
    catalog = load_clients()
    for c in changes:
        client = catalog.get("claude-code" if c.client == HOOKS_ID else c.client)
        if c.wrote and client and set(client.detect.processes) & names:
            c.restart = f"it is running now: {c.restart}"


def pick_clients(ids: tuple[str, ...], all_: bool) -> list[ClientSpec]:
    catalog = load_clients()
    if all_:
        return list(catalog.values())
    unknown = [i for i in ids if i not in catalog]
    if unknown:
        raise UserError(
            f"unknown client {', '.join(unknown)}; known: {', '.join(catalog)} "
            "(see `orchestrator-setup status`)"
        )
    return [catalog[i] for i in ids]


def install(
    clients: list[ClientSpec],
    scope: str,
    env: Env,
    *,
    dry_run: bool,
    hooks: bool,
    paths: Paths | None = None,
    plugin: bool = False,
    team: TeamOptions | None = None,
) -> list[Change]:
    """Register the server in ``clients``. For Claude Code with ``hooks``: with ``plugin``
    and a ``claude`` that has plugins, our plugin (hooks, server, commands, agents) instead of
    settings.json hooks and a ``claude mcp`` entry, which are removed (docs/ARCHITECTURE.md,
    "The Claude Code plugin"); otherwise the hooks go into settings.json. With ``team``:
    installer/team.py says what (``[team]``, remote entries, no plugin)."""
    paths = paths or default_paths()
    program = str(launcher.registered_program())
    args = launcher.server_args()
    changes: list[Change] = []
    from . import team as teamsetup

    if team is None:
        # A member's machine stays one: a later install (a new client) is the team's too.
        team = teamsetup.current(paths)
    if team is not None:
        teamsetup.preflight(clients, scope, env, paths, hooks)

    def body(manifest: fileops.Manifest) -> None:
        if team is not None:
            _team_body(manifest)
            return
        for client in clients:
            ours = plugin or plugin_install.marketplace_dir(paths).is_dir()
            cli = _plugin_cli(env) if client.id == "claude-code" and hooks and ours else None
            if cli and plugin:
                changes.append(
                    plugin_install.install_plugin(cli, scope, env, paths, program, dry_run=dry_run)
                )
                if changes[-1].action == "error":
                    continue
                # One source of each: the plugin's .mcp.json and hooks.json, nothing of ours
                # left in ~/.claude.json, .mcp.json or settings.json (an earlier version's
                # included) at any scope: a user-scope hook and a project-scope plugin would
                # both run in the project, and a project-scope hook beside the user's plugin.
                for other in (scope, *(s for s in CLAUDE_SCOPES if s != scope)):
                    server = uninstall_one(client, other, env, manifest, dry_run=dry_run)
                    server.message += "; the plugin serves Claude Code"
                    hooks_gone = _hooks(other, env, manifest, "", dry_run, install=False)
                    for change in (server, hooks_gone):
                        if other == scope or change.action not in ("absent", "skipped"):
                            changes.append(change)
                continue
            changes.append(
                install_one(client, scope, env, program, args, manifest, dry_run=dry_run)
            )
            if client.id == "claude-code" and hooks:
                changes.append(_hooks(scope, env, manifest, program, dry_run, install=True))
                if cli:
                    # Back from the plugin to settings.json (--no-plugin): setup's plugin
                    # goes, or every hook would run twice.
                    gone = plugin_install.uninstall_plugin(cli, scope, env, paths, dry_run=dry_run)
                    if gone.action != "absent":
                        changes.append(gone)
        if not dry_run:
            # Last: what a plugin added from a checkout runs (best effort, never fails setup).
            plugin_install.record_program(paths, program)

    def _team_body(manifest: fileops.Manifest) -> None:
        from . import team as teamsetup

        assert team is not None
        changes.append(teamsetup.write_config(paths, team, manifest, dry_run=dry_run))
        if changes[-1].action == "error":
            return
        for client in clients:
            entry = teamsetup.remote_entry(client, team)
            if entry is None:
                changes.append(teamsetup.not_for_team(client, scope))
                continue
            changes.append(
                install_one(
                    client, scope, env, program, args, manifest, dry_run=dry_run, entry=entry
                )
            )
            if client.id == "claude-code" and hooks:
                changes.append(
                    _hooks(
                        scope, env, manifest, program, dry_run, install=True, http=team.http_hooks
                    )
                )
                # The plugin's .mcp.json would start a local server on a local store.
                if plugin_install.marketplace_dir(paths).is_dir():
                    cli = _plugin_cli(env)
                    if cli:
                        gone = plugin_install.uninstall_plugin(
                            cli, scope, env, paths, dry_run=dry_run
                        )
                        gone.message += "; a member's machine uses the team server"
                        changes.append(gone)

    _with_manifest(paths, dry_run, body, changes)
    return changes


def uninstall(
    clients: list[ClientSpec],
    scope: str,
    env: Env,
    *,
    dry_run: bool,
    hooks: bool,
    paths: Paths | None = None,
) -> list[Change]:
    paths = paths or default_paths()
    changes: list[Change] = []

    def body(manifest: fileops.Manifest) -> None:
        for client in clients:
            changes.append(uninstall_one(client, scope, env, manifest, dry_run=dry_run))
            if client.id == "claude-code" and hooks:
                changes.append(_hooks(scope, env, manifest, "", dry_run, install=False))
                cli = _plugin_cli(env)
                if cli:
                    changes.append(
                        plugin_install.uninstall_plugin(cli, scope, env, paths, dry_run=dry_run)
                    )
                # [team] goes with the hooks that read it.
                from . import team as teamsetup

                gone = teamsetup.write_config(paths, None, manifest, dry_run=dry_run)
                if gone.action != "absent":
                    changes.append(gone)
        if not dry_run:
            manifest.drop_unused()

    _with_manifest(paths, dry_run, body, changes)
    return changes


def _plugin_cli(env: Env) -> str | None:
    """The ``claude`` to install the plugin with, if it has plugins."""
    cli = plugin_install.claude_cli(env)
    return cli if cli and plugin_install.supports_plugins(cli, env) else None


def _with_manifest(
    paths: Paths, dry_run: bool, body: Callable[[fileops.Manifest], None], changes: list[Change]
) -> None:
    """Run ``body`` under the lock and save the manifest even if a client failed (a failed
    save is added to ``changes``); a dry run takes no lock and saves nothing."""
    if dry_run:
        body(fileops.Manifest(paths))
        return
    with fileops.locked(paths):
        manifest = fileops.Manifest(paths)
        try:
            body(manifest)
        finally:
            save_manifest(manifest, changes)


def _hooks(
    scope: str,
    env: Env,
    manifest: fileops.Manifest,
    program: str,
    dry_run: bool,
    *,
    install: bool,
    http: hookreg.HttpHooks | None = None,
) -> Change:
    path = hookreg.settings_path(scope, env)
    change = Change(
        HOOKS_ID, scope, str(path), "unchanged", restart="Start a new Claude Code session"
    )
    try:
        text = fileops.read_text(path)
        target = fileops.target_of(path)
        rec = manifest.files.get(str(target), {})
        key = f"{HOOKS_ID}:{scope}"
        if install:
            new, hints = hookreg.install_hooks(text or "", program, http)
        else:
            hints = (rec.get("entries", {}).get(key) or {}).get("hints", {})
            new = hookreg.uninstall_hooks(text or "", hints)
        if (new == (text or "") and text is not None) or (text is None and not install):
            change.action = "unchanged" if install else "absent"
            change.message = "hooks already registered" if install else "no hooks of ours"
            if not install and text is not None and not dry_run:
                # Taken out by hand: nothing of ours left to keep a record (or backup) for.
                rec.get("entries", {}).pop(key, None)
            return change
        if not install and not new.strip() and rec.get("existed") is False:
            final: str | None = None
        else:
            final = new
        change.diff = unified_diff(path, text, final)
        change.action = (
            ("updated" if text and "task-orchestrator" in text else "installed")
            if install
            else "removed"
        )
        if dry_run:
            change.message = "would write (dry run)"
            return change
        fileops.check_writable(path)
        manifest.backup(target, text)
        fileops.atomic_write(path, final)
        if install:
            old = (manifest.file(target)["entries"].get(key) or {}).get("hints", {})
            manifest.file(target)["entries"][key] = {
                "client": HOOKS_ID,
                "scope": scope,
                "key": ["hooks"],
                "hash": fileops.entry_hash(hookreg.desired_groups(program, http)),
                "hints": {**hints, **{k: v for k, v in old.items() if k not in hints}},
            }
            groups = hookreg.desired_groups(program, http)
            change.message = f"{len(groups)} hook events registered" + (
                " (http hooks to the team server; SessionStart a command hook)" if http else ""
            )
        else:
            manifest.file(target)["entries"].pop(key, None)
            change.message = "our hooks removed"
    except UserError as exc:
        change.action, change.message = "error", str(exc)
    except OSError as exc:  # a full disk: the user's to fix, and nothing was replaced
        change.action = "error"
        change.message = f"{path}: {fileops.describe(exc)}; the file was not changed"
    return change
