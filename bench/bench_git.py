"""Benchmark: the hooks that meet git, as whole processes, in a real repository of 10,000
commits (made with ``git fast-import``), and the git work they leave for after the answer.

    python bench/bench_git.py [--runs 20] [--commits 10000] [--figures FILE]

Rows: a Bash command that commits nothing (every Bash call of a session starts this hook),
one that committed (HEAD is linked in the hook's forked child), and TaskUpdate to
in_progress / completed in the repository (the start and completion facts are recorded in
the forked child too). Each ratio is to ``python -c pass`` in the same rounds (budget 2.5,
docs/ARCHITECTURE.md, "The hook path"). The after-answer work (what the forked child does)
is timed apart, in-process: the completion of a task whose range holds 200 commits.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_hooks import SID, seed, timed
from figures import Figures, p95, slug

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from task_orchestrator.core import gitlink  # noqa: E402
from task_orchestrator.core.enums import Status  # noqa: E402
from task_orchestrator.core.models import NewTask  # noqa: E402
from task_orchestrator.core.store import TaskStore  # noqa: E402
from task_orchestrator.installer.launcher import hook_command  # noqa: E402

BUDGET = 2.5
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def make_repo(path: Path, commits: int) -> float:
    """A repository of ``commits`` commits on main, each changing one of 100 files."""
    start = time.perf_counter()
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    lines: list[bytes] = []
    now = int(time.time()) - commits
    for i in range(commits):
        body = f"line {i}\n".encode()
        msg = f"Commit {i}\n".encode()
        lines += [
            b"commit refs/heads/main",
            f"committer Bench <bench@example.com> {now + i} +0000".encode(),
            b"data %d" % len(msg),
            msg,
            b"M 100644 inline " + f"src/file{i % 100}.txt".encode(),
            b"data %d" % len(body),
            body,
        ]
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=path, input=b"\n".join(lines) + b"\n", check=True
    )
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)
    return time.perf_counter() - start


def after_answer_ms(db: Path, repo: Path, runs: int) -> list[float]:
    """What the forked child does at a completion: follow() with a range of 200 commits."""
    times = []
    with TaskStore.open(db) as store:
        ws = store.workspace(repo).id
        base = subprocess.run(
            ["git", "rev-parse", "HEAD~200"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(runs):
            task = store.create_tree(ws, NewTask("Bench range", status=Status.IN_PROGRESS))[0]
            gitlink.follow(store, task.id, str(repo))
            store.conn.execute(
                "UPDATE task_git SET start_head = ? WHERE task_id = ?", (base, task.id)
            )
            store.update_task(task.id, status=Status.COMPLETED)
            start = time.perf_counter()
            gitlink.follow(store, task.id, str(repo))
            times.append(time.perf_counter() - start)
            assert store.task_commits(task.id)[1] == 200
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    script = Path(sys.executable).parent / "task-orchestrator"
    command = hook_command(str(script), frozen=False)
    compileall.compile_dir(str(ROOT / "task_orchestrator"), quiet=1)
    os.environ.update(GIT_ENV)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        project = home / "project"
        made = make_repo(project, args.commits)
        env = dict(os.environ, HOME=str(home))
        for var in ("TASK_ORCHESTRATOR_HOME", "XDG_DATA_HOME", "CLAUDE_CONFIG_DIR"):
            env.pop(var, None)
        db = home / ".local" / "share" / "task-orchestrator" / "data" / "tasks.db"
        (home / ".claude.json").write_text(json.dumps({"mcpServers": {"task-orchestrator": {}}}))
        seed(db, project, args.tasks)
        base = {"session_id": SID, "cwd": str(project), "hook_event_name": "PostToolUse"}

        def bash(command_text: str) -> dict[str, Any]:
            return {
                **base,
                "tool_name": "Bash",
                "tool_input": {"command": command_text},
                "tool_response": {"stdout": "", "stderr": ""},
            }

        def update(status: str) -> dict[str, Any]:
            return {
                **base,
                "tool_name": "TaskUpdate",
                "tool_input": {"taskId": "1", "status": status},
                "tool_response": {"success": True},
            }

        cases = {
            "PostToolUse (Bash, no commit)": bash("pytest -q && ls -la"),
            "PostToolUse (Bash, git commit)": bash("git add -A && git commit -m 'Bench'"),
            "PostToolUse (TaskUpdate in_progress, git)": update("in_progress"),
            "PostToolUse (TaskUpdate completed, git)": update("completed"),
        }
        base_times: list[float] = []
        times: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.runs):
            base_times.append(timed([sys.executable, "-c", "pass"], b"", env))
            for label, payload in cases.items():
                data = json.dumps(payload).encode()
                times[label].append(timed([*command, "hook", "PostToolUse"], data, env))
        os.environ["HOME"] = str(home)
        os.environ.pop("TASK_ORCHESTRATOR_HOME", None)
        child = after_answer_ms(db, project, max(5, args.runs // 2))
    figs = Figures("git")
    floor = statistics.median(base_times)
    figs.add("repo_made_ms", made * 1000, "ms", "info", at=f"commits={args.commits}")
    figs.add("python_pass.median_ms", floor * 1000, "ms", "time")
    print(
        f"\nrepository of {args.commits} commits made in {made:.1f} s (git fast-import); "
        f"{args.runs} runs each; `python -c pass` median {floor * 1000:.1f} ms\n"
    )
    print("| hook (whole process) | median ms | p95 ms | median / pass | budget 2.5 |")
    print("|---|---:|---:|---:|---|")
    at = f"commits={args.commits}"
    for label, values in times.items():
        med = statistics.median(values)
        ratio = med / floor
        figs.add(f"{slug(label)}.median_ms", med * 1000, "ms", "time", at=at)
        figs.add(f"{slug(label)}.median_ratio", ratio, "x", "ratio", at=at, budget=BUDGET)
        ok = "ok" if ratio <= BUDGET else "OVER"
        print(f"| {label} | {med * 1000:.1f} | {p95(values) * 1000:.1f} | {ratio:.2f} | {ok} |")
    med = statistics.median(child)
    figs.add("completion_after_answer.median_ms", med * 1000, "ms", "time", at=at)
    print(
        f"\nAfter the answer (forked child, not waited for): a completion with 200 commits in "
        f"its range, median {med * 1000:.1f} ms, p95 {p95(child) * 1000:.1f} ms"
    )
    figs.write(args.figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
