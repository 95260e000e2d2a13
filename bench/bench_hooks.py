"""Benchmark: every hook event as a whole process, the way Claude Code runs it.

    python bench/bench_hooks.py [--runs 20] [--tasks 10000] [--figures FILE]

Runs each hook exactly as the installer registers it for a pip/pipx install (the
interpreter beside the ``task-orchestrator`` console script, ``-I -c`` our entry point, then
``hook EVENT``; installer/launcher.py says why not the console script itself), with a
realistic payload on stdin, against a store seeded with ``--tasks`` tasks, and
``python -c pass`` interleaved with it in the same rounds, so the ratio is taken under the
same machine load. Prints a Markdown table: median and 95th percentile per event, and their
ratio to ``python -c pass`` (budget: 2.5, docs/ARCHITECTURE.md, "The hook path"); ``--figures FILE`` also writes every figure as JSON (bench/figures.py).

The package is byte-compiled first, as pip does when it installs a wheel; without that every
run would compile our modules again (this environment sets PYTHONDONTWRITEBYTECODE).
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

from figures import Figures, p95, slug, tasks

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from task_orchestrator.core.enums import Status  # noqa: E402
from task_orchestrator.core.models import NewTask  # noqa: E402
from task_orchestrator.core.store import TaskStore  # noqa: E402
from task_orchestrator.installer.launcher import hook_command  # noqa: E402

BUDGET = 2.5
DUE = "SessionStart (startup, quick_check due)"
SID = "bench-session-0001"


def seed(db: Path, project: Path, tasks: int) -> dict[str, Any]:
    """``tasks`` tasks in trees of 100, statuses mixed; one session with an active plan."""
    statuses = [
        Status.PENDING,
        Status.COMPLETED,
        Status.IN_PROGRESS,
        Status.CANCELLED,
        Status.PENDING,
    ]
    with TaskStore.open(db) as store:
        ws = store.workspace(project)
        made = 0
        while made < tasks:
            kids = [
                NewTask(
                    f"Subtask {made + i}", description="seeded", status=statuses[i % len(statuses)]
                )
                for i in range(99)
            ]
            store.create_tree(ws.id, NewTask(f"Seeded feature {made}", subtasks=kids))
            made += 100
        session = store.open_session(ws.id, "claude-code", SID)[0]
        parent = store.create_tree(
            ws.id,
            NewTask("Active plan", subtasks=[NewTask("Design"), NewTask("Build"), NewTask("Test")]),
            session_id=session.id,
        )
        store.set_active_task(session.id, parent[0].id)
        for i, task in enumerate(parent[1:], start=1):
            store.link_external("claude-code", SID, str(i), task.id)
        for n in range(200):  # SessionEnd closes one per run
            store.open_session(ws.id, "claude-code", f"bench-end-{n}")
        store.checkpoint()
        return {"workspace": ws.id, "parent": parent[0].id}


def payloads(project: Path) -> dict[str, Any]:
    base = {
        "session_id": SID,
        "transcript_path": "/dev/null",
        "cwd": str(project),
        "permission_mode": "default",
    }
    work = "Implement a CSV export for tasks with options for the columns and the output file, and test it"
    counter = iter(range(10**6))
    return {
        "SessionStart (startup)": (
            "SessionStart",
            lambda: {**base, "hook_event_name": "SessionStart", "source": "startup"},
        ),
        # The store's quick_check runs on startup when the last clean one is older than
        # quick_check_hours (24 by default): the row above is the usual start, this one the
        # start that checks (bench removes the record of the last check before each run).
        # The check itself runs in a child forked after the answer, which this row does not
        # wait for; the child's work overlaps the next runs of the round, as in real use.
        DUE: (
            "SessionStart",
            lambda: {**base, "hook_event_name": "SessionStart", "source": "startup"},
        ),
        "SessionStart (compact)": (
            "SessionStart",
            lambda: {**base, "hook_event_name": "SessionStart", "source": "compact"},
        ),
        "UserPromptSubmit (work)": (
            "UserPromptSubmit",
            lambda: {
                **base,
                "hook_event_name": "UserPromptSubmit",
                "prompt": work,
                "prompt_id": f"p{next(counter)}",
            },
        ),
        "UserPromptSubmit (question)": (
            "UserPromptSubmit",
            lambda: {
                **base,
                "hook_event_name": "UserPromptSubmit",
                "prompt": "How does the store handle locking?",
            },
        ),
        "TaskCreated": (
            "TaskCreated",
            lambda: {
                **base,
                "hook_event_name": "TaskCreated",
                "task_id": f"n{next(counter)}",
                "task_subject": "New step",
            },
        ),
        "PostToolUse (TaskUpdate)": (
            "PostToolUse",
            lambda: {
                **base,
                "hook_event_name": "PostToolUse",
                "tool_name": "TaskUpdate",
                "tool_input": {"taskId": "1", "status": "in_progress"},
                "tool_response": {"success": True},
            },
        ),
        "PostToolUse (Write)": (
            "PostToolUse",
            lambda: {
                **base,
                "hook_event_name": "PostToolUse",
                "tool_name": "Write",
                "tool_input": {
                    "file_path": str(project / "src" / "export.py"),
                    "content": "x = 1\n" * 200,
                },
                "tool_response": {"type": "create"},
            },
        ),
        "TaskCompleted": (
            "TaskCompleted",
            lambda: {
                **base,
                "hook_event_name": "TaskCompleted",
                "task_id": "2",
                "task_subject": "Build",
            },
        ),
        "Stop": (
            "Stop",
            lambda: {
                **base,
                "hook_event_name": "Stop",
                "stop_hook_active": False,
                "last_assistant_message": "Done.",
            },
        ),
        "PreCompact": (
            "PreCompact",
            lambda: {**base, "hook_event_name": "PreCompact", "trigger": "auto"},
        ),
        "SessionEnd": (
            "SessionEnd",
            lambda: {
                **base,
                "hook_event_name": "SessionEnd",
                "reason": "other",
                "session_id": f"bench-end-{next(counter) % 200}",
            },
        ),
    }


def user_home(home: Path) -> tuple[Path, Path, dict[str, str]]:
    """A user's HOME under ``home``: a project folder, the data root and the environment.
    The real layout: no TASK_ORCHESTRATOR_HOME, the root comes from HOME as it does for a
    user (that path once cost 12 ms of platformdirs imports per hook)."""
    project = home / "project"
    (project / ".git").mkdir(parents=True)
    env = dict(os.environ, HOME=str(home))
    for var in ("TASK_ORCHESTRATOR_HOME", "XDG_DATA_HOME", "CLAUDE_CONFIG_DIR"):
        env.pop(var, None)
    (home / ".claude.json").write_text(json.dumps({"mcpServers": {"task-orchestrator": {}}}))
    return project, home / ".local" / "share" / "task-orchestrator", env


def timed(cmd: list[str], stdin: bytes, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--only", help="substring of the event labels to run")
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    script = Path(sys.executable).parent / "task-orchestrator"
    if not script.exists():
        raise SystemExit(f"no console script at {script}: install the project into this venv")
    command = hook_command(str(script), frozen=False)
    compileall.compile_dir(str(ROOT / "task_orchestrator"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        project, root, env = user_home(Path(tmp))
        t0 = time.perf_counter()
        seed(root / "data" / "tasks.db", project, args.tasks)
        stamp = root / "data" / "tasks.db.checked"
        seeded = time.perf_counter() - t0
        cases = {k: v for k, v in payloads(project).items() if not args.only or args.only in k}
        base_times: list[float] = []
        times: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.runs):
            base_times.append(timed([sys.executable, "-c", "pass"], b"", env))
            for label, (event, make) in cases.items():
                data = json.dumps(make()).encode()
                if label == DUE:
                    stamp.unlink(missing_ok=True)
                times[label].append(timed([*command, "hook", event], data, env))
    report(times, base_times, seeded, args.tasks, args.runs).write(args.figures)
    return 0


def report(
    times: dict[str, list[float]], base_times: list[float], seeded: float, size: int, runs: int
) -> Figures:
    """Print the table (times in seconds) and return the same numbers as figures."""
    figs = Figures("hooks")
    at = tasks(size)
    base = statistics.median(base_times)
    figs.add("python_pass.median_ms", base * 1000, "ms", "time")
    figs.add("python_pass.p95_ms", p95(base_times) * 1000, "ms", "info")
    figs.add("seed_ms", seeded * 1000, "ms", "time", at=at)
    print(
        f"\n{size} tasks seeded in {seeded:.1f} s; {runs} runs each; "
        f"`python -c pass` median {base * 1000:.1f} ms, p95 {p95(base_times) * 1000:.1f} ms\n"
    )
    print("| hook (whole process) | median ms | p95 ms | median / pass | p95 / pass | budget 2.5 |")
    print("|---|---:|---:|---:|---:|---|")
    for label, values in times.items():
        med, hi = statistics.median(values), p95(values)
        ratio = med / base
        name = slug(label)
        figs.add(f"{name}.median_ms", med * 1000, "ms", "time", at=at)
        figs.add(f"{name}.p95_ms", hi * 1000, "ms", "info", at=at)
        figs.add(f"{name}.median_ratio", ratio, "x", "ratio", at=at, budget=BUDGET)
        figs.add(f"{name}.p95_ratio", hi / base, "x", "info", at=at)
        ok = "ok" if ratio <= BUDGET else "OVER"
        print(
            f"| {label} | {med * 1000:.1f} | {hi * 1000:.1f} | {ratio:.2f} | {hi / base:.2f} | {ok} |"
        )
    return figs


if __name__ == "__main__":
    sys.exit(main())
