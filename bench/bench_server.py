"""Server benchmarks, whole processes, printed as a markdown table.

    python bench/bench_server.py [--quick]

1. Spawn to the ``initialize`` answer, as a ratio to ``python -c "import mcp.server"`` timed
   in the same run (budget 1.2).
2. Over stdio, with 1,000 and 100,000 tasks in the store: ``plan_task`` with 10 subtasks,
   ``query_tasks`` (one page) and ``get_status``; medians and 95th percentiles (budgets at
   100,000 tasks: plan 3 ms, query 10 ms, status 50 ms).
3. The size of ``tools/list`` in characters.

Everything runs under a temporary TASK_ORCHESTRATOR_HOME; the store is seeded directly
through TaskStore, which is much faster than planning 100,000 tasks over the protocol.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


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


def seed(db_path: Path, workspace: Path, total: int) -> None:
    """``total`` tasks in plans of 200, each subtask after the previous one; about half
    completed, a few in progress, so every status view has work to do."""
    with TaskStore.open(db_path) as store:
        ws = store.workspace(workspace)
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
        store.conn.execute("ANALYZE")
        store.checkpoint()


def measure_calls(env: dict[str, str], workspace: Path, rounds: int) -> dict[str, list[float]]:
    server = Server(env)
    server.call("orchestrator_initialize_session", {"working_directory": str(workspace)})
    plan_args = {
        "title": "bench plan",
        "subtasks": [{"title": f"sub {i}", "depends_on": [i - 1] if i else []} for i in range(10)],
    }
    calls = {
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


def main() -> int:
    quick = "--quick" in sys.argv
    sizes = [1_000, 10_000] if quick else [1_000, 100_000]
    rounds = 20 if quick else 50
    spawns = 5 if quick else 9
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = dict(os.environ, TASK_ORCHESTRATOR_HOME=str(root / "home"))
        env.pop("TASK_ORCHESTRATOR_WORKSPACE", None)
        env.pop("CLAUDE_PROJECT_DIR", None)
        workspace = root / "project"
        (workspace / ".git").mkdir(parents=True)
        time_spawn(env)  # first run creates the store; not timed
        imports, bare, spawn = [], [], []
        for _ in range(spawns):  # interleaved, so machine noise hits all alike
            imports.append(time_import(env))
            # The same import without interpreter shutdown, which the spawn measurement
            # (stopped at the initialize answer) does not include either.
            bare.append(time_import(env, "import mcp.server, os; os._exit(0)"))
            spawn.append(time_spawn(env))
        rows = [
            "| measure | median | p95 | budget |",
            "|---|---|---|---|",
            f'| `python -c "import mcp.server"` | {statistics.median(imports):.0f} ms | '
            f"{pct(imports, 0.95):.0f} ms | - |",
            f'| `python -c "import mcp.server, os; os._exit(0)"` | '
            f"{statistics.median(bare):.0f} ms | {pct(bare, 0.95):.0f} ms | - |",
            f"| server spawn to initialize answer | {statistics.median(spawn):.0f} ms | "
            f"{pct(spawn, 0.95):.0f} ms | - |",
            f"| ratio spawn / import | {statistics.median(spawn) / statistics.median(imports):.2f} "
            "| - | 1.2 |",
            f"| ratio spawn / import without shutdown | "
            f"{statistics.median(spawn) / statistics.median(bare):.2f} | - | - |",
        ]
        db_path = root / "home" / "data" / "tasks.db"
        budgets = {
            "plan_task (10 subtasks)": 3,
            "query_tasks (one page of 20)": 10,
            "get_status": 50,
        }
        for size in sizes:
            t = time.perf_counter()
            seed(db_path, workspace, size)
            print(f"seeded {size} tasks in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            for label, values in measure_calls(env, workspace, rounds).items():
                budget = f"{budgets[label]} ms" if size >= 100_000 and label in budgets else "-"
                rows.append(
                    f"| {label}, {size:,} tasks | {statistics.median(values):.2f} ms | "
                    f"{pct(values, 0.95):.2f} ms | {budget} |"
                )
        rows.append(f"| tools/list size | {tools_list_size(env):,} chars | - | - |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
