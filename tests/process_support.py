"""Running a real command from a test: one helper for the end-to-end and fault tests.

tests/ is on sys.path (pytest puts the folder of the root conftest.py there), so any test
can ``from process_support import run``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


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
