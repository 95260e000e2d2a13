"""Templates and specialist routing (server/planner.py): deterministic, data-driven and
overridable from the user's config folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client
from server_helpers import ok

from task_orchestrator.core.enums import Specialist
from task_orchestrator.core.errors import InvalidInput
from task_orchestrator.core.paths import Paths
from task_orchestrator.server.app import build_server
from task_orchestrator.server.planner import expand_template, load_catalog


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write unit tests for the parser and check coverage", Specialist.TESTER),
        ("Design the database schema and module boundaries", Specialist.ARCHITECT),
        ("Debug the crash with the traceback from the log", Specialist.DEBUGGER),
        ("Update the README and the user guide", Specialist.DOCUMENTER),
        ("Set up the CI pipeline and publish the package", Specialist.DEVOPS),
        ("Tea", Specialist.GENERALIST),
    ],
)
def test_routing(text: str, expected: Specialist) -> None:
    cat = load_catalog(None)
    assert cat.route(text).specialist == expected
    assert cat.route(text) == cat.route(text)  # deterministic


def test_template_choice_and_expansion() -> None:
    cat = load_catalog(None)
    tpl, matched = cat.choose_template("Refactor the storage module to simplify it")
    assert tpl.name == "refactor" and "refactor" in matched
    assert cat.choose_template("zzz")[0].name == "general"
    subs = expand_template(tpl, "Storage", "make it simpler")
    assert all("Storage" in s.title for s in subs)
    assert all(isinstance(d, int) and d < i for i, s in enumerate(subs) for d in s.depends_on)
    with pytest.raises(InvalidInput, match="choose one of"):
        cat.template("nope")


def test_user_files_override_and_broken_files_are_reported(paths: Paths) -> None:
    tdir = paths.config_dir / "templates"
    sdir = paths.config_dir / "specialists"
    tdir.mkdir(parents=True)
    sdir.mkdir(parents=True)
    (tdir / "spike.json").write_text(
        json.dumps(
            {
                "name": "spike",
                "keywords": ["spike"],
                "subtasks": [{"title": "Try {title}", "specialist": "researcher"}],
            }
        ),
        encoding="utf-8",
    )
    (tdir / "broken.json").write_text("{not json", encoding="utf-8")
    (sdir / "tester.json").write_text(
        json.dumps({"name": "tester", "role": "You are our QA lead.", "keywords": ["qa"]}),
        encoding="utf-8",
    )
    cat = load_catalog(paths.config_dir)
    assert "spike" in cat.templates and "feature" in cat.templates
    assert cat.profile(Specialist.TESTER).role == "You are our QA lead."
    assert any("broken.json" in p for p in cat.problems)


@pytest.mark.anyio
async def test_restart_reloads_templates(paths: Paths, workspace_dir: Path) -> None:
    async with Client(build_server()) as c:
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)})
        tdir = paths.config_dir / "templates"
        tdir.mkdir(parents=True)
        (tdir / "tiny.json").write_text(
            json.dumps({"name": "tiny", "subtasks": [{"title": "Only {title}"}]}), encoding="utf-8"
        )
        r = await c.call_tool("orchestrator_plan_task", {"title": "x", "template": "tiny"})
        assert r.is_error
        restart = await ok(c, "orchestrator_restart_server")
        assert restart["templates"] == 8
        plan = await ok(c, "orchestrator_plan_task", {"title": "x", "template": "tiny"})
        assert [s["title"] for s in plan["subtasks"]] == ["Only x"]
