"""The hook path imports only the standard library and our core: never click, pydantic, mcp,
psutil or tomlkit (docs/ARCHITECTURE.md, "The hook path"). Checked with ``python -X
importtime`` on the real command, for every event, with payloads that reach the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hooks_support import fixture, hook_command

from task_orchestrator.core.enums import Status
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks.events import HANDLERS
from task_orchestrator.hooks.spec import HOOK_SPECS

# From logging on, each costs a hook 2 to 10 ms to import, and the hook path does without
# it (docs/ARCHITECTURE.md, "The hook path", has the measurements). enum costs 0.7 ms and is
# used.
FORBIDDEN = (
    "click",
    "pydantic",
    "mcp",
    "psutil",
    "tomlkit",
    "logging",
    "platformdirs",
    "dataclasses",
    "inspect",
    "secrets",
    "typing",
    "pathlib",
    "sqlite3",
    "datetime",
    "importlib",
    "base64",
    # With what compiling its patterns costs, about 3 ms of a question's UserPromptSubmit,
    # the hook that runs on every prompt: hooks/classify.py scans prompts without it.
    "re",
)


def imported(event: str, payload: dict[str, object], *, override: bool = True) -> set[str]:
    # Without coverage's subprocess patch, which itself imports typing and inspect.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    if not override:
        # As in real use: no TASK_ORCHESTRATOR_HOME, the root comes from HOME / XDG.
        env.pop("TASK_ORCHESTRATOR_HOME", None)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *hook_command(event)[1:]],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0
    names = set()
    for line in proc.stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.mark.parametrize("override", [True, False], ids=["home-override", "real-layout"])
@pytest.mark.parametrize("event", sorted(HANDLERS))
def test_no_heavy_imports(event: str, override: bool, project: Path, registered: Path) -> None:
    fixture_name = {
        "PostToolUse": "PostToolUse-TaskUpdate",
        "PostToolUseFailure": "PostToolUseFailure-Read",
        "SubagentStart": "SubagentStart",
        "SubagentStop": "SubagentStop",
        "PreCompact": "SessionEnd",
    }
    work = "Implement a REST API for tasks with create, list and delete endpoints, and test it"
    payload = fixture(fixture_name.get(event, event), project, hook_event_name=event, prompt=work)
    names = imported(event, payload, override=override)
    assert "task_orchestrator.hooks.runner" in names
    # logging only when something goes wrong
    bad = sorted(n for n in names if n.split(".")[0] in FORBIDDEN)
    assert bad == [], bad


def test_session_start_over_a_store_that_pages(project: Path, registered: Path) -> None:
    """Enough in-progress tasks that the overview's queries page: a page makes a cursor,
    which once imported base64, and with it re and struct (9 ms of a 40 ms hook)."""
    with TaskStore.open(default_paths().db) as store:
        ws = store.workspace(project)
        kids = [NewTask(f"Task {i}", status=Status.IN_PROGRESS) for i in range(15)]
        store.create_tree(ws.id, NewTask("Feature", subtasks=kids))
    names = imported("SessionStart", fixture("SessionStart", project))
    assert "task_orchestrator.core.overview" in names
    bad = sorted(n for n in names if n.split(".")[0] in FORBIDDEN)
    assert bad == [], bad


def test_a_question_keeps_its_prompt_without_heavy_imports(project: Path) -> None:
    """Every prompt is kept as the session's latest (hooks/state.py), so a question opens the
    store too; nothing heavy comes with it."""
    names = imported("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt="thanks!"))
    assert "task_orchestrator.core.store" in names
    bad = sorted(n for n in names if n.split(".")[0] in FORBIDDEN)
    assert bad == [], bad


def test_cheap_answers_skip_the_core(project: Path, write_config: Any) -> None:
    """With nothing to keep (``mirror = "off"``: no list to file), a question loads no core."""
    write_config('[hooks]\nmirror = "off"\n')
    payload = fixture("UserPromptSubmit", project, prompt="thanks!")
    imported("UserPromptSubmit", payload)  # the first run parses the config and caches it
    names = imported("UserPromptSubmit", payload)
    # Only the data root (core/root.py: os and sys) to find the settings, the JSON reader, and
    # the one stat of the root that keeps an older version's root private (core/private.py).
    core = {n for n in names if n.startswith("task_orchestrator.core")}
    assert core <= {
        "task_orchestrator.core",
        "task_orchestrator.core.root",
        "task_orchestrator.core.fastjson",
        "task_orchestrator.core.private",
    }
    assert not {"sqlite3", "pathlib", "platformdirs"} & set(names)


def test_every_registered_event_has_a_handler() -> None:
    assert {s.event for s in HOOK_SPECS} == set(HANDLERS)
