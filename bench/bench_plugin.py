"""Benchmark: what the Claude Code plugin's launcher adds to a hook.

    python bench/bench_plugin.py [--runs 20] [--tasks 1000] [--figures FILE]

Runs ``hook SessionStart`` and ``hook UserPromptSubmit`` (a work prompt) as whole processes,
directly as the settings.json route registers them (the interpreter beside the console
script, ``-I -c`` our entry point) and through the plugin's launcher
(``plugin/bin/task-orchestrator``, a POSIX sh script that reads the ``program`` record setup
writes and execs the same command), with ``python -c pass`` interleaved in the same rounds.
Prints a Markdown table of medians and their ratio to ``python -c pass``; the launcher's cost
is the difference of the two medians (one ``sh`` start and one exec; docs/ARCHITECTURE.md,
"The Claude Code plugin"). ``--figures FILE`` also writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import sys
import tempfile
from pathlib import Path

from bench_hooks import payloads, seed, timed, user_home
from figures import Figures, p95, slug, tasks

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from task_orchestrator.installer.launcher import hook_command  # noqa: E402
from task_orchestrator.installer.plugin import write_marketplace  # noqa: E402
from task_orchestrator.installer.plugin_install import program_record  # noqa: E402

CASES = {
    "SessionStart": "SessionStart (compact)",
    "UserPromptSubmit": "UserPromptSubmit (work)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=1_000)
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    script = Path(sys.executable).parent / "task-orchestrator"
    if not script.exists():
        raise SystemExit(f"no console script at {script}: install the project into this venv")
    direct = hook_command(str(script), frozen=False)
    compileall.compile_dir(str(ROOT / "task_orchestrator"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        project, root, env = user_home(Path(tmp))
        seed(root / "data" / "tasks.db", project, args.tasks)
        market = root / "claude-plugin"
        write_marketplace(market, program_record(str(script)))
        via = [str(market / "plugin" / "bin" / "task-orchestrator")]
        env["CLAUDE_PLUGIN_ROOT"] = str(market / "plugin")
        env["CLAUDE_PLUGIN_DATA"] = str(Path(tmp) / "plugin-data")
        made = payloads(project)
        base: list[float] = []
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.runs):
            base.append(timed([sys.executable, "-c", "pass"], b"", env))
            for event, label in CASES.items():
                data = json.dumps(made[label][1]()).encode()
                for how, cmd in (("direct", direct), ("launcher", via)):
                    times.setdefault((event, how), []).append(
                        timed([*cmd, "hook", event], data, env)
                    )
    report(times, base, args.tasks, args.runs).write(args.figures)
    return 0


def report(
    times: dict[tuple[str, str], list[float]], base_times: list[float], size: int, runs: int
) -> Figures:
    figs = Figures("plugin")
    at = tasks(size)
    base = statistics.median(base_times)
    figs.add("python_pass.median_ms", base * 1000, "ms", "time")
    print(f"\n{size} tasks; {runs} runs each; `python -c pass` median {base * 1000:.1f} ms\n")
    print(
        "| hook (whole process) | direct ms | via launcher ms | launcher adds ms "
        "| direct / pass | launcher / pass |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for event in CASES:
        direct = statistics.median(times[(event, "direct")])
        via = statistics.median(times[(event, "launcher")])
        name = slug(event)
        figs.add(f"{name}.direct.median_ms", direct * 1000, "ms", "time", at=at)
        figs.add(f"{name}.launcher.median_ms", via * 1000, "ms", "time", at=at)
        figs.add(
            f"{name}.launcher.p95_ms", p95(times[(event, "launcher")]) * 1000, "ms", "info", at=at
        )
        figs.add(f"{name}.launcher_adds_ms", (via - direct) * 1000, "ms", "info", at=at)
        figs.add(f"{name}.direct.median_ratio", direct / base, "x", "ratio", at=at)
        figs.add(f"{name}.launcher.median_ratio", via / base, "x", "ratio", at=at)
        print(
            f"| {event} | {direct * 1000:.1f} | {via * 1000:.1f} | {(via - direct) * 1000:.1f} "
            f"| {direct / base:.2f} | {via / base:.2f} |"
        )
    return figs


if __name__ == "__main__":
    sys.exit(main())
