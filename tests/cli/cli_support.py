"""Running `task-orchestrator tasks` in-process: click's CliRunner isolation around cli.py's
boundary, so errors come out as a person sees them. A module of its own rather than
conftest.py, which every test folder has: `from conftest import` finds whichever was
imported first."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from click.testing import CliRunner

from task_orchestrator.cli import run_cli


@dataclass
class Ran:
    code: int
    out: str
    err: str


def tasks(*args: str, env: dict[str, str | None] | None = None) -> Ran:
    """``task-orchestrator tasks ARGS`` through run_cli, with stdout and stderr apart."""
    runner = CliRunner()
    with runner.isolation(env={"COLUMNS": "100", **(env or {})}) as (out, err, _):
        code = run_cli(["tasks", *args], prog_name="task-orchestrator")
        sys.stdout.flush()
        sys.stderr.flush()
    return Ran(code, out.getvalue().decode(), err.getvalue().decode())


def ok(*args: str, env: dict[str, str | None] | None = None) -> str:
    ran = tasks(*args, env=env)
    assert ran.code == 0, ran
    return ran.out


def new_id(*args: str) -> str:
    """Add a task (``tasks add ARGS --json``) and return its id."""
    import json

    return str(json.loads(ok("add", *args, "--json"))["task"]["id"])
