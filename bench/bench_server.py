"""Server benchmarks, whole processes, printed as a markdown table.

    python bench/bench_server.py [--sizes 1000,10000,100000] [--rounds 50] [--spawns 9]
                                 [--figures FILE] [--engine sqlite|postgres]

1. Spawn to the ``initialize`` answer, as a ratio to ``python -c "import mcp.server"`` timed
   in the same run (budget 1.2).
2. Over stdio, with each of ``--sizes`` tasks in the store: ``plan_task`` with 10 subtasks,
   ``query_tasks`` (one page) and ``get_status``; medians and 95th percentiles (budgets at
   100,000 tasks: plan 3 ms, query 10 ms, status 50 ms; plan 5 ms on PostgreSQL).
3. The size of ``tools/list`` in characters.

``--figures FILE`` also writes every figure as JSON (bench/figures.py). ``--engine postgres``
runs it all on a throwaway PostgreSQL server (bench/pgtemp.py) through
TASK_ORCHESTRATOR_STORE_URL.

Everything runs under a temporary TASK_ORCHESTRATOR_HOME; the store is seeded directly
through TaskStore, which is much faster than planning 100,000 tasks over the protocol.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from figures import Figures, p95, tasks

from task_orchestrator.core.models import NewTask
from task_orchestrator.core.store import TaskStore

PY = sys.executable
SCRIPT = Path(PY).parent / "task-orchestrator"
SERVE = [str(SCRIPT), "serve"] if SCRIPT.exists() else [PY, "-m", "task_orchestrator", "serve"]
INIT = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "bench", "version": "1"},
    },
}


class Server:
    """A server subprocess spoken to in raw JSON-RPC lines (no client library overhead)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            SERVE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
            bufsize=1,
        )
        self.next_id = 1
        self.request(INIT["method"], INIT["params"])  # type: ignore[arg-type]
        self.notify("notifications/initialized")

    def notify(self, method: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": method}) + "\n")

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        rid = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
        self.proc.stdin.write(json.dumps(msg) + "\n")
        while True:
            answer: dict[str, Any] = json.loads(self.proc.stdout.readline())
            if answer.get("id") == rid:
                return answer

    def call(self, name: str, args: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        t = time.perf_counter()
        answer = self.request("tools/call", {"name": name, "arguments": args})
        elapsed = (time.perf_counter() - t) * 1000
        result = answer["result"]
        if result.get("isError"):
            raise RuntimeError(f"{name}: {result['content'][0]['text']}")
        return elapsed, result

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def time_import(env: dict[str, str], code: str = "import mcp.server") -> float:
    t = time.perf_counter()
    subprocess.run([PY, "-c", code], env=env, check=True)
    return (time.perf_counter() - t) * 1000


def time_spawn(env: dict[str, str]) -> float:
    t = time.perf_counter()
    proc = subprocess.Popen(
        SERVE,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(INIT) + "\n")
    proc.stdin.flush()
    proc.stdout.readline()
    elapsed = (time.perf_counter() - t) * 1000
    proc.stdin.close()
    proc.wait(timeout=30)
    return elapsed


def seed(db_path: Path | str, workspace: Path, total: int) -> None:
    """``total`` tasks in plans of 200, each subtask after the previous one; about half
    completed, a few in progress, so every status view has work to do."""
    with TaskStore.open(db_path) as store:
        # The workspace the server resolves for this folder (on PostgreSQL, by its key).
        ws = store.workspace_for_root(workspace)
        have = store.conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
        while have < total:
            n = min(199, total - have - 1)
            subs = [
                NewTask(title=f"step {i}", description="x" * 200, depends_on=[i - 1] if i else [])
                for i in range(n)
            ]
            store.create_tree(ws.id, NewTask(title=f"plan {have}", subtasks=subs))
            have += n + 1
        store.conn.execute(
            "UPDATE tasks SET status = 'completed' WHERE parent_id IS NOT NULL AND position < 100"
        )
        store.conn.execute(
            "UPDATE tasks SET status = 'in_progress' WHERE parent_id IS NOT NULL AND position = 100"
        )
        # PostgreSQL: what autovacuum does to a store at rest, without which no index-only
        # scan is possible right after the bulk load (counts by status: 27 ms -> 9 ms).
        store.conn.execute("ANALYZE" if store.engine == "sqlite" else "VACUUM ANALYZE")
        store.checkpoint()


def measure_calls(env: dict[str, str], workspace: Path, rounds: int) -> dict[str, list[float]]:
    server = Server(env)
    server.call("orchestrator_initialize_session", {"working_directory": str(workspace)})
    plan_args: dict[str, Any] = {
        "title": "bench plan",
        "subtasks": [{"title": f"sub {i}", "depends_on": [i - 1] if i else []} for i in range(10)],
    }
    calls: dict[str, tuple[str, dict[str, Any]]] = {
        "plan_task (10 subtasks)": ("orchestrator_plan_task", plan_args),
        "query_tasks (one page of 20)": ("orchestrator_query_tasks", {"limit": 20}),
        "get_status": ("orchestrator_get_status", {}),
        # The protocol's own cost: a tool that does next to nothing.
        "restart_status (round-trip floor)": ("orchestrator_restart_status", {"limit": 1}),
    }
    out: dict[str, list[float]] = {}
    for label, (name, args) in calls.items():
        for _ in range(3):  # warm the page cache and the statement cache
            server.call(name, args)
        out[label] = [server.call(name, args)[0] for _ in range(rounds)]
    server.close()
    return out


def tools_list_size(env: dict[str, str]) -> int:
    server = Server(env)
    answer = server.request("tools/list", {})
    server.close()
    return len(json.dumps(answer["result"], separators=(",", ":")))


# Budgets at 100,000 tasks (ms), from the issue.
BUDGETS_MS = {"plan_task (10 subtasks)": 3, "query_tasks (one page of 20)": 10, "get_status": 50}
#: On PostgreSQL plan_task's budget is 5 ms, not SQLite's 3: its 11 inserts, the event and
#: the read-back are statements to another process, and each insert maintains the task
#: indexes under the server's WAL (EXPLAIN shows index scans throughout, about 0.1 ms of
#: execution each; the time is in the statements themselves, not in a plan).
PG_BUDGETS_MS = {**BUDGETS_MS, "plan_task (10 subtasks)": 5}
BUDGET_SIZE = 100_000
SPAWN_BUDGET = 1.2  # spawn / import: docs/ARCHITECTURE.md, "The hook path"


def slug_call(label: str) -> str:
    """``plan_task (10 subtasks)`` -> ``plan_task``: the tool is the stable part of a label."""
    return label.split(" ", 1)[0]


def timing_row(
    figs: Figures,
    label: str,
    name: str,
    values: list[float],
    *,
    digits: int,
    at: str = "",
    budget: float | None = None,
) -> str:
    """One table row of a median and a p95 in ms; the same numbers go into ``figs``."""
    med, hi = statistics.median(values), p95(values)
    figs.add(f"{name}.median_ms", med, "ms", "time", at=at, budget=budget)
    figs.add(f"{name}.p95_ms", hi, "ms", "info", at=at)
    shown = f"{budget:g} ms" if budget is not None else "-"
    return f"| {label} | {med:.{digits}f} ms | {hi:.{digits}f} ms | {shown} |"


def ratio_row(figs: Figures, label: str, name: str, value: float, budget: float | None) -> str:
    figs.add(name, value, "x", "ratio", budget=budget)
    return f"| {label} | {value:.2f} | - | {budget if budget is not None else '-'} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="store sizes, in order")
    parser.add_argument("--rounds", type=int, default=50, help="timed calls per tool and size")
    parser.add_argument("--spawns", type=int, default=9, help="timed spawns and imports")
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    if args.engine == "postgres":
        import pgtemp

        with pgtemp.Server(fast=False) as server:
            return run(args, server.create_database("bench"))
    return run(args, None)


def run(args: argparse.Namespace, url: str | None) -> int:
    """The benchmark on the SQLite file, or on the PostgreSQL store at ``url``."""
    sizes = [int(s) for s in args.sizes.split(",")]
    # Figures of a PostgreSQL run under a key of their own, beside SQLite's (bench/run).
    figs = Figures("server" if url is None else "server_pg")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = dict(os.environ, TASK_ORCHESTRATOR_HOME=str(root / "home"))
        env.pop("TASK_ORCHESTRATOR_STORE_URL", None)
        if url is not None:
            env["TASK_ORCHESTRATOR_STORE_URL"] = url
        env.pop("TASK_ORCHESTRATOR_WORKSPACE", None)
        env.pop("CLAUDE_PROJECT_DIR", None)
        workspace = root / "project"
        (workspace / ".git").mkdir(parents=True)
        time_spawn(env)  # first run creates the store; not timed
        imports, bare, spawn = [], [], []
        for _ in range(args.spawns):  # interleaved, so machine noise hits all alike
            imports.append(time_import(env))
            # The same import without interpreter shutdown, which the spawn measurement
            # (stopped at the initialize answer) does not include either.
            bare.append(time_import(env, "import mcp.server, os; os._exit(0)"))
            spawn.append(time_spawn(env))
        rows = [
            "| measure | median | p95 | budget |",
            "|---|---|---|---|",
            timing_row(figs, '`python -c "import mcp.server"`', "import_mcp", imports, digits=0),
            timing_row(
                figs,
                '`python -c "import mcp.server, os; os._exit(0)"`',
                "import_mcp_without_shutdown",
                bare,
                digits=0,
            ),
            timing_row(figs, "server spawn to initialize answer", "spawn", spawn, digits=0),
            ratio_row(
                figs,
                "ratio spawn / import",
                "spawn_over_import",
                statistics.median(spawn) / statistics.median(imports),
                SPAWN_BUDGET,
            ),
            ratio_row(
                figs,
                "ratio spawn / import without shutdown",
                "spawn_over_import_without_shutdown",
                statistics.median(spawn) / statistics.median(bare),
                None,
            ),
        ]
        db_path: Path | str = url or root / "home" / "data" / "tasks.db"
        for size in sizes:
            t = time.perf_counter()
            seed(db_path, workspace, size)
            print(f"seeded {size} tasks in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            for label, values in measure_calls(env, workspace, args.rounds).items():
                budgets = BUDGETS_MS if url is None else PG_BUDGETS_MS
                budget = budgets.get(label) if size >= BUDGET_SIZE else None
                rows.append(
                    timing_row(
                        figs,
                        f"{label}, {size:,} tasks",
                        slug_call(label),
                        values,
                        digits=2,
                        at=tasks(size),
                        budget=budget,
                    )
                )
        chars = tools_list_size(env)
        figs.add("tools_list.chars", chars, "chars", "size")
        rows.append(f"| tools/list size | {chars:,} chars | - | - |")
    print("\n".join(rows))
    if url is not None:
        print(
            "\nOn PostgreSQL (a throwaway server, bench/pgtemp.py, over a unix socket) "
            "plan_task's budget is 5 ms, SQLite's 3 ms: its statements go to another process "
            "and each insert maintains the task indexes there (bench/bench_server.py)."
        )
    figs.write(args.figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
