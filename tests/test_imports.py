"""The hook path and the core import only the standard library."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY = ("pydantic", "click", "mcp", "psutil", "tomlkit", "json5", "platformdirs", "dataclasses")
# Without coverage's subprocess patch, which imports typing and inspect itself.
ENV = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


@pytest.mark.parametrize(
    "statement",
    [
        "import task_orchestrator.core.store, task_orchestrator.core.synthesis, "
        "task_orchestrator.core.overview, task_orchestrator.core.workspace",
        "import task_orchestrator.hooks.runner",
    ],
)
def test_core_and_hooks_import_nothing_heavy(statement: str) -> None:
    code = f"import sys; {statement}; print(','.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    )
    loaded = set(out.stdout.strip().split(","))
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]


def test_hook_command_never_loads_click() -> None:
    code = (
        "import sys, io; sys.stdin = io.StringIO('{}'); "
        "from task_orchestrator.__main__ import main; main(['hook', 'SessionEnd']); "
        "print(','.join(sorted(sys.modules)), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=ENV
    )
    loaded = set(out.stderr.strip().splitlines()[-1].split(","))
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]
