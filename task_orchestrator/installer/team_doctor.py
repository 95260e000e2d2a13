"""``doctor`` on a member's machine (``[team]`` in config.toml): the token's variable is set,
the team server answers ``GET /health`` with this member's name, and nothing waits in the
hooks' team spool (docs/ARCHITECTURE.md, "The team")."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from ..core.root import team_config

if TYPE_CHECKING:
    from ..core.paths import Paths
    from .doctor import Report

FIX_INSTALL = "orchestrator-setup install --team URL"


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
    report.add("team config", True, f"[team] url = {config.url}, machine {config.machine}")
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
