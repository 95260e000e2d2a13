"""Benchmark: hooks on a member's machine, each a whole process posting to a real team server.

    python bench/bench_hooks_team.py [--runs 20] [--figures FILE]

A throwaway PostgreSQL (bench/pgtemp.py) made a team's with one member, a real team server
process on it (``task-orchestrator serve --transport streamable-http``), and a member's
HOME with ``[team]`` in config.toml and the token in the environment: each hook runs as the
installer registers it, posts its event (hooks/team.py) and prints the server's answer, with
``python -c pass`` interleaved in the same rounds. The hook's wall time includes the
server's own work on PostgreSQL. A second table is what the HTTP client's imports would cost
a hook (whole ``python -I -c "import ..."`` processes minus ``python -c pass``): why the hook
client speaks HTTP over ``_socket`` rather than ``http.client`` or ``urllib.request``.
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import sys
import tempfile
from pathlib import Path

import teamserver
from bench_hooks import BUDGET, payloads, timed, user_home
from figures import Figures, p95, slug
from pgtemp import Server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from task_orchestrator.core.store import TaskStore  # noqa: E402
from task_orchestrator.installer.launcher import hook_command  # noqa: E402

VAR = "BENCH_TEAM_TOKEN"
EVENTS = (
    "SessionStart (startup)",
    "UserPromptSubmit (work)",
    "UserPromptSubmit (question)",
    "TaskCreated",
    "PostToolUse (TaskUpdate)",
    "Stop",
    "SessionEnd",
)
IMPORTS = ("_socket", "socket", "ssl", "http.client", "urllib.request")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    script = Path(sys.executable).parent / "task-orchestrator"
    if not script.exists():
        raise SystemExit(f"no console script at {script}: install the project into this venv")
    command = hook_command(str(script), frozen=False)
    compileall.compile_dir(str(ROOT / "task_orchestrator"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp, Server() as pg:
        url = pg.create_database("bench_team")
        with TaskStore.open(url) as store:
            store.init_team("bench")
            _, token = store.add_member("member")
        server = teamserver.start(Path(tmp) / "server.log", {"TASK_ORCHESTRATOR_STORE_URL": url})
        base_url = server.base
        try:
            project, root, env = user_home(Path(tmp) / "member")
            env[VAR] = token
            (root / "config").mkdir(parents=True)
            (root / "config" / "config.toml").write_text(
                f'[team]\nurl = "{base_url}"\ntoken_env = "{VAR}"\nmachine = "bench"\n'
            )
            cases = {k: v for k, v in payloads(project).items() if k in EVENTS}
            base_times: list[float] = []
            times: dict[str, list[float]] = {k: [] for k in cases}
            for _ in range(args.runs):
                base_times.append(timed([sys.executable, "-c", "pass"], b"", env))
                for label, (event, make) in cases.items():
                    data = json.dumps(make()).encode()
                    times[label].append(timed([*command, "hook", event], data, env))
            # Every event reached the server: none waits, none was refused, and the work
            # prompts made their tasks there, as the member.
            spool = root / "data" / "team-spool.jsonl"
            if spool.exists():
                raise SystemExit(f"events were spooled during the run: {spool.read_text()[:500]}")
            log = root / "logs" / "hooks.log"
            if log.exists() and ("refused" in log.read_text() or "dropped" in log.read_text()):
                raise SystemExit(f"the server refused events:\n{log.read_text()[-1000:]}")
            with TaskStore.open(url) as store:
                made = store.conn.execute(
                    "SELECT count(*) FROM tasks WHERE created_by = 'member'"
                ).fetchone()[0]
            if not made:
                raise SystemExit("the hooks made no task on the team server")
        finally:
            server.stop()
        imports = {m: [] for m in IMPORTS}  # type: dict[str, list[float]]
        floor: list[float] = []
        for _ in range(args.runs):
            floor.append(timed([sys.executable, "-I", "-c", "pass"], b"", env))
            for module in IMPORTS:
                imports[module].append(
                    timed([sys.executable, "-I", "-c", f"import {module}"], b"", env)
                )
    report(times, base_times, imports, floor, args.runs).write(args.figures)
    return 0


def report(
    times: dict[str, list[float]],
    base_times: list[float],
    imports: dict[str, list[float]],
    floor: list[float],
    runs: int,
) -> Figures:
    figs = Figures("hooks_team")
    base = statistics.median(base_times)
    figs.add("python_pass.median_ms", base * 1000, "ms", "time")
    print(
        f"\n{runs} runs each, against a team server process on PostgreSQL (same machine); "
        f"`python -c pass` median {base * 1000:.1f} ms\n"
    )
    print("| team-mode hook (whole process) | median ms | p95 ms | median / pass | budget 2.5 |")
    print("|---|---:|---:|---:|---|")
    for label, values in times.items():
        med, hi = statistics.median(values), p95(values)
        ratio = med / base
        name = slug(label)
        figs.add(f"{name}.median_ms", med * 1000, "ms", "time")
        figs.add(f"{name}.p95_ms", hi * 1000, "ms", "info")
        figs.add(f"{name}.median_ratio", ratio, "x", "ratio", budget=BUDGET)
        ok = "ok" if ratio <= BUDGET else "OVER"
        print(f"| {label} | {med * 1000:.1f} | {hi * 1000:.1f} | {ratio:.2f} | {ok} |")
    low = statistics.median(floor)
    print("\n| import (whole `python -I` process) | median ms | over `pass` ms |")
    print("|---|---:|---:|")
    for module, values in imports.items():
        med = statistics.median(values)
        key = slug(module.replace("_", "private_", 1) if module.startswith("_") else module)
        figs.add(f"import_{key}.extra_ms", (med - low) * 1000, "ms", "info")
        print(f"| `import {module}` | {med * 1000:.1f} | {(med - low) * 1000:.1f} |")
    return figs


if __name__ == "__main__":
    sys.exit(main())
