"""README stays true: every command is documented, the quick start is what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from task_orchestrator.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out += _paths(cmd, (*prefix, name))
    return out


@pytest.mark.parametrize("path", _paths(cli), ids=" ".join)
def test_every_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    spelled = " ".join(path)
    forms = [f"task-orchestrator {spelled}"]
    if path[0] == "setup":
        forms.append(" ".join(("orchestrator-setup", *path[1:])))
    assert any(form in README for form in forms), f"README does not mention `{forms[0]}`"


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert len(blocks) == 2 and all(len(b.strip().splitlines()) == 1 for b in blocks)
    install, test = (b.strip() for b in blocks)
    # scripts/install.py runs orchestrator-setup with its arguments
    # (tests/packaging/test_quickstart.py runs the command itself).
    assert install.endswith("--yes")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci, f".ci/run must call the README's test command `{test}`"


def test_every_client_in_the_catalog_is_in_the_readme() -> None:
    from task_orchestrator.installer.catalog import load_clients

    missing = [cid for cid in load_clients() if f"`{cid}`" not in README]
    assert not missing, f"README's client table lacks {missing}"
