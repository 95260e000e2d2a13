"""The CLI: every command has help, the error boundary maps errors to exit codes."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from task_orchestrator import __version__
from task_orchestrator.cli import cli, run_cli
from task_orchestrator.errors import UserError


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out += _all_commands(cmd, (*prefix, name))
    return out


@pytest.mark.parametrize("path", _all_commands(cli))
def test_every_command_has_help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli([*path, "--help"], prog_name="task-orchestrator") == 0
    out = capsys.readouterr().out
    assert "Usage:" in out
    # A one-line summary that says something, not just the name.
    assert len(out.split("\n\n")[1].strip()) > 15


def test_version_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["--version"], prog_name="task-orchestrator") == 0
    assert __version__ in capsys.readouterr().out
    out = subprocess.run(
        [sys.executable, "-m", "task_orchestrator", "version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith(f"task-orchestrator {__version__}")


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["no-such-command"], prog_name="task-orchestrator") == 2
    assert "No such command" in capsys.readouterr().err


def test_user_error_is_one_line_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom() -> None:
        raise UserError("fix the thing by running X")

    monkeypatch.setattr(
        cli, "commands", {**cli.commands, "boom": click.Command("boom", callback=boom)}
    )
    assert run_cli(["boom"], prog_name="task-orchestrator") == 1
    assert capsys.readouterr().err == "error: fix the thing by running X\n"


def test_bug_is_exit_3_with_log_pointer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def bug() -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(
        cli, "commands", {**cli.commands, "bug": click.Command("bug", callback=bug)}
    )
    assert run_cli(["bug"], prog_name="task-orchestrator") == 3
    err = capsys.readouterr().err
    assert "kaput" in err and "task-orchestrator.log" in err
