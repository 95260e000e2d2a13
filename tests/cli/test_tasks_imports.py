"""rich is for the terminal commands only: the hooks (which run on every Claude Code event
within a start-up budget), the server and the CLI's start-up never import it, and the tasks
commands import it only where they draw. Each check runs a fresh interpreter and reads its
sys.modules afterwards (as tests/test_imports.py does)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HOOKS = (
    "import io, pkgutil, importlib, task_orchestrator.hooks as h\n"
    "for m in pkgutil.iter_modules(h.__path__): importlib.import_module(f'{h.__name__}.{m.name}')\n"
    "from task_orchestrator.hooks.events import HANDLERS, handler\n"
    "for name in HANDLERS: handler(name)\n"
    "sys.stdin = io.StringIO('{}')\n"
    "from task_orchestrator.__main__ import main\n"
    "main(['hook', 'SessionStart'])\n"
)
SERVER = (
    "import task_orchestrator.server.app, task_orchestrator.server.run\n"
    "from task_orchestrator.cli import cli\n"
    "import task_orchestrator.commands.serve\n"
)
CLI_START = (
    "from task_orchestrator.__main__ import main\n"
    "for args in (['--help'], ['tasks', '--help'], ['tasks', 'add', '--help']):\n"
    "    try: main(args)\n"
    "    except SystemExit: pass\n"
)


def _modules(code: str, cwd: Path | None = None) -> set[str]:
    out = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys\n{code}\nprint(','.join(sys.modules), file=sys.stderr)",
        ],
        capture_output=True,
        text=True,
        check=True,
        # Without coverage's subprocess patch, which imports more than our code does. Read
        # now, not at import: the isolation fixture has pointed the data root at tmp_path.
        env={k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")},
        cwd=cwd,
        timeout=120,
    )
    return set(out.stderr.strip().splitlines()[-1].split(","))


@pytest.mark.parametrize("code", [HOOKS, SERVER, CLI_START], ids=["hooks", "server", "cli-start"])
def test_rich_stays_out(code: str, workspace_dir: Path) -> None:
    loaded = _modules(code, cwd=workspace_dir)
    assert "task_orchestrator" in {m.split(".")[0] for m in loaded}
    assert not [m for m in loaded if m.split(".")[0] == "rich"]


def test_writes_do_without_rich_and_reads_draw_with_it(workspace_dir: Path) -> None:
    add = "from task_orchestrator.__main__ import main\nassert main(['tasks', 'add', 'x']) == 0\n"
    assert "rich" not in _modules(add, cwd=workspace_dir)
    listing = "from task_orchestrator.__main__ import main\nassert main(['tasks', 'list']) == 0\n"
    assert "rich" in _modules(listing, cwd=workspace_dir)
