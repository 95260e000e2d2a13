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

    if not token:
        token = secrets.token_urlsafe(32)
        # Printed once, to stderr: stdout is never used for anything but the protocol.
        print(f"task-orchestrator: bearer token (shown once): {token}", file=sys.stderr)
    app = BearerAuth(server.streamable_http_app(host=host), token)
    print(f"task-orchestrator: serving on http://{host}:{port}/mcp", file=sys.stderr)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
    anyio.run(uvicorn.Server(config).serve)
