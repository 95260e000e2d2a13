"""Many processes doing read-modify-write on one store at once.

    python bench/store_concurrency.py --procs 8 --ops 500 [--json | --markdown] [--figures FILE]
        [--db FILE | --url postgresql://... | --engine postgres]

Each worker runs ``--ops`` mixed operations: increment a shared counter through
``update_task`` with an expected version (retrying on conflict), create a task, change a
task's status, query a page, count by status. At the end the shared counter must equal the
number of increments the workers were told succeeded (no lost update), every created task
must be there, and ``PRAGMA integrity_check`` must say ok. Exit 1 if any of that fails.
On PostgreSQL (``--url`` of an existing, empty database, or ``--engine postgres``, which
starts a throwaway server as the tests do: bench/pgtemp.py) the same, with the store's own
integrity checks in place of SQLite's.
``--figures FILE`` also writes every figure as JSON (bench/figures.py).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from figures import Figures

from task_orchestrator.core import db
from task_orchestrator.core.enums import Status
from task_orchestrator.core.errors import StoreBusy, VersionConflict
from task_orchestrator.core.models import NewTask, TaskFilter
from task_orchestrator.core.store import TaskStore


def worker(db_path: str, counter_id: str, ws_id: str, ops: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    done = {"increments": 0, "created": 0, "conflicts": 0, "locked_errors": 0, "ops": 0}
    store = TaskStore.open(db_path)
    mine: list[str] = []
    try:
        for _ in range(ops):
            kind = rng.random()
            try:
                if kind < 0.4:
                    while True:
                        task = store.get_task(counter_id)
                        value = int(task.context.get("n", 0)) + 1
                        try:
                            store.update_task(
                                counter_id, expected_version=task.version, context={"n": value}
                            )
                            break
                        except VersionConflict:
                            done["conflicts"] += 1
                    done["increments"] += 1
                elif kind < 0.6:
                    (t,) = store.create_tree(ws_id, NewTask(f"w{seed} task {done['created']}"))
                    mine.append(t.id)
                    done["created"] += 1
                elif kind < 0.75 and mine:
                    store.set_status(rng.choice(mine), Status.IN_PROGRESS)
                elif kind < 0.9:
                    store.query(TaskFilter(workspace_id=ws_id), limit=20)
                else:
                    store.counts_by_status(ws_id)
            except StoreBusy:
                done["locked_errors"] += 1
                continue
            except sqlite3.OperationalError as exc:  # a read, outside the store's writes
                if db.is_busy(exc):
                    done["locked_errors"] += 1
                    continue
                raise
            done["ops"] += 1
    finally:
        store.close()
    return done


def run(procs: int, ops: int, db_path: Path | str, folder: Path) -> dict[str, Any]:
    with TaskStore.open(db_path) as store:
        ws = store.workspace(folder)
        (counter,) = store.create_tree(ws.id, NewTask("shared counter", context={"n": 0}))
    start = time.perf_counter()
    with mp.get_context("spawn").Pool(procs) as pool:
        results = pool.starmap(
            worker, [(str(db_path), counter.id, ws.id, ops, seed) for seed in range(procs)]
        )
    seconds = time.perf_counter() - start
    with TaskStore.open(db_path) as store:
        final = int(store.get_task(counter.id).context["n"])
        created = store.conn.execute(
            "SELECT COUNT(*) FROM tasks WHERE title LIKE 'w% task %'"
        ).fetchone()[0]
        if store.engine == "sqlite":
            integrity = store.conn.execute("PRAGMA integrity_check").fetchone()[0]
        else:
            integrity = "; ".join(store.integrity_problems(full=True)) or "ok"
        engine = store.engine
    increments = sum(r["increments"] for r in results)
    return {
        "processes": procs,
        "operations": sum(r["ops"] for r in results),
        "seconds": round(seconds, 2),
        "increments_acknowledged": increments,
        "counter_final": final,
        "lost_updates": increments - final,
        "tasks_created": sum(r["created"] for r in results),
        "tasks_found": created,
        "version_conflicts_retried": sum(r["conflicts"] for r in results),
        "database_locked_errors": sum(r["locked_errors"] for r in results),
        "integrity_check": integrity,
        **({} if engine == "sqlite" else {"engine": engine}),
    }


# How bench/check compares each result. Every worker draws its operations from a Random
# seeded with its number, so how many increments and creations there are is the same in every
# run; how many conflicts they meet depends on how the scheduler interleaves them. The
# elapsed time of 8 processes on 2 cores measures the machine's load more than the store
# (1.4 s quiet, 5.5 s loaded in the same hour), so it is reported, not judged.
KINDS = {
    "operations": "exact",
    "seconds": "info",
    "increments_acknowledged": "exact",
    "counter_final": "exact",
    "lost_updates": "exact",
    "tasks_created": "exact",
    "tasks_found": "exact",
    "version_conflicts_retried": "info",
    "database_locked_errors": "exact",
    "integrity_check": "exact",
}


def figures(result: dict[str, Any], ok: bool) -> Figures:
    # A PostgreSQL run's figures under a key of their own, beside SQLite's (bench/run).
    figs = Figures("store_pg" if result.get("engine") == "postgres" else "store")
    at = f"procs={result['processes']},ops={result['ops_per_process']}"
    for key, kind in KINDS.items():
        value = result[key]
        if key == "seconds":
            figs.add("elapsed_ms", value * 1000, "ms", kind, at=at)
        else:
            figs.add(key, value, "", kind, at=at)
    figs.add("verdict", "OK" if ok else "FAILED", "", "exact", at=at)
    return figs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procs", type=int, default=8)
    parser.add_argument("--ops", type=int, default=500)
    parser.add_argument("--db", type=Path, help="store file (default: a temporary one)")
    parser.add_argument("--url", help="a PostgreSQL store instead: an existing database's URL")
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="postgres: on a throwaway PostgreSQL server (bench/pgtemp.py)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.url:
            result = run(args.procs, args.ops, args.url, Path(tmp))
        elif args.engine == "postgres":
            import pgtemp

            with pgtemp.Server(fast=False) as server:
                url = server.create_database("concurrency")
                result = run(args.procs, args.ops, url, Path(tmp))
        else:
            db_path = args.db or Path(tmp) / "tasks.db"
            result = run(args.procs, args.ops, db_path, db_path.parent)
    ok = (
        result["lost_updates"] == 0
        and result["tasks_created"] == result["tasks_found"]
        and result["database_locked_errors"] == 0
        and result["integrity_check"] == "ok"
    )
    if args.json:
        print(json.dumps({**result, "ok": ok}))
    elif args.markdown:
        print("| figure | value |\n|---|---|")
        for key, value in result.items():
            print(f"| {key.replace('_', ' ')} | {value} |")
        print(f"| verdict | {'OK' if ok else 'FAILED'} |")
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
        print("OK" if ok else "FAILED")
    figures({**result, "ops_per_process": args.ops}, ok).write(args.figures)
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
