"""``doctor`` on a member's machine (``[team]`` in config.toml): the token's variable is set,
the team server answers ``GET /health`` with this member's name, nothing waits in the hooks'
team spool, each configured client has the team's remote entry and Claude Code our hooks
(docs/ARCHITECTURE.md, "The team"). Such a machine has no local store and no local server
to start, so doctor's local checks (installer/doctor.py) do not apply there:
:func:`run_team_doctor` is the whole report."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from ..core.root import team_config

if TYPE_CHECKING:
    from ..core.paths import Paths
    from .catalog import Env
    from .doctor import Report

FIX_INSTALL = "orchestrator-setup install --team URL"


def run_team_doctor(env: Env, paths: Paths | None = None) -> Report | None:
    """The report for a member's machine, or None when this machine has no ``[team]``."""
    from ..core.paths import default_paths
    from .doctor import Report

    paths = paths or default_paths()
    report = Report()
    if not check_team(report, paths, dict(env.environ)):
        return None
    _check_clients(report, env, paths)
    return report


def check_team(report: Report, paths: Paths, environ: dict[str, str] | None = None) -> bool:
    """Add the team's checks to ``report``; False (and nothing added) when this machine has
    no ``[team]``, so that doctor's local checks apply instead."""
    env = dict(os.environ if environ is None else environ)
    env["TASK_ORCHESTRATOR_HOME"] = str(paths.root)
    config, problems = team_config(env)
    if config is None:
        if problems:
            report.add("team config", False, "; ".join(problems), f"fix [team], or {FIX_INSTALL}")
            return True
        return False
    report.add(
        "team config",
        not problems,
        f"[team] url = {config.url}, machine {config.machine}"
        + ("" if not problems else ": " + "; ".join(problems)),
        f"fix [team] in {paths.config_file}",
    )
    token = env.get(config.token_env, "").strip()
    report.add(
        "team token",
        bool(token),
        f"${config.token_env} is set" if token else f"${config.token_env} is not set",
        f"export {config.token_env}=<your token from `task-orchestrator team add-user`> "
        "where your clients start (your shell profile), then restart them",
    )
    if token:
        _check_health(report, config.url, token, config.machine, config.timeout)
    _check_spool(report)
    return True


def _check_health(report: Report, url: str, token: str, machine: str, timeout: float) -> None:
    from ..hooks import team_http

    name = "team server answers"
    headers = {"Authorization": f"Bearer {token}", "X-Task-Orchestrator-Machine": machine}
    try:
        response = team_http.request("GET", url, "/health", headers, timeout=max(timeout, 5.0))
    except team_http.Unreachable as exc:
        report.add(name, False, f"{url}: {exc}", "check the URL, and that the server is up")
        return
    if response.status == 401:
        report.add(
            name,
            False,
            f"{url}/health: 401: the server does not take the token (revoked, or another team's)",
            "ask your team's admin for a new token (`task-orchestrator team add-user`)",
        )
        return
    try:
        body = json.loads(response.body)
    except ValueError:
        body = None
    if response.status != 200 or not isinstance(body, dict) or not body.get("member"):
        report.add(
            name,
            False,
            f"{url}/health: HTTP {response.status}, not a team server's answer",
            "check the URL: it is the team server's address, without /mcp",
        )
        return
    report.add(
        name,
        True,
        f"{url}: team {body.get('team')}, member {body.get('member')}, "
        f"version {body.get('version')}",
    )


def _check_spool(report: Report) -> None:
    from ..hooks import team

    waiting = team.waiting()
    report.add(
        "team spool",
        waiting == 0,
        "no event waits"
        if not waiting
        else f"{waiting} hook event(s) wait in {team.spool_path()} for the team server",
        "they are sent, oldest first, by the next Claude Code hook that reaches the server",
    )


def _check_clients(report: Report, env: Env, paths: Paths) -> None:
    """Each client setup configured holds the team's remote entry; Claude Code's hooks are
    registered (command or http hooks)."""
    from ..errors import UserError
    from . import fileops, hookreg, team
    from .catalog import load_clients, resolve
    from .writers import writer_for

    options = team.current(paths)
    if options is None:
        return
    manifest = fileops.Manifest(paths)
    configured = sorted(
        {
            (e["client"], e["scope"])
            for rec in manifest.files.values()
            for e in rec["entries"].values()
        }
    )
    catalog = load_clients()
    for client_id, scope in configured:
        client = catalog.get(client_id)
        fix = f"orchestrator-setup install --team {options.url} --client {client_id}"
        if client is not None and client.remote is not None:
            where = resolve(client, scope, env)
            if where is None:
                continue
            try:
                text = fileops.read_text(where.path) or ""
                writer_for(client.format).check(text, str(where.path))
            except UserError as exc:
                report.add(f"{client_id}: file parses", False, str(exc), fix)
                continue
            entry = writer_for(client.format).read_entry(text, where.key, "task-orchestrator")
            wanted = team.remote_entry(client, options) or {}
            current = isinstance(entry, dict) and all(entry.get(k) == v for k, v in wanted.items())
            report.add(
                f"{client_id}: team entry",
                current,
                f"{where.path}: " + ("points at the team server" if current else "not the team's"),
                fix,
            )
        elif client_id == "claude-code-hooks":
            path = hookreg.settings_path(scope, env)
            try:
                state = hookreg.registered_events(fileops.read_text(path) or "")
            except UserError as exc:
                report.add(
                    f"hooks ({scope})", False, str(exc), f"orchestrator-setup restore {path}"
                )
                continue
            missing = [e for e, ok in state.items() if not ok]
            report.add(
                f"hooks ({scope})",
                not missing,
                f"{path}: "
                + ("all registered" if not missing else "missing: " + ", ".join(missing)),
                f"orchestrator-setup install --team {options.url} --client claude-code",
            )
