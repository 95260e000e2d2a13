"""Benchmark: what each standard module the hook path avoids (or uses) would cost a hook.

    python bench/bench_imports.py [--runs 40] [--figures FILE]

A hook is a whole process: ``python -I -c ...`` with ``_sqlite3`` and ``os`` loaded before
any of our modules decide anything. Each case is that process plus one import, timed as a
whole process, interleaved with the bare process so that load on the machine hits both;
the figure is the difference of the medians. The start-up tricks of the hook path stand on
these numbers (docs/ARCHITECTURE.md, "The hook path"): a trick stays only where what it
avoids costs at least 2 ms.

``enum`` is measured from the bare base (it is what the store hooks load now); ``re``,
``json``, ``typing`` and ``dataclasses`` both from the bare base and with ``enum`` already
loaded, because ``re`` loads ``enum`` itself. ``re (question)`` is what the regular
expressions of the classifier would cost a question's UserPromptSubmit, which loads nothing
of the core: importing ``re`` and compiling the three patterns the scanners stand in for.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from figures import Figures, slug

BASE = "import _sqlite3, os, sys"
PATTERNS = (
    'import re; re.compile(r"[a-z0-9][a-z0-9\'_-]*"); '
    "re.compile(r'^\\s*(?:[-*\\u2022]|\\d+[.)])\\s+\\S', re.M); "
    "re.compile(r'[.!?]+(?:\\s+|$)|\\n+')"
)
CASES = {
    "enum": (BASE, "import enum"),
    "re": (BASE, "import re"),
    "re (question)": (BASE, PATTERNS),
    "re (enum loaded)": (BASE + "; import enum", "import re"),
    "json": (BASE, "import json"),
    "json (enum loaded)": (BASE + "; import enum", "import json"),
    "typing": (BASE, "import typing"),
    "typing (enum loaded)": (BASE + "; import enum", "import typing"),
    "dataclasses": (BASE, "import dataclasses"),
    "pathlib": (BASE, "import pathlib"),
    "logging": (BASE, "import logging"),
}
THRESHOLD_MS = 2.0


def timed(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-c", code], check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    bases = sorted({base for base, _ in CASES.values()})
    base_times: dict[str, list[float]] = {b: [] for b in bases}
    times: dict[str, list[float]] = {label: [] for label in CASES}
    for _ in range(args.runs):
        for base in bases:
            base_times[base].append(timed(base))
        for label, (base, extra) in CASES.items():
            times[label].append(timed(f"{base}; {extra}"))
    figs = Figures("imports")
    floor = statistics.median(base_times[BASE])
    figs.add("base.median_ms", floor * 1000, "ms", "time")
    print(
        f'\n{args.runs} runs each; the base process (`python -I -c "{BASE}"`) median '
        f"{floor * 1000:.1f} ms\n"
    )
    print("| import | costs a hook (ms, median difference) | a trick avoiding it pays (>= 2 ms) |")
    print("|---|---:|---|")
    for label, (base, _) in CASES.items():
        cost = (statistics.median(times[label]) - statistics.median(base_times[base])) * 1000
        figs.add(f"{slug(label)}.cost_ms", cost, "ms", "info")
        print(f"| {label} | {cost:.1f} | {'yes' if cost >= THRESHOLD_MS else 'no'} |")
    figs.write(args.figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
