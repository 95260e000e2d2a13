"""Who may use the board: the one browser that opened the printed link.

The page runs on 127.0.0.1, where any local program and any web page the user visits can
send it requests. So (docs/ARCHITECTURE.md, "The board"):

- the printed address carries a one-time token, exchanged for an HttpOnly, SameSite=Strict
  cookie and then forgotten; every other request needs that cookie;
- the Host header must name this server (127.0.0.1:PORT or localhost:PORT): a page on a
  rebound DNS name reaches our port but sends its own name;
- a POST also needs an Origin header equal to the served origin, and no response carries
  CORS headers, so another site's page can neither write nor read.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Sent with every answer: nothing from elsewhere runs in the page, and no other site can
#: frame it.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]
SAFE_METHODS = {"GET", "HEAD"}


class Access:
    """The board's secrets: the one-time token and the cookies it was exchanged for."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.token: str | None = token or secrets.token_urlsafe(32)
        self.cookies: set[str] = set()
        # Per port: cookies are not kept apart by port, so two boards on one machine would
        # overwrite each other's cookie under one name.
        self.cookie_name = f"task_orchestrator_board_{port}"
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}

    @property
    def url(self) -> str:
        """The address to open, token included (valid until first used)."""
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def exchange(self, token: str) -> str | None:
        """A new cookie value for the one-time token, or None; the token works once."""
        if self.token is None or not hmac.compare_digest(token.encode(), self.token.encode()):
            return None
        self.token = None
        value = secrets.token_urlsafe(32)
        self.cookies.add(value)
        return value

    def cookie_ok(self, value: str | None) -> bool:
        if not value:
            return False
        return any(hmac.compare_digest(value.encode(), c.encode()) for c in self.cookies)

    def host_ok(self, host: str) -> bool:
        return host.lower() in self.hosts

    @staticmethod
    def origin_ok(origin: str | None, host: str) -> bool:
        """Whether a write comes from the page served under ``host`` (already checked)."""
        return origin is not None and origin.lower() == f"http://{host.lower()}"


class Guard:
    """ASGI middleware in front of the whole board: Host, token exchange, cookie, Origin;
    adds :data:`SECURITY_HEADERS` to every answer. Refusals write nothing: they happen
    before any route runs."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host", "")
        method = scope["method"]
        if not self.access.host_ok(host):
            await _refuse(send, 403, "wrong Host header: open the board at the address printed")
            return
        query = _query(scope)
        if scope["path"] == "/" and "token" in query and method in SAFE_METHODS:
            value = self.access.exchange(query["token"])
            if value is None:
                await _refuse(
                    send,
                    403,
                    "this link was used already (it works once); run `task-orchestrator "
                    "board` again for a new one",
                )
                return
            cookie = f"{self.access.cookie_name}={value}; HttpOnly; SameSite=Strict; Path=/"
            # Redirect to the clean address so the token does not stay in the history.
            await _answer(send, 303, b"", [(b"location", b"/"), (b"set-cookie", cookie.encode())])
            return
        if not self.access.cookie_ok(_cookies(headers).get(self.access.cookie_name)):
            await _refuse(
                send,
                401,
                "not signed in: open the address `task-orchestrator board` printed (it works "
                "once; run the command again for a new one)",
            )
            return
        if method not in SAFE_METHODS and not self.access.origin_ok(headers.get("origin"), host):
            await _refuse(send, 403, "refused: a change must come from the board's own page")
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _query(scope: Scope) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in headers.get("cookie", "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out.setdefault(name, value)
    return out


async def _refuse(send: Send, status: int, message: str) -> None:
    import json

    body = json.dumps({"error": message}).encode()
    await _answer(send, status, body, [(b"content-type", b"application/json")])


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + SECURITY_HEADERS}
    )
    await send({"type": "http.response.body", "body": body})
