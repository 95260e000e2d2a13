"""One HTTP/1.1 request to the team server, over a plain ``socket`` (``ssl`` for https only).

Not ``http.client``: it imports ``email.parser``, ``re`` and ``ssl`` whatever the URL, about
25 ms of a hook whose whole budget is about 2.5 times ``python -c pass``; ``urllib.request``
costs more still (bench/bench_hooks_team.py measures all three). A hook sends one small JSON
body and reads one small JSON answer, so what it needs of HTTP is small: one request with
``Connection: close``, a status line, headers, a body by ``Content-Length``, chunks, or the
end of the stream. The whole exchange, connect to last byte, fits in one deadline.
"""

from __future__ import annotations

import _socket  # not ``socket``: that costs a hook enum and selectors (about 4 ms)
import time

#: An answer is a hook's JSON output: anything larger is not one.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024


class Unreachable(Exception):
    """No answer: the connection failed, timed out, or what came back was not HTTP."""


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def split_url(url: str) -> tuple[bool, str, int, str]:
    """(https?, host, port, path prefix) of a URL that core/root.py ``team_url_problem``
    accepted."""
    scheme, _, rest = url.partition("://")
    secure = scheme.lower() == "https"
    hostport, slash, path = rest.partition("/")
    prefix = ("/" + path).rstrip("/") if slash else ""
    if hostport.startswith("["):  # [::1]:8080
        host, _, tail = hostport[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
    else:
        host, _, port_text = hostport.partition(":")
    port = int(port_text) if port_text else (443 if secure else 80)
    return secure, host, port, prefix


def header_value(text: str) -> str | None:
    """``text`` as a header value, or None when it cannot be one (a line break or another
    control character in it would end the header). The value goes out as UTF-8, which is
    how the team server reads it: a folder's name may be in any script."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        return None
    return text


def request(
    method: str,
    url: str,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
    *,
    timeout: float,
) -> Response:
    """``method`` ``url`` + ``path``, all of it within ``timeout`` seconds, or Unreachable."""
    secure, host, port, prefix = split_url(url)
    deadline = time.monotonic() + timeout
    lines = [
        f"{method} {prefix}{path} HTTP/1.1",
        f"Host: {host if ':' not in host else '[' + host + ']'}:{port}",
        "Connection: close",
        "Accept: application/json",
        f"Content-Length: {len(body)}",
    ]
    if body:
        lines.append("Content-Type: application/json")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")
    try:
        sock = _connect(host, port, deadline)
    except OSError as exc:
        raise Unreachable(f"cannot connect to {host}:{port}: {_why(exc)}") from None
    try:
        if secure:
            sock = _tls(sock, host, deadline)
        sock.settimeout(_left(deadline))
        sock.sendall(head + body)
        raw = _read_all(sock, deadline)
    except OSError as exc:
        raise Unreachable(f"{host}:{port}: {_why(exc)}") from None
    finally:
        sock.close()
    return _parse(raw)


def _connect(host: str, port: int, deadline: float) -> _socket.socket:
    """``socket.create_connection`` on ``_socket``: each address in turn. An ASCII host is
    passed as bytes, which spares the ``idna`` codec (and ``re`` with it)."""
    name: str | bytes = host.encode("ascii") if host.isascii() else host
    error: OSError = OSError("no address")
    for family, kind, proto, _, address in _socket.getaddrinfo(name, port, 0, _socket.SOCK_STREAM):
        sock = _socket.socket(family, kind, proto)
        try:
            sock.settimeout(_left(deadline))
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


def _tls(sock: _socket.socket, host: str, deadline: float) -> _socket.socket:
    import socket
    import ssl  # about 13 ms: only a team server behind https pays it

    context = ssl.create_default_context()
    plain = socket.socket(sock.family, sock.type, sock.proto, fileno=sock.detach())
    plain.settimeout(_left(deadline))
    return context.wrap_socket(plain, server_hostname=host)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


def _read_all(sock: _socket.socket, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        sock.settimeout(_left(deadline))
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise Unreachable(f"the answer is larger than {MAX_RESPONSE_BYTES} bytes")
        data = b"".join(chunks) if len(chunks) > 1 else chunk
        done = _complete(data)
        if done is not None:
            return data[:done]


def _complete(data: bytes) -> int | None:
    """The length of a whole response at the start of ``data``, when its length is known
    before the server closes (``Content-Length``); None to keep reading."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    for line in data[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            total = end + 4 + int(value.strip())
            return total if len(data) >= total else None
    return None


def _parse(raw: bytes) -> Response:
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        raise Unreachable("the connection closed before a whole answer")
    head = raw[:end].decode("latin-1").split("\r\n")
    parts = head[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise Unreachable(f"not an HTTP answer: {head[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = raw[end + 4 :]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _unchunk(body)
    elif headers.get("content-length", "").isdigit():
        want = int(headers["content-length"])
        if len(body) < want:
            raise Unreachable("the connection closed in the middle of the answer")
        body = body[:want]
    return Response(int(parts[1]), headers, body)


def _unchunk(data: bytes) -> bytes:
    out: list[bytes] = []
    pos = 0
    while True:
        line_end = data.find(b"\r\n", pos)
        if line_end < 0:
            raise Unreachable("a chunked answer was cut short")
        try:
            size = int(data[pos:line_end].split(b";")[0].strip() or b"x", 16)
        except ValueError:
            raise Unreachable("a chunked answer has a bad chunk size") from None
        if size == 0:
            return b"".join(out)
        start = line_end + 2
        if len(data) < start + size:
            raise Unreachable("a chunked answer was cut short")
        out.append(data[start : start + size])
        pos = start + size + 2


def _why(exc: OSError) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return exc.strerror or str(exc) or type(exc).__name__
