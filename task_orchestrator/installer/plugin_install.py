"""Setup's Claude Code plugin route: the plugin instead of settings.json hooks and a ``claude
mcp`` entry (docs/ARCHITECTURE.md, "The Claude Code plugin").

Setup writes a marketplace folder of its own under the data root (``<root>/claude-plugin``:
the plugin of :mod:`.plugin` plus a ``program`` file, so the launcher runs this install by
absolute path), adds it with ``claude plugin marketplace add`` and installs the plugin with
``claude plugin install``. Claude Code runs a directory marketplace's plugin in place, so a
later setup that rewrites the folder updates the plugin too. Plugin hooks and settings.json
hooks both run, and the same command in both is not de-duplicated: the caller removes our
settings.json hooks and our ``claude mcp`` entry whenever the plugin is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..core.paths import Paths
from ..errors import UserError
from . import fileops, launcher, plugin
from .catalog import Env
from .ops import Change, _run_cli
from .subproc import clean_env

CLIENT = "claude-code-plugin"
RESTART = "Start a new Claude Code session (or run /reload-plugins)"


def marketplace_dir(paths: Paths) -> Path:
    return paths.root / "claude-plugin"


def program_file(paths: Paths) -> Path:
    """``<data root>/program``: what the plugin's launcher runs when it comes from another
    marketplace (a checkout) and this machine has a setup-installed program."""
    return paths.root / "program"


def program_record(program: str) -> list[str]:
    """The program, then (a Python install) the interpreter hooks run with ``-I -c``."""
    command = launcher.hook_command(program)
    return [program] if len(command) == 1 else [program, command[0]]


def record_program(paths: Paths, program: str) -> None:
    """Write ``<data root>/program``; call it under the installer's lock. Best effort: only a
    plugin added from a checkout reads it, and a full disk must not fail the setup of every
    client for it."""
    path = program_file(paths)
    text = "".join(line + "\n" for line in program_record(program))
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return
        fileops.atomic_write(path, text, mode=0o600)
    except (OSError, UserError):
        pass


def claude_cli(env: Env) -> str | None:
    return shutil.which("claude", path=env.environ.get("PATH", ""))


def _list(cli: str, env: Env) -> list[dict[str, Any]] | None:
    """``claude plugin list --json``, or None where this Claude Code has no plugins."""
    try:
        proc = subprocess.run(
            [cli, "plugin", "list", "--json"],
            cwd=env.project if env.project.is_dir() else None,
            env=clean_env(env.environ),
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    try:
        value = json.loads(proc.stdout)
    except ValueError:
        return None
    return [p for p in value if isinstance(p, dict)] if isinstance(value, list) else None


def supports_plugins(cli: str, env: Env) -> bool:
    return _list(cli, env) is not None


def installed(cli: str, env: Env) -> list[dict[str, Any]]:
    """Our plugin's rows in ``claude plugin list --json`` (one per scope it is installed at)."""
    return [p for p in _list(cli, env) or [] if p.get("id") == plugin.PLUGIN_ID]


def install_plugin(
    cli: str, scope: str, env: Env, paths: Paths, program: str, *, dry_run: bool
) -> Change:
    folder = marketplace_dir(paths)
    change = Change(CLIENT, scope, str(folder), "unchanged", via="claude plugin", restart=RESTART)
    rows = [r for r in installed(cli, env) if r.get("scope") == scope]
    if dry_run:
        change.action = "unchanged" if rows else "installed"
        change.message = f"would write {folder} and run `claude plugin install {plugin.PLUGIN_ID}`"
        return change
    try:
        wrote = plugin.write_marketplace(folder, program_record(program))
        # Idempotent: the same folder again is "already on disk"; another folder under our
        # marketplace's name (a checkout added by hand) is replaced by ours.
        _run_cli([cli, "plugin", "marketplace", "add", str(folder)], env)
        if not rows:
            _run_cli([cli, "plugin", "install", plugin.PLUGIN_ID, "--scope", scope], env)
            change.action, change.message = "installed", "plugin installed and enabled"
        elif not all(r.get("enabled") for r in rows):
            _run_cli([cli, "plugin", "enable", plugin.PLUGIN_ID, "--scope", scope], env)
            change.action, change.message = "updated", "plugin enabled again"
        elif wrote:
            change.action, change.message = "updated", f"plugin files updated ({len(wrote)})"
        else:
            change.message = "plugin already installed and enabled"
    except UserError as exc:
        change.action, change.message = "error", str(exc)
    except OSError as exc:
        change.action, change.message = "error", f"{folder}: {exc}"
    return change


def uninstall_plugin(cli: str, scope: str, env: Env, paths: Paths, *, dry_run: bool) -> Change:
    folder = marketplace_dir(paths)
    change = Change(CLIENT, scope, str(folder), "absent", via="claude plugin", restart=RESTART)
    rows = [r for r in installed(cli, env) if r.get("scope") == scope]
    if dry_run:
        change.action = "removed" if rows else "absent"
        change.message = "would run `claude plugin uninstall`" if rows else "not installed"
        return change
    try:
        if rows:
            _run_cli([cli, "plugin", "uninstall", plugin.PLUGIN_ID, "--scope", scope], env)
            change.action, change.message = "removed", "plugin uninstalled"
        else:
            change.message = "plugin not installed"
        if not installed(cli, env) and folder.is_dir():
            # The marketplace is ours only when it is our folder: one added from a checkout
            # by hand is the user's to remove.
            if _marketplace_path(env) == folder:
                _run_cli([cli, "plugin", "marketplace", "remove", plugin.MARKETPLACE], env)
            shutil.rmtree(folder, ignore_errors=True)
            change.action = "removed"
            change.message += "; marketplace removed"
    except UserError as exc:
        change.action, change.message = "error", str(exc)
    return change


def _marketplace_path(env: Env) -> Path | None:
    config = env.environ.get("CLAUDE_CONFIG_DIR") or str(env.home / ".claude")
    try:
        known = json.loads(
            (Path(config) / "plugins" / "known_marketplaces.json").read_text(encoding="utf-8")
        )
        return Path(known[plugin.MARKETPLACE]["installLocation"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
