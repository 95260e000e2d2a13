"""``orchestrator-setup install --team URL``: point this machine at a team server
(docs/ARCHITECTURE.md, "The team").

What it writes: ``[team]`` in config.toml (the hooks then post their events to the server,
hooks/team.py); for each chosen client that can reach a remote MCP server, a remote entry
from its client_configs/*.json ``remote`` (the token named by its environment variable, in
that client's syntax, never written itself); for Claude Code, the hooks (command hooks, or
with ``--hooks http`` Claude Code's own http hooks). Clients that run local commands only
are listed and left alone. Claude Code's plugin goes: its .mcp.json starts a local server
on a local store, which a member's machine must not use.

Bad input (a URL that is not http(s), a bad variable name, a client file that does not
parse) is refused before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.paths import Paths
from ..core.root import (
    TEAM_KEYS,
    TEAM_TOKEN_ENV,
    TeamConfig,
    env_var_problem,
    machine_problem,
    team_config,
    team_url_problem,
)
from ..errors import UserError
from . import fileops, hookreg
from .catalog import ClientSpec, Env, resolve
from .ops import Change, unified_diff
from .writers import TomlWriter, writer_for

HOOK_MODES = ("command", "http")
CONFIG_ID = "team-config"
NOT_FOR_TEAM = "runs local commands only: not configured for the team"


@dataclass(frozen=True)
class TeamOptions:
    url: str
    token_env: str
    machine: str
    hooks: str = "command"

    @property
    def http_hooks(self) -> hookreg.HttpHooks | None:
        if self.hooks != "http":
            return None
        return hookreg.HttpHooks(self.url, self.token_env, self.machine)

    def table(self) -> dict[str, Any]:
        out = {"url": self.url, "token_env": self.token_env, "machine": self.machine}
        if self.hooks != "command":
            out["hooks"] = self.hooks  # a later plain install keeps Claude Code's http hooks
        return out


def options(url: str, token_env: str | None, machine: str | None, hooks: str) -> TeamOptions:
    """The options checked (core/root.py has the rules the hooks apply too), or UserError."""
    token_env = token_env or TEAM_TOKEN_ENV
    config = TeamConfig(url, token_env, machine or "")
    for problem in (
        team_url_problem(url),
        env_var_problem(token_env),
        machine_problem(config.machine),
    ):
        if problem:
            raise UserError(f"--team: {problem}; nothing was written")
    if hooks not in HOOK_MODES:
        raise UserError(f"--hooks must be one of {', '.join(HOOK_MODES)}; nothing was written")
    return TeamOptions(config.url, token_env, config.machine, hooks)


def current(paths: Paths) -> TeamOptions | None:
    """The ``[team]`` this machine has now (status and doctor compare against it)."""
    config, _ = team_config({"TASK_ORCHESTRATOR_HOME": str(paths.root)})
    if config is None:
        return None
    return TeamOptions(config.url, config.token_env, config.machine, config.hooks)


def remote_entry(client: ClientSpec, team: TeamOptions) -> dict[str, Any] | None:
    return client.remote_entry(team.url, team.token_env, team.machine)


def preflight(clients: list[ClientSpec], scope: str, env: Env, paths: Paths, hooks: bool) -> None:
    """Every file a team install would edit parses, or UserError before anything is written
    (an install that stopped half way would leave hooks posting to a server that no client
    reaches, or the reverse)."""
    files: list[tuple[str, str, Any]] = [(str(paths.config_file), "toml", paths.config_file)]
    for client in clients:
        where = resolve(client, scope, env) if client.remote is not None else None
        if where is not None:
            files.append((str(where.path), client.format, where.path))
        if client.id == "claude-code" and hooks:
            path = hookreg.settings_path(scope, env)
            files.append((str(path), "json", path))
    for name, fmt, path in files:
        text = fileops.read_text(path)
        if text is None:
            continue
        try:
            writer_for(fmt).check(text, name)
        except UserError as exc:
            raise UserError(f"{exc} (nothing was written for --team)") from None


def write_config(
    paths: Paths, team: TeamOptions | None, manifest: fileops.Manifest, *, dry_run: bool
) -> Change:
    """``[team]`` in config.toml set to ``team``, or removed (None), surgically: the other
    tables, comments and spacing stay as they were (the manifest keeps what an append added,
    so that removing it gives the file back byte for byte). The file is private (0600)."""
    from ..core import private

    path = paths.config_file
    change = Change(CONFIG_ID, "user", str(path), "unchanged")
    writer = TomlWriter()
    record = manifest.file(path)["entries"]
    try:
        text = fileops.read_text(path)
        writer.check(text or "", str(path))
        existing = writer.read_entry(text or "", [], "team")
        if team is None:
            if existing is None:
                change.action, change.message = "absent", "no [team] in config.toml"
                return change
            hints = (record.get(CONFIG_ID) or {}).get("hints", {})
            new: str | None = writer.uninstall(text or "", [], "team", hints)
            others = {
                k: v
                for k, v in (existing if isinstance(existing, dict) else {}).items()
                if k not in TEAM_KEYS
            }
            if others:  # a team server's own keys ([team] hook_rate) stay
                new, _ = writer.install(text or "", [], "team", others)
            change.action, change.message = "removed", "[team] removed: hooks use the local store"
        else:
            kept = existing if isinstance(existing, dict) else {}
            if team.hooks == "command":
                kept = {k: v for k, v in kept.items() if k != "hooks"}
            desired = {**kept, **team.table()}
            if existing == desired:
                change.message = "[team] already set"
                return change
            new, hints = writer.install(text or "", [], "team", desired)
            change.action = "updated" if existing is not None else "installed"
            change.message = f"[team] url = {team.url}, token from ${team.token_env}"
        change.diff = unified_diff(path, text, new)
        if dry_run:
            change.message += " (dry run)"
            return change
        manifest.backup(path, text)
        if team is None:
            record.pop(CONFIG_ID, None)
        elif existing is None:
            record[CONFIG_ID] = {
                "client": CONFIG_ID,
                "scope": "user",
                "key": ["team"],
                "hints": hints,
            }
        if team is None and not (new or "").strip():
            path.unlink()  # nothing else was in it
            return change
        private.make_dir(path.parent, paths.root)
        private.write_file(path, (new or "").encode("utf-8"))
    except UserError as exc:
        change.action, change.message = "error", str(exc)
    except OSError as exc:
        change.action = "error"
        change.message = f"{path}: {fileops.describe(exc)}; the file was not changed"
    return change


def not_for_team(client: ClientSpec, scope: str) -> Change:
    why = f"{NOT_FOR_TEAM} ({client.local_only})" if client.local_only else NOT_FOR_TEAM
    return Change(client.id, scope, "", "skipped", why)
