"""Benchmark: a team server's hook endpoint, one member posting real sessions in order.

    python bench/bench_team_endpoint.py [--sessions 20] [--figures FILE]

A throwaway PostgreSQL server (bench/pgtemp.py) holds a team with one member; a real
``task-orchestrator serve --transport streamable-http`` process serves it (hook_rate raised
so that the bucket never answers 429). Claude Code 2.1.332's recorded session (the events
our hooks handle, tests/hooks/data) is posted event by event, each session under its own
session id, and the wall time of each POST is taken: median, 95th percentile, maximum and
events per second for one client posting one event at a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

import pgtemp
import teamserver
from figures import Figures

ROOT = Path(__file__).resolve().parents[1]
SESSION = ROOT / "tests" / "hooks" / "data" / "claude-code-2.1.332-hooks" / "all.jsonl"


def events() -> list[tuple[str, dict[str, object]]]:
    from task_orchestrator.hooks.events import HANDLERS

    out = []
    for line in SESSION.read_text(encoding="utf-8").splitlines():
        payload = json.loads(line)
        if payload.get("hook_event_name") in HANDLERS:
            out.append((str(payload["hook_event_name"]), payload))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    from task_orchestrator.core.store import TaskStore

    server = pgtemp.Server()
    server.start()
    with tempfile.TemporaryDirectory() as home:
        try:
            url = server.create_database("bench_team")
            with TaskStore.open(url) as store:
                store.init_team("bench")
                _, token = store.add_member("bob")
            config = Path(home, "config")
            config.mkdir()
            (config / "config.toml").write_text("[team]\nhook_rate = 10000\n")
            team = teamserver.start(
                Path(home, "server.log"),
                {"TASK_ORCHESTRATOR_HOME": home, "TASK_ORCHESTRATOR_STORE_URL": url},
            )
            try:
                port = int(team.base.rpartition(":")[2])
                times, total = _post(port, token, events(), args.sessions)
            finally:
                team.stop()
        finally:
            server.stop()
    times.sort()
    median, p95 = statistics.median(times), times[int(len(times) * 0.95)]
    rate = len(times) / total
    print(
        f"{len(times)} events ({args.sessions} sessions of Claude Code 2.1.332's recorded "
        "events), each POSTed by one client after the last was answered\n"
    )
    print("| POST /hooks/EVENT | median ms | p95 ms | max ms | events/s |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| one member | {median * 1000:.1f} | {p95 * 1000:.1f} | {times[-1] * 1000:.1f} | {rate:.0f} |"
    )
    figs = Figures("team_endpoint")
    figs.add("post.median_ms", median * 1000, "ms", "time")
    figs.add("post.p95_ms", p95 * 1000, "ms", "info")
    figs.add("post.events_per_s", rate, "1/s", "info")
    figs.add("events", len(times), "events", "exact", at=f"sessions={args.sessions}")
    figs.write(args.figures)


def _post(
    port: int, token: str, session: list[tuple[str, dict[str, object]]], sessions: int
) -> tuple[list[float], float]:
    times = []
    start = time.perf_counter()
    for n in range(sessions):
        for name, payload in session:
            body = json.dumps({**payload, "session_id": f"bench-{n}"}).encode()
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/hooks/{name}",
                data=body,
                method="POST",
                headers={
                    "Authorization": f"Bearer {token}",
                    "X-Task-Orchestrator-Machine": "bench",
                    "Content-Type": "application/json",
                },
            )
            began = time.perf_counter()
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
            times.append(time.perf_counter() - began)
    return times, time.perf_counter() - start


if __name__ == "__main__":
    main()
