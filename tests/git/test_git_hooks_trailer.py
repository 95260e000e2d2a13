"""The hooks' side (a Bash command that commits links HEAD to the subtask in progress and
its plan, cheaply for every other command) and the commit trailer hook (chains an existing
hook, comes off byte for byte, works from a linked worktree)."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from git_support import commit_file, git, head

from task_orchestrator.cli import run_cli
from task_orchestrator.core.enums import Status
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks import protocol, runner
from task_orchestrator.hooks.gitcommit import commit_folder
from task_orchestrator.installer import gittrailer

SID = "5e55i0n0-0000-0000-0000-000000000001"


@pytest.mark.parametrize(
    ("command", "folder"),
    [
        ("git commit -m 'x'", "/w"),
        ("git add . && git commit -qm wip", "/w"),
        ("cd sub; git -c user.name=x merge topic", "/w"),
        ("git -C ../other cherry-pick abc", "/w/../other"),
        ("/usr/bin/git revert HEAD", "/w"),
        ("(git commit --amend --no-edit)", "/w"),
        ("git status", None),
        ("git log --grep commit", None),
        ("echo commit", None),
        ("ls -la", None),
        ("gitk commit", None),
    ],
)
def test_commit_folder(command: str, folder: str | None) -> None:
    assert commit_folder(command, "/w") == folder


@pytest.fixture
def call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[[str, Any], None]]:
    def _call(event: str, payload: Any) -> None:
        raw = json.dumps(payload).encode()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
        assert runner.run([event]) == 0  # in-process: after-answer work runs here
        capsys.readouterr()

    yield _call
    protocol.take_after()


def _bash(cwd: Path, command: str) -> dict[str, Any]:
    return {
        "session_id": SID,
        "cwd": str(cwd),
        "hook_event_name": "PostToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command, "description": "x"},
        "tool_response": {"stdout": "", "stderr": "", "interrupted": False, "isImage": False},
    }


def _session_with_plan(repo: Path) -> tuple[str, str]:
    with TaskStore.open(default_paths().db) as store:
        ws = store.workspace(repo)
        session, _ = store.open_session(ws.id, "claude-code", SID)
        plan = store.create_tree(
            ws.id,
            NewTask("Plan", status=Status.IN_PROGRESS, subtasks=[NewTask("Step")]),
            session_id=session.id,
        )
        store.set_active_task(session.id, plan[0].id)
        store.start_task(plan[1].id)
        return plan[0].id, plan[1].id


def test_bash_commit_links_head_to_the_step_and_its_plan(
    call: Callable[[str, Any], None], repo: Path
) -> None:
    plan, step = _session_with_plan(repo)
    sha = commit_file(repo, "a.py", "a\n", "Step work")
    call("PostToolUse", _bash(repo, "git add a.py && git commit -m 'Step work'"))
    with TaskStore.open(default_paths().db) as store:
        for task_id in (plan, step):
            commits, _ = store.task_commits(task_id)
            assert [(c["sha"], c["source"], c["branch"]) for c in commits] == [
                (sha, "session", "main")
            ]
    # The same HEAD again (a failed commit: HEAD did not move) links nothing new.
    call("PostToolUse", _bash(repo, "git commit -m nothing"))
    with TaskStore.open(default_paths().db) as store:
        assert store.task_commits(step)[1] == 1


def test_an_old_head_is_not_linked(call: Callable[[str, Any], None], repo: Path) -> None:
    git(repo, "commit", "-q", "--amend", "--no-edit", "--date=2001-01-01T00:00:00")
    env = {**os.environ, "GIT_COMMITTER_DATE": "2001-01-01T00:00:00"}
    subprocess.run(["git", "commit", "-q", "--amend", "--no-edit"], cwd=repo, env=env, check=True)
    _plan, step = _session_with_plan(repo)
    call("PostToolUse", _bash(repo, "git commit -m 'fails: nothing to commit'"))
    with TaskStore.open(default_paths().db) as store:
        assert store.task_commits(step) == ([], 0)


def test_other_bash_commands_open_no_store(call: Callable[[str, Any], None], repo: Path) -> None:
    call("PostToolUse", _bash(repo, "ls -la && pytest -q"))
    assert not os.path.exists(default_paths().db)


def _hook_args() -> list[str]:
    from task_orchestrator.installer.launcher import hook_command

    return hook_command(sys.executable, frozen=False)[1:]


def _imports(payload: dict[str, Any]) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *_hook_args(), "hook", "PostToolUse"],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0
    return {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.usefixtures("without_coverage")
def test_bash_hook_imports(repo: Path) -> None:
    """A command that commits nothing loads no core store and no subprocess; one that commits
    answers first and runs git in its forked child, so the hook process itself loads neither
    ``re`` nor ``subprocess`` either."""
    _session_with_plan(repo)
    plain = _imports(_bash(repo, "ls -la"))
    assert "task_orchestrator.hooks.mirror" in plain
    assert not {"task_orchestrator.core.store", "subprocess", "re"} & plain
    committing = _imports(_bash(repo, "git commit -m x"))
    assert "task_orchestrator.hooks.gitcommit" in committing
    assert not {"re", "typing", "subprocess"} & committing


def _hook_file(repo: Path) -> Path:
    return repo / ".git" / "hooks" / "prepare-commit-msg"


def _trailer(*args: str) -> None:
    assert run_cli(["git", "trailer", *args], prog_name="task-orchestrator") == 0


def _in_progress_task(repo: Path) -> str:
    with TaskStore.open(default_paths().db) as store:
        ws = store.workspace(repo)
        return store.create_tree(ws.id, NewTask("Trailer task", status=Status.IN_PROGRESS))[0].id


def test_trailer_on_off_new_hook(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    tid = _in_progress_task(repo)
    _trailer("on")
    hook = _hook_file(repo)
    assert hook.stat().st_mode & stat.S_IXUSR
    commit_file(repo, "a", "a\n", "With trailer")
    assert f"Task: {tid}" in git(repo, "log", "-1", "--format=%B")
    _trailer("on")  # twice is once
    assert hook.read_text().count(gittrailer.END) == 1
    _trailer("off")
    assert not hook.exists()


def test_trailer_chains_a_shell_hook_and_comes_off_byte_identical(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    tid = _in_progress_task(repo)
    hook = _hook_file(repo)
    original = b"#!/bin/bash\n# mine\r\necho 'Reviewed: yes' >> \"$1\"\nexit 0\n"
    hook.write_bytes(original)
    hook.chmod(0o750)
    _trailer("on")
    commit_file(repo, "a", "a\n", "Both hooks")
    message = git(repo, "log", "-1", "--format=%B")
    assert f"Task: {tid}" in message and "Reviewed: yes" in message
    _trailer("off")
    assert hook.read_bytes() == original and stat.S_IMODE(hook.stat().st_mode) == 0o750


def test_trailer_chains_a_python_hook(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    tid = _in_progress_task(repo)
    hook = _hook_file(repo)
    original = (
        f"#!{sys.executable}\nimport sys\nopen(sys.argv[1], 'a').write('Checked-by: python\\n')\n"
    ).encode()
    hook.write_bytes(original)
    hook.chmod(0o755)
    _trailer("on")
    commit_file(repo, "a", "a\n", "Chained")
    message = git(repo, "log", "-1", "--format=%B")
    assert f"Task: {tid}" in message and "Checked-by: python" in message
    _trailer("off")
    assert hook.read_bytes() == original
    assert not (hook.parent / gittrailer.CHAINED).exists()


def test_trailer_from_a_worktree_uses_the_shared_hooks(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    linked = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(linked))
    monkeypatch.chdir(linked)
    tid = _in_progress_task(repo)  # the worktree's tasks are the main workspace's
    _trailer("on")
    assert _hook_file(repo).exists()
    commit_file(linked, "w", "w\n", "From the worktree")
    assert f"Task: {tid}" in git(linked, "log", "-1", "--format=%B")
    assert head(linked) != head(repo)
    _trailer("off")
    assert not _hook_file(repo).exists()


def test_cli_show_and_for_commit(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    assert (
        run_cli(["tasks", "add", "Feature", "--specialist", "generalist", "--json"], prog_name="t")
        == 0
    )
    tid = json.loads(capsys.readouterr().out)["task"]["id"]
    assert run_cli(["tasks", "start", tid], prog_name="t") == 0
    sha = commit_file(repo, "f.py", "1\n2\n3\n", "Feature commit")
    assert run_cli(["tasks", "done", tid], prog_name="t") == 0
    capsys.readouterr()
    assert run_cli(["tasks", "show", tid, "--json"], prog_name="t") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["git"]["branch"] == "main" and shown["commits_total"] == 1
    assert shown["commits"][0]["sha"] == sha
    assert shown["changed_files"] == [{"path": "f.py", "added": 3, "deleted": 0}]
    assert run_cli(["tasks", "show", tid], prog_name="t") == 0
    text = capsys.readouterr().out
    assert "Commits (1)" in text and sha[:12] in text and "f.py" in text
    assert run_cli(["tasks", "for-commit", sha[:7]], prog_name="t") == 0
    assert tid in capsys.readouterr().out
    assert run_cli(["tasks", "for-commit", "HEAD~1"], prog_name="t") == 1
