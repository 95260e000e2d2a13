"""The edges of the stdio transport: every line a client sends gets an answer.

The SDK drops a line it cannot parse as JSON-RPC (a lone surrogate such as ``\\ud800``,
nesting deeper than its parser allows, plain garbage) without a word, so the client waits
for an answer that never comes. Here each line is checked first with the SDK's own message
parser; one that fails gets a JSON-RPC error (``-32700`` for a message that is not JSON, or
``-32600`` for JSON that is not a valid message), with the request's id when it can be read
and ``null`` otherwise, and never reaches the SDK. A notification (no id) gets no answer, as
JSON-RPC wants.

The SDK reads and writes the streams it finds in ``sys.stdin`` and ``sys.stdout``; these are
ours while serving. Our error lines and the SDK's messages share one writer that sends only
whole lines under a lock, so they never interleave. As the SDK does, file descriptor 1 points
at stderr while serving, so a stray print cannot corrupt the protocol.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from mcp.types import jsonrpc_message_adapter
from pydantic import ValidationError

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


class LineWriter(io.RawIOBase):
    """Writes to a descriptor whole lines only, one writer at a time."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd
        self.lock = threading.Lock()
        self.pending = b""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        with self.lock:
            self.pending += chunk
            cut = self.pending.rfind(b"\n") + 1
            if cut:
                self._send(self.pending[:cut])
                self.pending = self.pending[cut:]
        return len(chunk)

    def send_line(self, line: bytes) -> None:
        """One whole message of ours, between the SDK's messages."""
        with self.lock:
            self._send(line)

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]


class CheckedReader(io.RawIOBase):
    """Hands the SDK only lines its parser accepts; answers the others."""

    def __init__(self, source: BinaryIO, out: LineWriter) -> None:
        super().__init__()
        self.source = source
        self.out = out
        self.ready = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.ready:
            line = self.source.readline()
            if not line:
                return 0
            if line.strip() and self._accept(line):
                self.ready = line
        n = min(len(buffer), len(self.ready))
        buffer[:n] = self.ready[:n]
        self.ready = self.ready[n:]
        return n

    def _accept(self, line: bytes) -> bool:
        try:
            jsonrpc_message_adapter.validate_json(line, by_name=False)
            return True
        except Exception as exc:
            reply = error_reply(line, exc)
            if reply is not None:
                self.out.send_line(reply)
            return False


def error_reply(line: bytes, exc: Exception) -> bytes | None:
    """The JSON-RPC error for a line the SDK cannot take; None for a notification. The SDK's
    strict parser decides what is JSON; Python's lenient one may still find the id."""
    errors = exc.errors() if isinstance(exc, ValidationError) else []
    code = PARSE_ERROR if errors and errors[0].get("type") == "json_invalid" else INVALID_REQUEST
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        message, code = None, PARSE_ERROR
    msg_id = message.get("id") if isinstance(message, dict) else None
    if isinstance(message, dict) and "method" in message and "id" not in message:
        return None
    if not isinstance(msg_id, (str, int)) or isinstance(msg_id, bool):
        msg_id = None
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    what = "not valid JSON" if code == PARSE_ERROR else "not a valid JSON-RPC message"
    reply = {
        "jsonrpc": "2.0",
        "id": msg_id,
        "error": {"code": code, "message": f"the message is {what}: {first[:300]}"},
    }
    return (json.dumps(reply, ensure_ascii=True) + "\n").encode("ascii")


@contextmanager
def checked_stdio() -> Iterator[None]:
    """``sys.stdin`` and ``sys.stdout`` replaced by the checked streams while serving."""
    sys.stdout.flush()
    wire_out, wire_in = os.dup(1), os.dup(0)
    os.dup2(2, 1)  # stray output goes to stderr, not into the protocol
    writer = LineWriter(wire_out)
    source = os.fdopen(wire_in, "rb")
    saved = sys.stdin, sys.stdout
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(writer), encoding="utf-8", newline="\n")
    sys.stdin = io.TextIOWrapper(
        io.BufferedReader(CheckedReader(source, writer)), encoding="utf-8", newline="\n"
    )
    try:
        yield
    finally:
        sys.stdin, sys.stdout = saved
        os.dup2(wire_out, 1)
        os.close(wire_out)
        source.close()
