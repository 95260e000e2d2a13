"""Figures: the numbers a bench script prints, also as JSON for bench/run and bench/check.

A figure is one measured value with a unit and a kind, under a stable key. The key names the
section, what was measured and, after ``@``, the size it was measured at
(``server.get_status.median_ms@tasks=10000``), so a quick run compares with a full run on
exactly the figures both measured at the same size, and on nothing else.

The kind says how bench/check compares a fresh value with a committed one (bench/drift.py
holds the rules):

- ``ratio``: a ratio to a floor measured in the same run (a hook over ``python -c pass``);
- ``time``: milliseconds;
- ``size``: bytes, MiB or characters;
- ``exact``: a count or a verdict that must be equal in every run (lost updates = 0);
- ``info``: reported, never compared: tails (p95), sample counts, and counts that depend on
  how the scheduler interleaved processes; they vary too much between runs to judge.

``budget``, where one is set (docs/ARCHITECTURE.md, "The hook path", or
the bench script itself), is the upper bound the value must stay under.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

KINDS = ("ratio", "time", "size", "exact", "info")
Value = float | int | str


@dataclass(frozen=True)
class Figure:
    value: Value
    unit: str
    kind: str
    budget: float | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.budget is None:
            del data["budget"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        kind = data["kind"]
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        return cls(data["value"], data["unit"], kind, data.get("budget"))


class Figures:
    """The figures of one section (one bench script), keyed ``SECTION.NAME[@SIZE]``."""

    def __init__(self, section: str) -> None:
        self.section = section
        self.items: dict[str, Figure] = {}

    def add(
        self,
        name: str,
        value: Value,
        unit: str,
        kind: str,
        *,
        at: str = "",
        budget: float | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        key = f"{self.section}.{name}" + (f"@{at}" if at else "")
        if key in self.items:
            # Two rows that slug to one key would hide each other in bench/check.
            raise ValueError(f"figure {key} recorded twice")
        if isinstance(value, float):
            value = round(value, 3)
        self.items[key] = Figure(value, unit, kind, budget)

    def write(self, path: Path | None) -> None:
        """Write the figures to ``path`` as one JSON object (nothing when ``path`` is None)."""
        if path is not None:
            path.write_text(dumps(self.items) + "\n", encoding="utf-8")


def slug(label: str) -> str:
    """A key part from a table label: ``SessionStart (startup)`` -> ``sessionstart_startup``."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def tasks(n: int) -> str:
    """The ``@`` part of a key for a store of ``n`` tasks."""
    return f"tasks={n}"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def json_lines(obj: dict[str, Any], indent: str = "") -> str:
    """A JSON object with one member per line, so a diff of two runs reads line by line."""
    lines = [f"{indent} {json.dumps(k)}: {json.dumps(v)}" for k, v in obj.items()]
    return "{\n" + ",\n".join(lines) + f"\n{indent}}}" if lines else "{}"


def dumps(figures: dict[str, Figure], indent: str = "") -> str:
    return json_lines({k: f.to_json() for k, f in figures.items()}, indent)


def parse(data: dict[str, Any]) -> dict[str, Figure]:
    return {key: Figure.from_json(item) for key, item in data.items()}


def load(path: Path) -> dict[str, Figure]:
    """The figures a bench script wrote with ``--figures``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object of figures")
    return parse(data)
