"""`tasks list`, `show` and `next`: what they print, their --json shapes, and that reading
never writes (no store file made, no workspace row, the store's bytes and data as they were)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import new_id, ok, tasks

from task_orchestrator.core.paths import Paths
from task_orchestrator.core.store import TaskStore


def test_list_with_no_store_says_so_and_creates_nothing(project: Path, paths: Paths) -> None:
    root = paths.root
    before = sorted(root.rglob("*")) if root.exists() else None
    ran = tasks()
    assert ran.code == 0, ran
    assert f"No work recorded for {project}" in ran.out
    assert "task-orchestrator tasks add" in ran.out
    assert (sorted(root.rglob("*")) if root.exists() else None) == before
    assert not paths.db.exists()
    data = json.loads(ok("list", "--json"))
    assert data["recorded"] is False and data["plans"] == []
    assert data["workspace"]["path"] == str(project)
    data = json.loads(ok("list", "--all-workspaces", "--json"))
    assert data["recorded"] is False and data["workspace"] is None
    assert not paths.db.exists()


def test_read_commands_leave_a_store_without_this_workspace_untouched(
    project: Path, other_project: Path, paths: Paths, unchanged: Callable[[], Any]
) -> None:
    new_id("elsewhere", "--workspace", str(other_project))
    files = sorted(os.listdir(paths.data))
    assert "No work recorded" in ok("list")
    assert sorted(os.listdir(paths.data)) == files  # no -wal or -shm left behind either
    with unchanged():
        ran = tasks("list")
        assert ran.code == 0 and f"No work recorded for {project}" in ran.out
        assert tasks("next").code == 0
        assert json.loads(ok("next", "--json"))["recorded"] is False
        assert json.loads(ok("list", "--all", "--json"))["recorded"] is False
    with TaskStore.open(paths.db) as store:
        assert store.workspace_at(project) is None


def test_read_commands_leave_a_populated_store_untouched(
    project: Path, paths: Paths, unchanged: Callable[[], Any]
) -> None:
    plan = new_id("Plan")
    step = new_id("Step", "--parent", plan)
    with unchanged():
        for args in (
            [],
            ["list", "--all"],
            ["list", "--all-workspaces", "--json"],
            ["show", step, "--full"],
            ["show", plan, "--json"],
            ["next"],
            ["export", plan],
            ["export", "--format", "json"],
        ):
            assert tasks(*args).code == 0, args


def test_list_draws_the_tree_of_open_plans(project: Path) -> None:
    plan = new_id("Ship the release", "--description", "everything for 2.0")
    tests_ = new_id("Write the tests", "--parent", plan)
    new_id("Deploy", "--parent", plan, "--depends-on", tests_)
    done = new_id("Old chore")
    ok("done", done)
    out = ok("list")
    assert f"Open work in {project}: 1 plan" in out
    lines = out.splitlines()
    top = next(i for i, line in enumerate(lines) if "Ship the release" in line)
    assert "Write the tests" in lines[top + 1] and "Deploy" in lines[top + 2]
    assert plan in lines[top] and "pending" in lines[top]
    assert "Old chore" not in out
    assert "Old chore" in ok("list", "--all")
    assert "Old chore" in ok("list", "--status", "completed")
    assert "Ship the release" not in ok("list", "--status", "completed")


def test_list_json_shape(project: Path) -> None:
    plan = new_id("Plan", "--specialist", "architect")
    step = new_id("Step", "--parent", plan)
    data = json.loads(ok("list", "--json"))
    assert data["recorded"] is True
    assert data["statuses"] == ["pending", "in_progress", "blocked", "needs_revision"]
    assert (data["shown"], data["total"], data["more"], data["total_capped"]) == (1, 1, 0, False)
    assert data["workspace"]["path"] == str(project)
    (top,) = data["plans"]
    assert {
        "id",
        "title",
        "status",
        "finished",
        "specialist",
        "parent_id",
        "created_at",
        "updated_at",
        "version",
        "workspace_path",
        "subtasks",
        "subtasks_omitted",
    } <= set(top)
    assert top["id"] == plan and top["specialist"] == "architect"
    assert [s["id"] for s in top["subtasks"]] == [step]
    assert json.loads(ok("list", "--all", "--json"))["statuses"] is None


def test_list_limit_says_how_many_more(project: Path) -> None:
    for i in range(5):
        new_id(f"task {i}")
    out = ok("list", "--limit", "2")
    assert "task 4" in out and "task 3" in out and "task 2" not in out
    assert "and 3 more (--limit 5 shows them)" in out
    data = json.loads(ok("list", "--limit", "2", "--json"))
    assert (data["shown"], data["total"], data["more"]) == (2, 5, 3)


def test_list_all_workspaces(project: Path, other_project: Path) -> None:
    new_id("here")
    new_id("there", "--workspace", str(other_project))
    assert "there" not in ok("list")
    out = ok("list", "--all-workspaces")
    assert "here" in out and "there" in out and str(other_project) in out
    data = json.loads(ok("list", "--all-workspaces", "--json"))
    assert data["workspace"] is None
    assert {p["workspace_path"] for p in data["plans"]} == {str(project), str(other_project)}


def test_plain_tasks_takes_the_list_options_but_not_before_a_subcommand(project: Path) -> None:
    new_id("one")
    assert json.loads(ok("--json"))["shown"] == 1
    ran = tasks("--json", "next")
    assert ran.code == 2 and "after `list`" in ran.err


def test_workspace_option_and_subfolders(project: Path, other_project: Path) -> None:
    new_id("here")
    sub = project / "src" / "pkg"
    sub.mkdir(parents=True)
    assert "here" in ok("list", "--workspace", str(sub))
    assert "No work recorded" in ok("list", "--workspace", str(other_project))
    ran = tasks("list", "--workspace", str(project / "missing"))
    assert ran.code == 1 and "no such folder" in ran.err


def test_show_prints_everything(project: Path, paths: Paths) -> None:
    plan = new_id("Plan", "--description", "the goal of it all")
    first = new_id("First", "--parent", plan)
    second = new_id("Second", "--parent", plan, "--depends-on", first)
    ok("start", first)
    ok("done", first, "--summary", "did the first thing")
    out = ok("show", first)
    assert "First" in out and f"parent      {plan} Plan" in out
    assert "did the first thing" in out  # summary and the work's summary
    assert "Waited on by" in out and second in out
    assert "History" in out and "pending -> in_progress" in out
    assert "--full prints the work itself" in out
    assert "workspace   " + str(project) in out
    out = ok("show", second)
    assert "Depends on (all completed)" in out
    out = ok("show", plan)
    assert "Subtasks: 1 completed, 0 cancelled, 1 open" in out
    assert "the goal of it all" in out


def test_show_full_and_files(project: Path, paths: Paths) -> None:
    task = new_id("Work")
    with TaskStore.open(paths.db) as store:
        store.update_task(task, context={"files": ["src/a.py"]})
        store.record_work(
            task,
            status=__import__("task_orchestrator.core.enums").core.enums.Status.COMPLETED,
            summary="wrote it",
            content="THE WHOLE WORK\nline two",
            file_paths=["src/b.py"],
        )
    out = ok("show", task)
    assert "THE WHOLE WORK" not in out and "src/a.py" in out and "src/b.py" in out
    assert "THE WHOLE WORK" in ok("show", task, "--full")
    data = json.loads(ok("show", task, "--full", "--json"))
    assert data["artifacts"][0]["content"] == "THE WHOLE WORK\nline two"
    assert data["files"] == ["src/a.py", "src/b.py"]
    assert "content" not in json.loads(ok("show", task, "--json"))["artifacts"][0]


def test_show_json_is_task_detail_with_the_workspace(project: Path, other_project: Path) -> None:
    task = new_id("Mine")
    data = json.loads(ok("show", task, "--json"))
    for key in (
        "task",
        "parent",
        "subtasks",
        "subtasks_total",
        "progress",
        "dependencies",
        "dependents",
        "blockers",
        "artifacts",
        "artifacts_total",
        "files",
        "events",
        "session",
    ):
        assert key in data
    assert data["workspace"] == {
        "id": data["task"]["workspace_id"],
        "path": str(project),
        "here": True,
    }
    theirs = new_id("Theirs", "--workspace", str(other_project))
    data = json.loads(ok("show", theirs, "--json"))
    assert data["workspace"]["path"] == str(other_project) and data["workspace"]["here"] is False
    assert "(not this folder's workspace)" in ok("show", theirs)


@pytest.mark.parametrize("args", [["show", "task_nope"], ["show", "task_nope", "--json"]])
def test_show_unknown_id(project: Path, args: list[str]) -> None:
    new_id("something")
    ran = tasks(*args)
    assert ran.code == 1 and ran.out == ""
    assert ran.err == (
        "error: no task 'task_nope'; `task-orchestrator tasks list --all` lists the ids\n"
    )


def test_show_with_no_store(project: Path, paths: Paths) -> None:
    ran = tasks("show", "task_nope")
    assert ran.code == 1 and "no work is recorded yet" in ran.err
    assert not paths.db.exists()


def test_next_prints_the_task_and_why(project: Path) -> None:
    plan = new_id("Plan")
    a = new_id("A", "--parent", plan)
    new_id("B", "--parent", plan, "--depends-on", a)
    out = ok("next")
    assert f"Next: [ ] A  {a}" in out
    assert "1 task waits for it" in out and f"tasks start {a}" in out
    data = json.loads(ok("next", "--json"))
    assert data["task"]["id"] == a and data["unblocks"] == 1 and data["recorded"] is True
    assert "it depends on nothing" in data["reasons"]
    ok("start", a)
    ok("done", a)
    ok("cancel", plan)
    assert "Nothing is ready" in ok("next")
    assert json.loads(ok("next", "--json"))["task"] is None


def test_narrow_terminal_fits(project: Path) -> None:
    plan = new_id("A rather long title for a plan that will need to wrap on narrow screens")
    step = new_id("And a subtask whose title is also long enough to wrap", "--parent", plan)
    new_id("Its own subtask, one level deeper, also long", "--parent", step)
    for args in (["list"], ["show", plan], ["show", step], ["next"]):
        out = ok(*args, env={"COLUMNS": "60"})
        widths = [len(line.rstrip()) for line in out.splitlines()]
        assert max(widths) <= 60, (args, out)


def test_no_colour_when_piped_or_no_color(project: Path) -> None:
    new_id("Plan")
    assert "\x1b[" not in ok("list")
    assert "\x1b[" not in ok("list", env={"NO_COLOR": "1", "FORCE_COLOR": "1"})


class _Tty:
    """A text stream that says it is a terminal."""

    def __init__(self) -> None:
        import io

        self.buf = io.StringIO()

    def write(self, text: str) -> int:
        return self.buf.write(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.text import Text

    from task_orchestrator.terminal import render

    monkeypatch.delenv("NO_COLOR", raising=False)
    tty = _Tty()
    render.console(tty).print(Text("[~] x", style="bold yellow"))  # type: ignore[arg-type]
    assert "\x1b[" in tty.buf.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    tty = _Tty()
    render.console(tty).print(Text("[~] x", style="bold yellow"))  # type: ignore[arg-type]
    assert tty.buf.getvalue() == "[~] x\n"


def test_titles_print_as_typed(project: Path) -> None:
    new_id("[bold]not markup[/bold] :smile: 100%")
    assert "[bold]not markup[/bold] :smile: 100%" in ok("list")


@pytest.mark.parametrize(
    "command",
    ["list", "show", "next", "add", "start", "done", "cancel", "reopen", "edit", "export"],
)
def test_help_explains_with_an_example(command: str) -> None:
    out = ok(command, "--help")
    assert (
        "Example" in out
        and f"task-orchestrator tasks {command if command != 'list' else ''}" in out
    )


def test_show_says_who_and_where(project: Path, paths: Paths) -> None:
    """Who made and last changed a task, and on which machine, in the text and the --json;
    a task older than the stamps shows neither."""
    from task_orchestrator.core import actor
    from task_orchestrator.core.models import NewTask

    with actor.acting(actor.Actor("ann", "laptop")):
        task_id = new_id("Stamped")
    text = ok("show", task_id)
    assert "by ann on laptop" in text and "changed" not in text
    ok("edit", task_id, "--title", "Stamped again")
    me = actor.local()
    assert f"by {me.user} on {me.machine}" in ok("show", task_id)
    detail = json.loads(ok("show", task_id, "--json"))["task"]
    assert (detail["created_by"], detail["created_on"]) == ("ann", "laptop")
    assert (detail["changed_by"], detail["changed_on"]) == (me.user, me.machine)
    with TaskStore.open(paths.db) as store:
        old = store.create_tree(store.workspace_at(project).id, NewTask("Old"))[0].id  # type: ignore[union-attr]
        store.conn.execute(
            "UPDATE tasks SET created_by = '', created_on = '', changed_by = '', changed_on = ''"
            " WHERE id = ?",
            (old,),
        )
    assert " by " not in ok("show", old)
    assert json.loads(ok("show", old, "--json"))["task"]["created_by"] == ""
