"""Running a real command from a test: one helper for the end-to-end and fault tests.

tests/ is on sys.path (pytest puts the folder of the root conftest.py there), so any test
can ``from process_support import run``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any


def run(
    cmd: list[str | Path],
    env: dict[str, str],
    cwd: Path | None = None,
    *,
    stderr: bool = False,
    timeout: float = 600,
) -> str:
    """Run ``cmd`` with no stdin, assert exit 0, return its stdout (and stderr, where a CLI
    prints there)."""
    proc = subprocess.run(
        [str(c) for c in cmd],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, f"{cmd} exit {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + (proc.stderr if stderr else "")


#: The venv's console script, as clients start the server.
SERVER = Path(sys.executable).parent / "task-orchestrator"


def serve_process(cwd: Path, stderr: IO[bytes]) -> subprocess.Popen[bytes]:
    """A real ``task-orchestrator serve`` over stdio, driven with raw JSON-RPC lines. The
    environment is the test's (TASK_ORCHESTRATOR_HOME under tmp_path, from conftest)."""
    return subprocess.Popen(
        [str(SERVER), "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        cwd=cwd,
        env=dict(os.environ),
    )


def initialize(rid: int, client: str) -> dict[str, Any]:
    """The handshake's first request, as a 2025-06-18 client sends it."""
    return {
        "jsonrpc": "2.0",
        "id": rid,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": client, "version": "1"},
        },
    }
