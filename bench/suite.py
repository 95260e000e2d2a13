"""Runs every benchmark and writes BENCHMARKS.md and BENCHMARKS.json from the same run.

    .venv/bin/python bench/run                          # the full run (100,000-task stores)
    .venv/bin/python bench/run --quick --out /tmp/b     # the reduced run CI does
    .venv/bin/python bench/run --skip reference         # without the 12-minute reference run

Each section is one script in bench/ run as a whole process: its stdout (a Markdown table)
goes into BENCHMARKS.md as it is, and the figures it writes with --figures go into
BENCHMARKS.json, so every figure in either file came from this one command. Both files carry
the same run id; bench/check refuses a pair that does not. Quick sizes are a subset of the
full ones, so a quick run shares figure keys with a full run (bench/figures.py).
Progress goes to stderr; --json prints a summary on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from figures import Figure, dumps, json_lines, load

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


@dataclass(frozen=True)
class Section:
    name: str  # for --skip; also the first part of its figure keys
    title: str
    script: str
    full: list[str]
    quick: list[str]


SECTIONS = (
    Section(
        "store",
        "Store: 8 processes of read-modify-write at once",
        "store_concurrency.py",
        ["--procs", "8", "--ops", "500", "--markdown"],
        ["--procs", "8", "--ops", "500", "--markdown"],
    ),
    # The team store: the same workers on a throwaway PostgreSQL server (bench/pgtemp.py,
    # which needs PostgreSQL's binaries: scripts/install-postgres). Quick = full (about 15 s),
    # so that a quick run checks the exact figures (no lost update) against a full one.
    Section(
        "store_pg",
        "Store on PostgreSQL: 8 processes of read-modify-write at once",
        "store_concurrency.py",
        ["--engine", "postgres", "--procs", "8", "--ops", "500", "--markdown"],
        ["--engine", "postgres", "--procs", "8", "--ops", "500", "--markdown"],
    ),
    Section(
        "server",
        "Server over stdio: spawn, then plan, query and status at each store size",
        "bench_server.py",
        ["--sizes", "1000,10000,100000"],
        ["--sizes", "1000,10000", "--rounds", "20", "--spawns", "5"],
    ),
    Section(
        "server_pg",
        "Server over stdio on PostgreSQL: the same calls, the store on a throwaway server",
        "bench_server.py",
        ["--engine", "postgres", "--sizes", "1000,10000,100000"],
        ["--engine", "postgres", "--sizes", "1000,10000", "--rounds", "20", "--spawns", "5"],
    ),
    Section(
        "hooks",
        "Claude Code hooks, each a whole process, store of 10,000 tasks",
        "bench_hooks.py",
        ["--tasks", "10000", "--runs", "30"],
        ["--tasks", "10000", "--runs", "21"],
    ),
    Section("hooks_team", "Member hooks posting to a team server", "bench_hooks_team.py", [], []),
    Section(
        "team_endpoint",
        "A team server's hook endpoint: one member's recorded sessions posted in order",
        "bench_team_endpoint.py",
        ["--sessions", "20"],
        ["--sessions", "5"],
    ),
    Section(
        "git",
        "Hooks that meet git, in a repository of 10,000 commits (git fast-import)",
        "bench_git.py",
        ["--commits", "10000", "--runs", "30"],
        ["--commits", "10000", "--runs", "15"],
    ),
    Section(
        "plugin",
        "Hooks through the Claude Code plugin's launcher, beside the same hooks run directly",
        "bench_plugin.py",
        ["--runs", "30"],
        ["--runs", "11"],
    ),
    Section(
        "imports",
        "Start-up: what each standard module would cost a hook (the tricks' evidence)",
        "bench_imports.py",
        ["--runs", "40"],
        ["--runs", "15"],
    ),
    Section(
        "classify",
        "Auto-plan classifier: precision and recall per language (tuning and held-out sets)",
        "bench_classify.py",
        [],
        [],
    ),
    Section(
        "tools_size",
        "What the tools cost a model's context: tools/list per [server] tools setting",
        "bench_tools_size.py",
        [],
        [],
    ),
    Section(
        "board",
        "The board in headless Chromium: first load and live update at each store size",
        "bench_board.py",
        ["--sizes", "1000,10000", "--runs", "15"],
        ["--sizes", "1000,10000", "--runs", "5"],
    ),
    Section(
        "packaging",
        "Packaging: start-up of each shipped form (needs dist/ from packaging/build.py)",
        "bench_packaging.py",
        [],
        ["--runs", "11"],
    ),
    Section(
        "reference",
        "Server beside the reference implementation",
        "compare_reference.py",
        ["--sizes", "1000,10000,100000"],
        ["--sizes", "1000", "--runs", "3", "--calls", "10"],
    ),
)
NAMES = [s.name for s in SECTIONS]


@dataclass
class Outcome:
    section: Section
    argv: list[str]  # the script's arguments, without --figures
    status: str  # ok | failed | skipped
    seconds: float = 0.0
    stdout: str = ""
    error: str = ""
    figures: int = 0

    @property
    def command(self) -> str:
        return command_line(self.section, self.argv)


def command_line(section: Section, argv: list[str]) -> str:
    return " ".join(["python", f"bench/{section.script}", *argv])


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_section(
    section: Section, argv: list[str], scratch: Path
) -> tuple[Outcome, dict[str, Figure]]:
    out_file = scratch / f"{section.name}.json"
    cmd = [sys.executable, str(BENCH / section.script), *argv, "--figures", str(out_file)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    outcome = Outcome(section, argv, "ok", time.perf_counter() - start, proc.stdout.strip())
    # A script that found a fault (store_concurrency: a lost update) still writes its
    # figures before it exits 1; they go into the file, where bench/check sees them.
    figures: dict[str, Figure] = {}
    try:
        figures = load(out_file) if out_file.exists() else {}
    except ValueError as exc:  # a script that died while writing them
        outcome.status, outcome.error = "failed", f"unreadable figures: {exc}"
    outcome.figures = len(figures)
    if proc.returncode != 0:
        outcome.status = "failed"
        outcome.error = f"exit {proc.returncode}: {proc.stderr.strip()[-500:]}"
    return outcome, figures


def markdown(meta: dict[str, Any], outcomes: list[Outcome]) -> str:
    parts = [
        "# Benchmarks",
        "",
        f"Written by `.venv/bin/python {meta['command']}` on {meta['date']}.",
        f"Machine: {meta['machine']}.",
        "Every figure is a whole-process measurement taken in this one run; ratios compare",
        "against a floor measured in the same run, because these machines are shared and noisy.",
        f"Run `{meta['run_id']}`, {meta['figure_count']} figures: the same run wrote them to",
        "BENCHMARKS.json, which `bench/check` compares a fresh run with.",
    ]
    for o in outcomes:
        parts += ["", f"## {o.section.title}", ""]
        if o.status == "skipped":
            parts.append(f"Skipped (`--skip {o.section.name}`).")
            continue
        parts += [f"`{o.command}` ({o.seconds:.0f} s)", ""]
        if o.status == "failed":
            parts.append(f"FAILED ({o.error})")
        parts.append(o.stdout)
    return "\n".join(parts) + "\n"


def run_json(meta: dict[str, Any], sections: dict[str, Any], figures: dict[str, Figure]) -> str:
    """BENCHMARKS.json: the run's metadata, then one line per section and per figure."""
    members = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in meta.items()]
    members.append(' "sections": ' + json_lines(sections, " "))
    members.append(' "figures": ' + dumps(figures, " "))
    return "{\n" + ",\n".join(members) + "\n}\n"


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description=__doc__,
        epilog=f"Sections, in order: {', '.join(NAMES)}.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="reduced sizes, as CI runs it")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT,
        metavar="DIR",
        help="where to write BENCHMARKS.md and BENCHMARKS.json (default: the project root)",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="SECTION",
        help="leave a section out (repeat, or separate with commas), e.g. --skip reference",
    )
    parser.add_argument("--json", action="store_true", help="print a summary as JSON on stdout")
    args = parser.parse_args(argv)
    args.skip = {name for value in args.skip for name in value.split(",") if name}
    unknown = args.skip - set(NAMES)
    if unknown:
        parser.error(f"unknown section {', '.join(sorted(unknown))} (one of {', '.join(NAMES)})")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    now = datetime.now(timezone.utc)
    command = "bench/run" + (" --quick" if args.quick else "")
    command += "".join(f" --skip {name}" for name in NAMES if name in args.skip)
    if "reference" not in args.skip:
        progress("== installing the reference implementation (bench/reference-venv.sh)")
        # The reference needs mcp<2, so it gets a venv of its own; stdout stays ours (--json).
        ref = subprocess.run(
            ["bash", str(BENCH / "reference-venv.sh")], cwd=ROOT, stdout=sys.stderr, check=False
        )
        if ref.returncode != 0:
            progress("could not install the reference implementation; its column says so")
    outcomes: list[Outcome] = []
    figures: dict[str, Figure] = {}
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        for n, section in enumerate(SECTIONS, 1):
            argv_ = section.quick if args.quick else section.full
            if section.name in args.skip:
                progress(f"[{n}/{len(SECTIONS)}] {section.name}: skipped")
                outcomes.append(Outcome(section, argv_, "skipped"))
                continue
            progress(f"[{n}/{len(SECTIONS)}] {section.name}: {command_line(section, argv_)}")
            outcome, found = run_section(section, argv_, Path(tmp))
            outcomes.append(outcome)
            figures.update(found)
            state = "ok" if outcome.status == "ok" else f"FAILED ({outcome.error})"
            progress(f"    {state} in {outcome.seconds:.0f} s, {outcome.figures} figures")
    meta: dict[str, Any] = {
        "run_id": f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}",
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "quick": args.quick,
        "machine": machine(),
        "figure_count": len(figures),
    }
    sections = {
        o.section.name: {
            "status": o.status,
            "command": o.command,
            "seconds": round(o.seconds, 1),
            "figures": o.figures,
        }
        for o in outcomes
    }
    args.out.mkdir(parents=True, exist_ok=True)
    md_path, json_path = args.out / "BENCHMARKS.md", args.out / "BENCHMARKS.json"
    write_atomic(json_path, run_json(meta, sections, figures))
    write_atomic(md_path, markdown(meta, outcomes))
    took = time.perf_counter() - began
    failed = [o.section.name for o in outcomes if o.status == "failed"]
    progress(
        f"wrote {md_path} and {json_path}: run {meta['run_id']}, {len(figures)} figures, "
        f"{took:.0f} s" + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    if args.json:
        summary = {
            **meta,
            "seconds": round(took, 1),
            "files": [str(md_path), str(json_path)],
            "sections": sections,
            "failed": failed,
        }
        print(json.dumps(summary, indent=2))
    return 1 if failed else 0
