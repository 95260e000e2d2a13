"""bench/check: does a fresh benchmark run agree with the committed BENCHMARKS.json?

    .venv/bin/python bench/run --quick --out /tmp/bench
    .venv/bin/python bench/check /tmp/bench/BENCHMARKS.json [--against BENCHMARKS.json]

It compares the figures both runs have (a quick run measures a subset of the full run's
sizes, bench/figures.py), prints one row per figure (key, committed, fresh, fresh/committed,
verdict), and exits 1 only on a gross difference, an exact figure that differs, a broken
budget, or committed files that cannot be trusted: BENCHMARKS.json missing, or not from the
same run as the BENCHMARKS.md beside it (both name the run id and the figure count).
Drift is reported and exits 0: these machines are shared, and a quick run on a loaded
2-core machine is expected to wander.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figures import Figure, parse

ROOT = Path(__file__).resolve().parents[1]

# kind: (largest factor that is noise, largest factor that is drift); beyond it is gross.
# The factor is max(fresh/committed, committed/fresh): slower and faster count alike,
# because a committed figure 3x off in either direction no longer describes the code.
FACTORS = {"ratio": (1.5, 3.0), "time": (1.5, 3.0), "size": (1.25, 2.0)}
# Two timings closer than this are the same (timer and scheduler jitter at 1-2 ms).
TIME_SLACK_MS = 2.0
# A timing is gross only when it also moved by more than this: 3 ms -> 10 ms is drift.
GROSS_MIN_MS = 10.0
# A budget breaks when a value exceeds it by more than the noise factor; a value over its
# budget by less than that is reported, since one loaded run can put it there.
BUDGET_SLACK = 1.5

RULES = f"""noise rules (f = fresh, c = committed, factor = max(f/c, c/f)):
  ratio, time  factor <= {FACTORS["ratio"][0]}: within noise; <= {FACTORS["ratio"][1]}: drift \
(reported, exit 0); beyond: gross (exit 1)
  time         |f - c| <= {TIME_SLACK_MS:g} ms is within noise whatever the factor; gross also \
needs |f - c| > {GROSS_MIN_MS:g} ms
  size         factor <= {FACTORS["size"][0]}: within noise; <= {FACTORS["size"][1]}: drift; \
beyond: gross
  exact        must be equal (lost updates, integrity, deterministic counts)
  info         not compared (p95 tails, sample counts, scheduling-dependent counts)
  budget       a value (fresh or committed) over budget x {BUDGET_SLACK} fails; over budget \
but within that is reported"""


@dataclass(frozen=True)
class Row:
    key: str
    committed: Figure
    fresh: Figure
    verdict: str
    failed: bool

    @property
    def factor(self) -> float | None:
        c, f = self.committed.value, self.fresh.value
        if self.committed.kind == "exact" or isinstance(c, str) or isinstance(f, str):
            return None
        return f / c if c else (1.0 if f == c else math.inf)


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    only_committed: list[str] = field(default_factory=list)
    only_fresh: list[str] = field(default_factory=list)
    not_compared: int = 0
    problems: list[str] = field(default_factory=list)  # each one fails the check
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(r.failed for r in self.rows)


def level(kind: str, c: float, f: float) -> str:
    """``noise``, ``drift`` or ``gross`` for two values of a ratio, time or size figure."""
    if kind == "time" and abs(f - c) <= TIME_SLACK_MS:
        return "noise"
    # Zero only turns up in exact counts, but a zero here must not divide.
    positive = c > 0 and f > 0
    spread = max(f / c, c / f) if positive else (1.0 if c == f else math.inf)
    noise, drift = FACTORS[kind]
    if spread <= noise:
        return "noise"
    if spread <= drift or (kind == "time" and abs(f - c) <= GROSS_MIN_MS):
        return "drift"
    return "gross"


def over_budget(value: float, budget: float | None) -> str:
    """``""``, ``over`` (within the slack) or ``broken``."""
    if budget is None or value <= budget:
        return ""
    return "broken" if value > budget * BUDGET_SLACK else "over"


def judge(key: str, c: Figure, f: Figure) -> Row:
    if (c.kind, c.unit) != (f.kind, f.unit):
        why = f"changed from {c.kind} in {c.unit or '-'} to {f.kind} in {f.unit or '-'}"
        return Row(key, c, f, why, True)
    if c.kind == "exact":
        same = c.value == f.value
        return Row(key, c, f, "equal" if same else "MISMATCH (must be equal)", not same)
    cv, fv = c.value, f.value
    if isinstance(cv, str) or isinstance(fv, str):
        return Row(key, c, f, "not a number", True)
    lvl = level(c.kind, float(cv), float(fv))
    words = {"noise": "within noise", "drift": "drift", "gross": "GROSS"}[lvl]
    failed = lvl == "gross"
    for who, value, budget in (("fresh", fv, f.budget), ("committed", cv, c.budget)):
        state = over_budget(float(value), budget)
        if state == "broken":
            words += f"; {who} BREAKS budget {budget:g}"
            failed = True
        elif state == "over":
            words += f"; {who} over budget {budget:g} (within x{BUDGET_SLACK})"
    return Row(key, c, f, words, failed)


def compare(committed: dict[str, Figure], fresh: dict[str, Figure]) -> Report:
    report = Report()
    for key, f in fresh.items():
        c = committed.get(key)
        if c is None:
            report.only_fresh.append(key)
        elif c.kind == "info" and f.kind == "info":
            report.not_compared += 1
        else:
            report.rows.append(judge(key, c, f))
    report.only_committed = [k for k in committed if k not in fresh]
    if not report.rows and not report.not_compared:
        report.problems.append(
            "the fresh run shares no figure with the committed one: nothing was compared"
        )
    return report


# The line bench/run writes into BENCHMARKS.md (bench/suite.py, markdown()).
RUN_LINE = re.compile(r"^Run `([^`]+)`, (\d+) figures", re.M)


def read_run(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("figures"), dict):
        raise ValueError(f"{path} is not a BENCHMARKS.json written by bench/run")
    return data


def committed_run(json_path: Path, md_path: Path, problems: list[str]) -> dict[str, Any] | None:
    """The committed run, after checking BENCHMARKS.md and BENCHMARKS.json belong together."""
    if not json_path.exists():
        problems.append(
            f"no committed figures at {json_path}: run the full `bench/run` and commit "
            "BENCHMARKS.md and BENCHMARKS.json together"
        )
        return None
    run = read_run(json_path)
    count = len(run["figures"])
    if run.get("figure_count") != count:
        problems.append(
            f"{json_path.name} says {run.get('figure_count')} figures but holds {count}: "
            "edited by hand?"
        )
    if not md_path.exists():
        problems.append(f"no {md_path} beside {json_path.name}: they are committed together")
        return run
    found = RUN_LINE.search(md_path.read_text(encoding="utf-8"))
    if found is None:
        problems.append(f"{md_path.name} names no run id: it was not written by this bench/run")
    elif (found[1], int(found[2])) != (run.get("run_id"), count):
        problems.append(
            f"{md_path.name} is from run {found[1]} ({found[2]} figures) but {json_path.name} "
            f"from run {run.get('run_id')} ({count} figures): commit both from the same "
            "bench/run"
        )
    return run


def check(fresh_path: Path, json_path: Path, md_path: Path) -> tuple[Report, dict[str, Any]]:
    """Compare; the second value describes both runs for the header."""
    problems: list[str] = []
    committed = committed_run(json_path, md_path, problems)
    fresh = read_run(fresh_path)
    info = {"fresh": fresh, "committed": committed}
    if committed is None:
        return Report(problems=problems), info
    report = compare(parse(committed["figures"]), parse(fresh["figures"]))
    report.problems[:0] = problems
    for name, run in (("committed", committed), ("fresh", fresh)):
        failed = [n for n, s in run.get("sections", {}).items() if s.get("status") == "failed"]
        if failed:
            report.problems.append(f"sections failed in the {name} run: {', '.join(failed)}")
    if committed.get("quick"):
        report.notes.append("the committed figures come from a quick run, not a full one")
    if report.only_fresh:
        report.notes.append(
            f"{len(report.only_fresh)} fresh figures are not in the committed file (a section "
            f"skipped there, or the file predates them), e.g. {report.only_fresh[0]}"
        )
    return report, info


def show(value: Any, unit: str) -> str:
    if isinstance(value, float):
        value = f"{value:.4g}"
    return f"{value} {unit}".strip()


def render(report: Report) -> str:
    header = ("figure", "committed", "fresh", "fresh/committed", "verdict")
    cells = [header]
    for r in report.rows:
        factor = r.factor
        cells.append(
            (
                r.key,
                show(r.committed.value, r.committed.unit),
                show(r.fresh.value, r.fresh.unit),
                "-" if factor is None else f"{factor:.2f}",
                r.verdict,
            )
        )
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in cells
    )


def summary(report: Report) -> str:
    counts: dict[str, int] = {}
    for r in report.rows:
        word = r.verdict.split(";")[0].split(" (")[0]
        counts[word] = counts.get(word, 0) + 1
    parts = [f"{n} {word}" for word, n in sorted(counts.items())]
    return (
        f"{len(report.rows)} figures compared ({', '.join(parts) or 'none'}); "
        f"{report.not_compared} info figures not compared; "
        f"{len(report.only_committed)} committed figures not measured in this run"
    )


def describe(run: dict[str, Any] | None, path: Path) -> str:
    if run is None:
        return f"{path} (missing)"
    kind = "quick" if run.get("quick") else "full"
    return f"{path}: run {run.get('run_id')} ({kind}, {run.get('date')}, {run.get('machine')})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/check",
        description=__doc__,
        epilog=RULES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("fresh", type=Path, metavar="FRESH.json", help="from bench/run --out")
    parser.add_argument(
        "--against",
        type=Path,
        default=ROOT / "BENCHMARKS.json",
        metavar="BENCHMARKS.json",
        help="the committed figures (default: the project's)",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="BENCHMARKS.md",
        help="the Markdown of the committed run (default: BENCHMARKS.md beside --against)",
    )
    args = parser.parse_args(argv)
    if not args.fresh.exists():
        parser.error(f"no fresh figures at {args.fresh}: run bench/run --out DIR first")
    md_path = args.markdown or args.against.with_name("BENCHMARKS.md")
    try:
        report, info = check(args.fresh, args.against, md_path)
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        print(f"bench/check: unreadable figures: {exc}", file=sys.stderr)
        return 1
    print(f"committed: {describe(info['committed'], args.against)}")
    print(f"fresh:     {describe(info['fresh'], args.fresh)}\n")
    if report.rows:
        print(render(report) + "\n")
    if info["committed"] is not None:
        print(summary(report))
    for note in report.notes:
        print(f"note: {note}")
    for problem in report.problems:
        print(f"FAILED: {problem}")
    bad = [r for r in report.rows if r.failed]
    for r in bad:
        print(f"FAILED: {r.key}: {r.verdict}")
    if report.failed:
        print("bench/check: FAILED (see above; the rules are in bench/check --help)")
        return 1
    print("bench/check: the fresh run matches the committed figures within noise")
    return 0
