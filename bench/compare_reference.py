"""Our server beside the reference implementation (PyPI ``mcp-task-orchestrator``), in one run.

    python bench/compare_reference.py [--sizes 1000,10000] [--runs 5] [--calls 20] [--json]
                                      [--figures FILE]

Both servers are spawned as whole processes over stdio and driven by the same bare client
(bench/mcp_stdio.py). Figures: spawn to the ``initialize`` answer, ``plan_task`` with 10
subtasks, a one-page query and ``get_status`` at each store size, and the server's peak
resident memory (VmHWM) once each size is measured. The reference needs ``mcp<2``, so it lives
in its own venv:
``bash bench/reference-venv.sh`` makes it in .cache/reference-venv; without it, its column
says so.

Stores are seeded through each server's own ``plan_task`` (10 subtasks a call) so that both
hold what they themselves wrote. ``--figures FILE`` also writes every figure as JSON
(bench/figures.py).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import Figures, tasks
from mcp_stdio import StdioClient

ROOT = Path(__file__).resolve().parents[1]
REF_PYTHON = ROOT / ".cache" / "reference-venv" / "bin" / "python"


@dataclass
class Impl:
    name: str
    key: str  # in figure keys: stable while the name carries a version
    argv: list[str]
    plan: Callable[[StdioClient, int], None]
    query: Callable[[StdioClient], None] | None
    status: Callable[[StdioClient], None]


def _subtasks(n: int) -> list[dict[str, Any]]:
    return [
        {
            "title": f"step {i}",
            "description": f"do part {i} of the work",
            "specialist": "implementer",
        }
        for i in range(n)
    ]


def _check(reply: dict[str, Any], what: str) -> None:
    if reply.get("isError"):
        raise RuntimeError(f"{what}: {json.dumps(reply)[:400]}")


def _ours_plan(c: StdioClient, i: int) -> None:
    _check(
        c.call(
            "orchestrator_plan_task",
            {"title": f"Feature {i}", "description": "Build a feature", "subtasks": _subtasks(10)},
        ),
        "plan",
    )


def _ref_plan(c: StdioClient, i: int) -> None:
    subtasks = [
        {"title": s["title"], "description": s["description"], "specialist_type": "implementer"}
        for s in _subtasks(10)
    ]
    _check(
        c.call(
            "orchestrator_plan_task",
            {"description": f"Feature {i}", "subtasks_json": json.dumps(subtasks)},
        ),
        "plan",
    )


def ours() -> Impl:
    exe = shutil.which("task-orchestrator", path=str(Path(sys.executable).parent))
    argv = [exe, "serve"] if exe else [sys.executable, "-m", "task_orchestrator", "serve"]
    return Impl(
        "task-orchestrator",
        "ours",
        argv,
        _ours_plan,
        lambda c: _check(c.call("orchestrator_query_tasks", {"limit": 20}), "query"),
        lambda c: _check(c.call("orchestrator_get_status", {}), "status"),
    )


def reference() -> Impl:
    return Impl(
        "reference (mcp-task-orchestrator 1.8.0)",
        "reference",
        [str(REF_PYTHON), "-m", "mcp_task_orchestrator.server"],
        _ref_plan,
        None,  # the reference has no query tool
        lambda c: _check(c.call("orchestrator_get_status", {}), "status"),
    )


# A figure stops sampling after this long (with at least 3 samples): the reference's
# get_status takes seconds per call on a large store.
FIGURE_BUDGET_S = 30.0


def _timed(fn: Callable[[], None], calls: int) -> dict[str, float]:
    samples: list[float] = []
    began = time.perf_counter()
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        if len(samples) >= 3 and time.perf_counter() - began > FIGURE_BUDGET_S:
            break
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2),
        "n": len(samples),
    }


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def measure(impl: Impl, sizes: list[int], runs: int, calls: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        work = Path(tmp) / "project"
        home.mkdir()
        (work / ".git").mkdir(parents=True)
        env = dict(os.environ, HOME=str(home), TASK_ORCHESTRATOR_HOME=str(Path(tmp) / "to"))
        env["MCP_TASK_ORCHESTRATOR_WORKING_DIR"] = str(work)

        def spawn() -> StdioClient:
            return StdioClient(impl.argv, env=env, cwd=str(work))

        starts = []
        for _ in range(runs):
            with spawn() as c:
                starts.append(c.initialize() * 1000)
        result: dict[str, Any] = {
            "key": impl.key,
            "spawn_to_initialize_ms": round(statistics.median(starts), 1),
            "sizes": {},
        }
        with spawn() as c:
            c.initialize()
            c.call("orchestrator_initialize_session", {"working_directory": str(work)})
            result["stdout_noise_lines"] = c.noise_lines
            seeded = 0
            for size in sizes:
                print(f"  seeding {impl.name} to {size:,} tasks ...", file=sys.stderr)
                while seeded < size:
                    impl.plan(c, seeded)
                    seeded += 11
                row: dict[str, Any] = {"tasks": seeded}
                row["plan_task_10"] = _timed(lambda: impl.plan(c, 0), calls)
                seeded += 11 * int(row["plan_task_10"]["n"])
                query = impl.query
                row["query_page"] = (
                    _timed(functools.partial(query, c), calls) if query is not None else None
                )
                row["get_status"] = _timed(lambda: impl.status(c), calls)
                # The high-water mark so far, so that a run with fewer sizes has the same
                # figure at each size it shares with a longer one.
                row["peak_rss_mb"] = _peak_rss_mb(c.proc.pid)
                result["sizes"][str(size)] = row
        return result


# The figures measured at each store size: (key in a result, label in the table).
CALLS = (
    ("plan_task_10", "plan_task (10 subtasks)"),
    ("query_page", "query one page"),
    ("get_status", "get_status"),
)


def _fmt(cell: dict[str, float] | None) -> str:
    if cell is None:
        return "n/a"
    return f"{cell['median_ms']} / {cell['p95_ms']} (n={cell['n']})"


def render(results: dict[str, Any], sizes: list[int]) -> str:
    names = list(results)
    lines = ["| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]

    def row(label: str, get: Callable[[dict[str, Any]], str]) -> None:
        cells = []
        for n in names:
            r = results[n]
            cells.append(r["error"] if "error" in r else get(r))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("spawn to initialize, median ms", lambda r: str(r["spawn_to_initialize_ms"]))
    row("non-protocol lines on stdout", lambda r: str(r["stdout_noise_lines"]))

    def at(size: int, key: str, show: Callable[[Any], str]) -> Callable[[dict[str, Any]], str]:
        return lambda r: show(r["sizes"][str(size)][key])

    for size in sizes:
        for key, label in CALLS:
            row(f"{label} at {size:,} tasks, median / p95 ms", at(size, key, _fmt))
    for size in sizes:
        row(f"peak RSS of the server at {size:,} tasks, MB", at(size, "peak_rss_mb", str))
    return "\n".join(lines)


def figures(results: dict[str, Any], sizes: list[int]) -> Figures:
    """The numbers of the table, per implementation that did not fail."""
    figs = Figures("reference")
    for r in results.values():
        if "error" in r:
            continue
        impl = r["key"]
        figs.add(f"{impl}.spawn.median_ms", r["spawn_to_initialize_ms"], "ms", "time")
        figs.add(f"{impl}.stdout_noise_lines", r["stdout_noise_lines"], "lines", "exact")
        for size in sizes:
            at, row = tasks(size), r["sizes"][str(size)]
            for key, _ in CALLS:
                cell = row[key]
                if cell is not None:
                    figs.add(f"{impl}.{key}.median_ms", cell["median_ms"], "ms", "time", at=at)
                    figs.add(f"{impl}.{key}.p95_ms", cell["p95_ms"], "ms", "info", at=at)
                    figs.add(f"{impl}.{key}.samples", cell["n"], "", "info", at=at)
            if row["peak_rss_mb"] is not None:
                figs.add(f"{impl}.peak_rss_mb", row["peak_rss_mb"], "MB", "size", at=at)
    return figs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-reference", action="store_true", help="measure ours only")
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, Any] = {}
    impls = [ours()]
    if REF_PYTHON.exists() and not args.skip_reference:
        impls.append(reference())
    for impl in impls:
        print(f"measuring {impl.name} ...", file=sys.stderr)
        try:
            results[impl.name] = measure(impl, sizes, args.runs, args.calls)
        except (RuntimeError, OSError) as exc:
            results[impl.name] = {"error": f"failed: {exc}"[:200]}
    if not REF_PYTHON.exists() and not args.skip_reference:
        results["reference"] = {"error": "not installed (bash bench/reference-venv.sh)"}
    print(json.dumps(results, indent=2) if args.json else render(results, sizes))
    figures(results, sizes).write(args.figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
