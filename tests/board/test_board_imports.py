"""The board's web stack stays out of everything else: the CLI's start-up, the hooks and
the server never import starlette, uvicorn or task_orchestrator.board."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import task_orchestrator

ENV = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
BOARD = ("starlette", "uvicorn", "task_orchestrator.board")


@pytest.mark.parametrize(
    "statement",
    [
        "import task_orchestrator.cli",
        "import task_orchestrator.hooks.runner",
        "import task_orchestrator.server.app, task_orchestrator.server.run",
    ],
)
def test_nothing_else_loads_the_board(statement: str) -> None:
    code = f"import sys; {statement}; print(','.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=ENV
    )
    loaded = out.stdout.strip().split(",")
    assert not [m for m in loaded if m.startswith("task_orchestrator.board")], statement
    if "server" not in statement:  # the mcp SDK brings starlette and uvicorn with it
        assert not [m for m in loaded if m.startswith(BOARD)], statement


def test_no_hook_or_server_module_names_the_board() -> None:
    root = Path(task_orchestrator.__file__).parent
    for part in ("hooks", "server", "core"):
        for path in (root / part).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert ".board" not in text and "import board" not in text, path
