"""A team server process for the benchmarks and the tests: ``task-orchestrator serve
--transport streamable-http`` on the environment's store, started and waited for.

The team tests (tests/team/team_support.py) import it as the benchmarks do, so that one
piece of code knows how a team server is started and when it is ready.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# -I: isolated mode, so the caller's cwd cannot shadow a dependency.
SERVE_HTTP = [
    sys.executable,
    "-I",
    "-m",
    "task_orchestrator",
    "serve",
    "--transport",
    "streamable-http",
]
#: How long a server may take to listen: an import of mcp and a store check, on a busy CI.
START_S = 60.0


@dataclass
class TeamServer:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def stop(self) -> str:
        """Stop the process (SIGTERM, then SIGKILL after 20 s); its log's text."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    log: Path,
    env: dict[str, str] | None = None,
    *args: str,
    port: int | None = None,
) -> TeamServer:
    """A team server on ``port`` (a free one by default), its stderr appended to ``log``;
    returns once it accepts connections, or raises with the log when it exits or stalls."""
    port = free_port() if port is None else port
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            [*SERVE_HTTP, "--port", str(port), *args],
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    deadline = time.monotonic() + START_S
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return TeamServer(proc, f"http://127.0.0.1:{port}", log)
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                proc.wait()
                raise RuntimeError(
                    f"team server did not start (exit {proc.poll()}):\n"
                    + log.read_text(encoding="utf-8", errors="replace")
                ) from None
            time.sleep(0.1)
