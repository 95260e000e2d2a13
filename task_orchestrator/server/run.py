"""Starting the server on a transport. Imports mcp (about 0.7 s), so only ``serve`` and tests
load it."""

from __future__ import annotations

import hmac
import logging
import secrets
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..logs import setup_logging
from .app import build_server

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BearerAuth:
    """Refuses HTTP requests without ``Authorization: Bearer <token>`` (the token compared
    in constant time; the scheme name in any case, as HTTP authentication schemes are)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            got = dict(scope.get("headers") or []).get(b"authorization", b"")
            scheme, _, credentials = got.strip().partition(b" ")
            ok = scheme.lower() == b"bearer" and hmac.compare_digest(
                credentials.strip(), self.expected
            )
            if not ok:
                body = b'{"error": "missing or wrong bearer token"}'
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", b"Bearer"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def serve(*, transport: str, host: str = "127.0.0.1", port: int = 8765, token: str | None) -> None:
    path = setup_logging()
    log.info("serving over %s, log file %s", transport, path)
    server = build_server()
    if transport == "stdio":
        from .stdio import checked_stdio

        with checked_stdio():
            server.run("stdio")
        return
    import anyio
    import uvicorn

    from ..core.db import is_url
    from ..core.paths import default_paths

    paths = default_paths()
    url = paths.store()
    app: ASGIApp
    if is_url(url):
        # A PostgreSQL store over HTTP: a team server, where each member has a token.
        from ..errors import UserError
        from .team import team_app

        if token:
            raise UserError(
                "--token (or TASK_ORCHESTRATOR_TOKEN) has no place on a team server: every "
                "member sends their own token (`task-orchestrator team add-user NAME`); "
                "unset it and start again"
            )
        app = team_app(server, url, paths)
        kind = f"team server of {app.team}"
    else:
        if not token:
            token = secrets.token_urlsafe(32)
            # Printed once, to stderr: stdout is never used for anything but the protocol.
            print(f"task-orchestrator: bearer token (shown once): {token}", file=sys.stderr)
        app = BearerAuth(server.streamable_http_app(host=host), token)
        kind = "serving"
    print(f"task-orchestrator: {kind} on http://{host}:{port}/mcp", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
    try:
        anyio.run(uvicorn.Server(config).serve)
    finally:
        close = getattr(app, "close", None)
        if close is not None:
            close()
