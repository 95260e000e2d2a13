"""A team server: ``serve --transport streamable-http`` on a PostgreSQL store.

Every request must carry a live member's token (server/teamauth.py); the member and the
machine the request names are kept in the request's scope, where every MCP tool call reads
them (server/context.py ``team_actor``) and acts for them (``actor.acting``, server/app.py).
Besides MCP at ``/mcp`` it answers ``GET /health`` and ``POST /hooks/{EVENT}``
(server/teamhooks.py). It serves plain HTTP: TLS is the reverse proxy's (README, "Team").
"""

from __future__ import annotations

import json
import logging
from typing import Any

from .. import __version__
from ..core.actor import Actor
from ..core.errors import StoreError
from ..core.paths import Paths
from ..core.store import TaskStore
from ..errors import UserError
from ..hooks.settings import load_settings
from .state import read_config
from .teamauth import (
    ACTOR_STATE,
    BURST_SECONDS,
    MACHINE_HEADER,
    STORE_RETRY_S,
    Buckets,
    Members,
    Receive,
    Scope,
    Send,
    bearer,
    header,
    hook_rate,
    retry_after,
    send_json,
    store_trouble,
)
from .teamhooks import PREFIX, HookEndpoint

log = logging.getLogger(__name__)

ASGIApp = Any


def team_name(url: str) -> str:
    """The team of the database at ``url``; refused (UserError) when it has none or cannot
    be reached, before the server listens."""
    try:
        with TaskStore.open(url) as store:
            team = store.team()
    except StoreError as exc:
        raise UserError(f"cannot start the team server: {exc}") from exc
    if team is None:
        raise UserError(
            "this PostgreSQL database is no team's yet, so the team server would have no "
            "members to let in: run `task-orchestrator team init NAME` with the same store "
            "URL, then `task-orchestrator team add-user NAME` for each member"
        )
    return str(team.name)


class TeamApp:
    """The ASGI app in front of the MCP app: authentication, then /health, /hooks/EVENT,
    or MCP."""

    def __init__(self, mcp_app: ASGIApp, url: str, team: str, paths: Paths) -> None:
        self.mcp_app = mcp_app
        self.team = team
        self.members = Members(url)
        config, _ = read_config(paths.config_file)
        rate, problem = hook_rate(config)
        if problem:
            log.warning("%s", problem)
        self.rate = rate
        self.hooks = HookEndpoint(url, load_settings(), Buckets(rate, rate * BURST_SECONDS))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: the MCP app's
            await self.mcp_app(scope, receive, send)
            return
        token = bearer(scope)
        try:
            member = await self.members.member(token) if token else None
        except StoreError as exc:
            log.warning("authentication: %s", exc)
            await send_json(send, 503, store_trouble(exc), retry_after(STORE_RETRY_S))
            return
        if member is None:
            await send_json(
                send,
                401,
                b'{"error": "missing, unknown or revoked member token"}',
                [(b"www-authenticate", b'Bearer realm="task-orchestrator"')],
            )
            return
        actor = Actor(member.name, header(scope, MACHINE_HEADER) or "unknown")
        scope.setdefault("state", {})[ACTOR_STATE] = actor
        path = scope.get("path", "")
        if path == "/health":
            body = {"ok": True, "team": self.team, "member": member.name, "version": __version__}
            await send_json(send, 200, json.dumps(body).encode())
        elif path.startswith(PREFIX):
            await self.hooks(scope, receive, send, actor)
        else:
            await self.mcp_app(scope, receive, send)

    def close(self) -> None:
        self.members.line.close()
        self.hooks.close()


def team_app(server: Any, url: str, paths: Paths) -> TeamApp:
    """The whole app of a team server on the database at ``url``."""
    from mcp.server.transport_security import TransportSecuritySettings

    team = team_name(url)
    # The SDK's DNS-rebinding guard checks Host against a loopback list, which a reverse
    # proxy's public name fails; it protects servers that trust any local caller, and a team
    # server trusts no request without a member's token.
    mcp_app = server.streamable_http_app(
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False)
    )
    return TeamApp(mcp_app, url, team, paths)
