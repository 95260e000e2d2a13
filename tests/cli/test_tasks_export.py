"""`tasks export`: one plan or the open plans as Markdown (with the synthesis of the work
done) or JSON (task_detail of every task), to stdout or to a new file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli_support import new_id, ok, tasks


def _plan() -> tuple[str, str, str]:
    plan = new_id("Ship 2.0", "--description", "everything for the release")
    a = new_id("Write the notes", "--parent", plan, "--specialist", "generalist")
    b = new_id("Tag it", "--parent", plan, "--depends-on", a, "--specialist", "generalist")
    ok("done", a, "--summary", "notes written in NOTES.md")
    return plan, a, b


def test_markdown_of_one_plan(project: Path) -> None:
    plan, a, b = _plan()
    out = ok("export", plan)
    assert out.startswith("# Ship 2.0\n")
    assert f"`{plan}` · pending · " in out and f"workspace: {project}" in out
    assert f"- [x] Write the notes (completed, generalist, `{a}`)" in out
    assert f"- [ ] Tag it (pending, generalist, `{b}`) after `{a}`" in out
    assert "1 of 2 subtasks complete; not complete: Tag it." in out
    assert "\n## Plan\n" in out and "\n## Goal\n" in out and "\n## Not complete\n" in out
    assert "notes written in NOTES.md" in out


def test_markdown_of_the_open_plans(project: Path) -> None:
    _plan()
    new_id("Loose end")
    finished = new_id("Finished")
    ok("done", finished)
    out = ok("export")
    assert out.startswith(f"# Open plans in {project}\n\n2 plans.\n")
    assert (
        "\n## Ship 2.0\n" in out
        and "\n### Plan\n" in out
        and "\n### Not complete\n" in out
        and "\n## Loose end\n" in out
    )
    assert "Finished" not in out


def test_json_export(project: Path, other_project: Path) -> None:
    plan, a, b = _plan()
    data = json.loads(ok("export", plan, "--format", "json"))
    assert data["format"] == 1 and data["workspace"]["path"] == str(project)
    (exported,) = data["plans"]
    assert exported["task"]["id"] == plan
    assert [d["task"]["id"] for d in exported["descendants"]] == [a, b]
    assert exported["descendants"][0]["artifacts"][0]["content"] == "notes written in NOTES.md"
    assert len(json.loads(ok("export", "--format", "json"))["plans"]) == 1
    theirs = new_id("Theirs", "--workspace", str(other_project))
    data = json.loads(ok("export", theirs, "--format", "json"))
    assert data["workspace"]["path"] == str(other_project)


def test_output_file_and_refusing_to_overwrite(
    project: Path, tmp_path: Path, unchanged: Callable[[], Any]
) -> None:
    plan, _, _ = _plan()
    target = tmp_path / "PLAN.md"
    ran = tasks("export", plan, "--output", str(target))
    assert ran.code == 0 and ran.out == "" and f"Wrote {target}" in ran.err
    assert target.read_text(encoding="utf-8").startswith("# Ship 2.0\n")
    target.write_text("mine\n", encoding="utf-8")
    with unchanged():
        ran = tasks("export", plan, "--output", str(target))
    assert ran.code == 1 and ran.err == f"error: {target} exists; pass --force to replace it\n"
    assert target.read_text(encoding="utf-8") == "mine\n"
    ok("export", plan, "--output", str(target), "--force", "--format", "json")
    assert json.loads(target.read_text(encoding="utf-8"))["plans"][0]["task"]["id"] == plan
    ran = tasks("export", plan, "--output", str(tmp_path / "no" / "such" / "x.md"))
    assert ran.code == 1 and "does not exist" in ran.err
    ran = tasks("export", plan, "--output", str(tmp_path))
    assert ran.code == 1 and "is a folder" in ran.err


def test_nothing_to_export(project: Path, paths: Path) -> None:
    ran = tasks("export")
    assert (
        ran.code == 1 and ran.err == f"error: no work recorded for {project}; nothing to export\n"
    )
    ran = tasks("export", "task_nope")
    assert ran.code == 1 and "no task 'task_nope'" in ran.err
