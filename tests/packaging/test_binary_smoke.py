"""The binary's smoke test (packaging/smoke.py) under pytest, when there is a binary to test:
``TASK_ORCHESTRATOR_BINARY=path`` tests that one, ``TASK_ORCHESTRATOR_BUILD_BINARY=1`` builds
one first (about 30 s). CI runs packaging/ci.sh instead, which does both outside pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXE = ".exe" if os.name == "nt" else ""
GIVEN = os.environ.get("TASK_ORCHESTRATOR_BINARY")
BUILD = os.environ.get("TASK_ORCHESTRATOR_BUILD_BINARY") == "1"
TOOL_ENV = dict(os.environ)  # before the autouse fixture moves HOME (and pip's cache)


@pytest.mark.slow
@pytest.mark.skipif(
    not (GIVEN or BUILD),
    reason="set TASK_ORCHESTRATOR_BINARY=path or TASK_ORCHESTRATOR_BUILD_BINARY=1",
)
def test_binary_smoke(tmp_path: Path) -> None:
    if GIVEN:
        binary = Path(GIVEN)
    else:
        dist = tmp_path / "dist"
        build = [sys.executable, str(ROOT / "packaging" / "build.py"), "--no-onefile"]
        build += ["--dist", str(dist), "--work", str(tmp_path / "build")]
        subprocess.run(build, check=True, env=TOOL_ENV, timeout=900)
        binary = dist / "task-orchestrator" / ("task-orchestrator" + EXE)
    smoke = [sys.executable, str(ROOT / "packaging" / "smoke.py"), "--binary", str(binary)]
    proc = subprocess.run(smoke, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
