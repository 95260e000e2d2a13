"""A minimal MCP client over stdio (newline-delimited JSON-RPC), for benchmarks.

The SDK's client is right for tests; for timing, a bare client keeps its own overhead out of
the figures and speaks to any server, ours or the reference implementation (mcp 1.x).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Sequence
from typing import Any

PROTOCOL = "2025-06-18"


class StdioClient:
    def __init__(
        self, argv: Sequence[str], env: dict[str, str] | None = None, cwd: str | None = None
    ) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env if env is not None else dict(os.environ),
            cwd=cwd,
            text=True,
            bufsize=1,
        )
        self._next = 0
        self.noise_lines = 0

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next += 1
        msg = {"jsonrpc": "2.0", "id": self._next, "method": method, "params": params or {}}
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"server closed stdout while waiting for {method}")
            try:
                reply = json.loads(line)
            except ValueError:
                # Some servers (the reference implementation among them) log to stdout;
                # count it, since a strict client would fail right here.
                self.noise_lines += 1
                continue
            if not isinstance(reply, dict):
                self.noise_lines += 1
                continue
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply["result"])
            # Server-initiated requests (roots/list, ...) get an empty answer.
            if "method" in reply and "id" in reply:
                answer = {"jsonrpc": "2.0", "id": reply["id"], "result": {"roots": []}}
                self.proc.stdin.write(json.dumps(answer) + "\n")
                self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        assert self.proc.stdin is not None
        msg = {"jsonrpc": "2.0", "method": method, "params": params or {}}
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def initialize(self) -> float:
        """Handshake; returns seconds from spawn to the initialize answer."""
        self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL,
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "0"},
            },
        )
        elapsed = time.perf_counter() - self.started
        self.notify("notifications/initialized")
        return elapsed

    def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return self.request("tools/call", {"name": tool, "arguments": arguments})

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> StdioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
