"""A scripted stand-in for the Anthropic Messages API, for driving the real Claude Code CLI
offline: with ``ANTHROPIC_BASE_URL`` pointing here, Claude Code sends its model requests to
this server, and every hook and tool call of a real session happens.

The "main" request is the one that carries the tool list; the script answers it turn by turn
(turn = number of assistant messages already in the conversation). Every other request (title
generation and other side requests) gets a short plain-text answer. Every request body is
kept in ``requests`` so a test can assert what Claude Code sent, hook context included.

A script entry may also be a callable: it receives the main request's body (the conversation
so far, tool results included) and returns the turn, so a later turn can use ids that an
earlier tool result returned.

The server plays the model for both Claude Code versions the tests run (docs/ARCHITECTURE.md,
"Claude Code versions"): where Claude Code defers tools behind ToolSearch (2.1.332: TaskCreate,
TaskUpdate and every MCP tool are listed by name only), a turn that calls a tool the request
does not carry is preceded by a ToolSearch call that loads it, as a real model does; where it
offers WaitForMcpServers (2.1.197, while an MCP server is still connecting), it waits first.
Neither inserted call counts as a turn of the script.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Claude Code's own tool for waiting on MCP servers that are still connecting.
WAIT_FOR_MCP = "WaitForMcpServers"
# Claude Code's tool that loads deferred tools' schemas: {"query": "select:A,B"}.
TOOL_SEARCH = "ToolSearch"
# Consecutive ToolSearch calls for a tool that stays missing before the script calls it
# anyway (and Claude Code's "No such tool" answer shows in the test's failure).
MAX_SEARCHES = 8
# One turn: a list of content blocks, each ("text", str) or ("tool_use", name, input).
Turn = list[tuple[Any, ...]]
# A script step: a fixed turn, or a function of the request body that returns the turn.
Step = Turn | Callable[[dict[str, Any]], Turn]


class FakeModel:
    def __init__(self, script: list[Step]) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.main_requests: list[dict[str, Any]] = []
        self.errors: list[str] = []  # exceptions raised by callable steps
        self.waits = 0  # WaitForMcpServers calls made for the script (see answer)
        self.searches: list[str] = []  # ToolSearch queries made for the script (see answer)
        self._lock = threading.Lock()
        self._ids = 0
        model = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._json(200, {})

            def do_HEAD(self) -> None:
                self.send_response(200)
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                with model._lock:
                    model.requests.append({"path": self.path, "body": body})
                if "count_tokens" in self.path:
                    self._json(200, {"input_tokens": 100})
                    return
                if not self.path.startswith("/v1/messages"):
                    self._json(404, {"type": "error", "error": {"type": "not_found_error"}})
                    return
                blocks, stop = model.answer(body)
                if body.get("stream"):
                    self._stream(body, blocks, stop)
                else:
                    self._json(200, model.message(body, blocks, stop))

            def _json(self, code: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _stream(
                self, body: dict[str, Any], blocks: list[dict[str, Any]], stop: str
            ) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.end_headers()
                msg = model.message(body, [], None)
                events: list[tuple[str, dict[str, Any]]] = [
                    ("message_start", {"type": "message_start", "message": msg})
                ]
                for i, block in enumerate(blocks):
                    start: dict[str, Any]
                    if block["type"] == "text":
                        start = {"type": "text", "text": ""}
                        delta = {"type": "text_delta", "text": block["text"]}
                    else:
                        start = {**block, "input": {}}
                        delta = {
                            "type": "input_json_delta",
                            "partial_json": json.dumps(block["input"]),
                        }
                    events += [
                        (
                            "content_block_start",
                            {"type": "content_block_start", "index": i, "content_block": start},
                        ),
                        (
                            "content_block_delta",
                            {"type": "content_block_delta", "index": i, "delta": delta},
                        ),
                        ("content_block_stop", {"type": "content_block_stop", "index": i}),
                    ]
                events += [
                    (
                        "message_delta",
                        {
                            "type": "message_delta",
                            "delta": {"stop_reason": stop, "stop_sequence": None},
                            "usage": {"output_tokens": 10},
                        },
                    ),
                    ("message_stop", {"type": "message_stop"}),
                ]
                for name, data in events:
                    self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                    self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeModel:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _new_id(self, prefix: str) -> str:
        with self._lock:
            self._ids += 1
            return f"{prefix}_fake_{self._ids}"

    def message(
        self, body: dict[str, Any], blocks: list[dict[str, Any]], stop: str | None
    ) -> dict[str, Any]:
        return {
            "id": self._new_id("msg"),
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-fake"),
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": 100, "output_tokens": 10},
        }

    def answer(self, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
        if not body.get("tools"):
            return [{"type": "text", "text": "Scripted side answer."}], "end_turn"
        with self._lock:
            self.main_requests.append(body)
        turn = sum(
            1
            for m in body.get("messages", [])
            if m.get("role") == "assistant" and not _inserted(m.get("content"))
        )
        if turn >= len(self.script):
            return [{"type": "text", "text": "Done."}], "end_turn"
        step = self.script[turn]
        try:
            items = step(body) if callable(step) else step
        except Exception as exc:  # the test asserts on errors; Claude Code just stops
            with self._lock:
                self.errors.append(f"turn {turn}: {exc!r}")
            return [{"type": "text", "text": f"Script error: {exc!r}"}], "end_turn"
        offered = tool_names(body)
        missing = list(
            dict.fromkeys(
                item[1]
                for item in items
                if item[0] == "tool_use" and item[1] not in offered and item[1] != TOOL_SEARCH
            )
        )
        if WAIT_FOR_MCP in offered and any(name.startswith("mcp__") for name in missing):
            # Claude Code connects MCP servers in the background and offers WaitForMcpServers
            # while one is pending; calling a pending server's tool fails with "No such tool
            # available ... Call WaitForMcpServers". A real model waits, then calls the tool;
            # so does the script, and the wait does not count as one of its turns.
            with self._lock:
                self.waits += 1
            items = [("tool_use", WAIT_FOR_MCP, {})]
        elif TOOL_SEARCH in offered and missing and _searches_in_a_row(body) < MAX_SEARCHES:
            # Deferred tools are named in a system message but their schemas are not in the
            # request: a real model loads them with one ToolSearch ("select:A,B" takes several
            # names; a name it does not know is left out of the answer, and a server still
            # connecting is waited for), then calls them in its next turn, where Claude Code
            # sends them among the request's tools. A tool still missing then (its server
            # came up later) is searched for again.
            query = "select:" + ",".join(missing)
            with self._lock:
                self.searches.append(query)
            items = [("tool_use", TOOL_SEARCH, {"query": query})]
        blocks: list[dict[str, Any]] = []
        for item in items:
            if item[0] == "text":
                blocks.append({"type": "text", "text": item[1]})
            else:
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": self._new_id("toolu"),
                        "name": item[1],
                        "input": item[2],
                    }
                )
        stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
        return blocks, stop

    def system_texts(self) -> list[str]:
        """Every piece of text in system prompts and messages of the main requests."""
        out: list[str] = []
        for body in self.main_requests:
            system = body.get("system")
            if isinstance(system, str):
                out.append(system)
            elif isinstance(system, list):
                out += [b.get("text", "") for b in system if isinstance(b, dict)]
            for m in body.get("messages", []):
                content = m.get("content")
                if isinstance(content, str):
                    out.append(content)
                elif isinstance(content, list):
                    out += [b.get("text", "") for b in content if isinstance(b, dict)]
        return out

    def tool_results(self) -> list[str]:
        """The text of every tool result Claude Code sent back, in order."""
        out: list[str] = []
        body = self.main_requests[-1] if self.main_requests else {}
        for m in body.get("messages", []):
            content = m.get("content")
            if not isinstance(content, list):
                continue
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    inner = block.get("content")
                    if isinstance(inner, str):
                        out.append(inner)
                    elif isinstance(inner, list):
                        out.append("".join(b.get("text", "") for b in inner if isinstance(b, dict)))
        return out


def _inserted(content: Any) -> bool:
    """An assistant message that is only WaitForMcpServers or ToolSearch calls, which the
    server made on its own (see FakeModel.answer), not a turn of the script."""
    if not isinstance(content, list) or not content:
        return False
    return all(
        isinstance(b, dict)
        and b.get("type") == "tool_use"
        and b.get("name") in (WAIT_FOR_MCP, TOOL_SEARCH)
        for b in content
    )


def _searches_in_a_row(body: dict[str, Any]) -> int:
    """How many assistant messages at the end of the conversation are only ToolSearch calls."""
    count = 0
    for m in reversed(body.get("messages", [])):
        if m.get("role") != "assistant":
            continue
        content = m.get("content")
        if not (
            _inserted(content)
            and all(b.get("name") == TOOL_SEARCH for b in content if isinstance(b, dict))
        ):
            break
        count += 1
    return count


def tool_names(body: dict[str, Any]) -> list[str]:
    return [t.get("name", "") for t in body.get("tools", []) if isinstance(t, dict)]
