"""bench/check: the noise rules, and the committed pair of files it refuses to trust.

The files are written with bench/run's own writers (bench/suite.py), so a change to the line
BENCHMARKS.md carries for bench/check shows up here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# bench/ is a folder of scripts, not a package: its modules import each other by name.
sys.path.insert(0, str(ROOT / "bench"))

import drift  # noqa: E402
import suite  # noqa: E402
from figures import Figure, parse  # noqa: E402


def fig(value: float | int | str, kind: str = "time", budget: float | None = None) -> Figure:
    unit = {"time": "ms", "ratio": "x", "size": "MiB"}.get(kind, "")
    return Figure(value, unit, kind, budget)


def write_run(
    folder: Path,
    figures: dict[str, Figure],
    run_id: str = "run-1",
    *,
    quick: bool = False,
    sections: dict[str, Any] | None = None,
) -> Path:
    """BENCHMARKS.json and BENCHMARKS.md in ``folder``, as bench/run writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "run_id": run_id,
        "date": "2026-11-29 06:00 UTC",
        "command": "bench/run" + (" --quick" if quick else ""),
        "quick": quick,
        "machine": "test machine",
        "figure_count": len(figures),
    }
    (folder / "BENCHMARKS.json").write_text(
        suite.run_json(meta, sections or {}, figures), encoding="utf-8"
    )
    (folder / "BENCHMARKS.md").write_text(suite.markdown(meta, []), encoding="utf-8")
    return folder / "BENCHMARKS.json"


def run_check(fresh: Path, committed: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "check"), str(fresh), "--against", str(committed)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("kind", "committed", "fresh", "expected"),
    [
        ("ratio", 2.0, 2.9, "noise"),
        ("ratio", 2.0, 3.2, "drift"),
        ("ratio", 2.0, 6.5, "gross"),
        ("ratio", 2.0, 0.6, "gross"),  # faster counts too: the committed figure is stale
        ("time", 1.0, 2.9, "noise"),  # within 2 ms whatever the factor
        ("time", 3.0, 12.0, "drift"),  # 4x, but 9 ms is not gross
        ("time", 40.0, 80.0, "drift"),
        ("time", 40.0, 130.0, "gross"),
        ("size", 100.0, 120.0, "noise"),
        ("size", 100.0, 150.0, "drift"),
        ("size", 100.0, 250.0, "gross"),
    ],
)
def test_noise_drift_gross(kind: str, committed: float, fresh: float, expected: str) -> None:
    assert drift.level(kind, committed, fresh) == expected
    row = drift.judge("k", fig(committed, kind), fig(fresh, kind))
    assert row.failed == (expected == "gross")


def test_exact_figures_must_be_equal() -> None:
    assert not drift.judge("ok", fig("ok", "exact"), fig("ok", "exact")).failed
    row = drift.judge("lost", fig(0, "exact"), fig(1, "exact"))
    assert row.failed and "MISMATCH" in row.verdict


def test_a_budget_breaks_only_beyond_its_noise() -> None:
    within = drift.judge("hook", fig(2.4, "ratio", 2.5), fig(3.0, "ratio", 2.5))
    assert not within.failed and "fresh over budget 2.5" in within.verdict
    broken = drift.judge("hook", fig(2.4, "ratio", 2.5), fig(4.0, "ratio", 2.5))
    assert broken.failed and "fresh BREAKS budget 2.5" in broken.verdict
    committed = drift.judge("hook", fig(4.0, "ratio", 2.5), fig(3.5, "ratio", 2.5))
    assert committed.failed and "committed BREAKS" in committed.verdict


def test_only_shared_keys_are_compared() -> None:
    committed = {
        "server.get_status.median_ms@tasks=1000": fig(4.0),
        "server.get_status.median_ms@tasks=100000": fig(12.0),
        "hooks.stop.p95_ms@tasks=10000": fig(40.0, "info"),
    }
    fresh = {
        "server.get_status.median_ms@tasks=1000": fig(5.0),
        "hooks.stop.p95_ms@tasks=10000": fig(400.0, "info"),  # never judged
        "server.new_tool.median_ms@tasks=1000": fig(1.0),
    }
    report = drift.compare(committed, fresh)
    assert [r.key for r in report.rows] == ["server.get_status.median_ms@tasks=1000"]
    assert report.only_committed == ["server.get_status.median_ms@tasks=100000"]
    assert report.only_fresh == ["server.new_tool.median_ms@tasks=1000"]
    assert report.not_compared == 1
    assert not report.failed


def test_no_shared_key_fails() -> None:
    report = drift.compare({"a.x@tasks=1": fig(1.0)}, {"a.x@tasks=2": fig(1.0)})
    assert report.failed and "shares no figure" in report.problems[0]


def test_a_figure_whose_kind_changed_fails() -> None:
    assert drift.judge("k", fig(1.0, "time"), fig(1.0, "ratio")).failed


def test_pair_from_one_run_passes(tmp_path: Path) -> None:
    figures = {"hooks.stop.median_ratio@tasks=10000": fig(2.0, "ratio", 2.5)}
    committed = write_run(tmp_path / "committed", figures)
    fresh = write_run(tmp_path / "fresh", {**figures, "x.y": fig(1.0)}, "run-2", quick=True)
    report, _ = drift.check(fresh, committed, committed.with_name("BENCHMARKS.md"))
    assert not report.failed, report.problems


def test_markdown_from_another_run_fails(tmp_path: Path) -> None:
    figures = {"hooks.stop.median_ms@tasks=10000": fig(30.0)}
    committed = write_run(tmp_path / "committed", figures, "run-1")
    other = write_run(tmp_path / "other", figures, "run-9")
    report, _ = drift.check(committed, committed, other.with_name("BENCHMARKS.md"))
    assert report.failed and "from run run-9" in report.problems[0]


def test_figures_edited_by_hand_fail(tmp_path: Path) -> None:
    committed = write_run(tmp_path / "committed", {"a.b": fig(1.0), "a.c": fig(2.0)})
    data = json.loads(committed.read_text(encoding="utf-8"))
    del data["figures"]["a.c"]
    committed.write_text(json.dumps(data), encoding="utf-8")
    report, _ = drift.check(committed, committed, committed.with_name("BENCHMARKS.md"))
    assert any("edited by hand" in p for p in report.problems)


def test_a_run_with_a_failed_section_fails(tmp_path: Path) -> None:
    figures = {"store.lost_updates@procs=8,ops=500": fig(0, "exact")}
    committed = write_run(tmp_path / "committed", figures)
    failed = {"store": {"status": "failed"}, "hooks": {"status": "ok"}}
    fresh = write_run(tmp_path / "fresh", figures, "run-2", sections=failed)
    report, _ = drift.check(fresh, committed, committed.with_name("BENCHMARKS.md"))
    assert report.problems == ["sections failed in the fresh run: store"]


def test_check_command_within_noise_and_drift(tmp_path: Path) -> None:
    committed = write_run(
        tmp_path / "committed",
        {
            "hooks.stop.median_ms@tasks=10000": fig(30.0),
            "server.spawn.median_ms": fig(800.0),
            "store.lost_updates@procs=8,ops=500": fig(0, "exact"),
        },
    )
    fresh = write_run(
        tmp_path / "fresh",
        {
            "hooks.stop.median_ms@tasks=10000": fig(36.0),
            "server.spawn.median_ms": fig(1600.0),
            "store.lost_updates@procs=8,ops=500": fig(0, "exact"),
        },
        "run-2",
        quick=True,
    )
    out = run_check(fresh, committed)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "fresh/committed" in out.stdout and "within noise" in out.stdout
    assert "drift" in out.stdout and "matches the committed figures" in out.stdout


def test_check_command_fails_on_gross_drift_and_mismatch(tmp_path: Path) -> None:
    committed = write_run(
        tmp_path / "committed",
        {"hooks.stop.median_ms@tasks=10000": fig(30.0), "store.lost": fig(0, "exact")},
    )
    fresh = write_run(
        tmp_path / "fresh",
        {"hooks.stop.median_ms@tasks=10000": fig(150.0), "store.lost": fig(2, "exact")},
        "run-2",
    )
    out = run_check(fresh, committed)
    assert out.returncode == 1
    assert "FAILED: hooks.stop.median_ms@tasks=10000: GROSS" in out.stdout
    assert "FAILED: store.lost: MISMATCH" in out.stdout


def test_check_command_without_committed_figures(tmp_path: Path) -> None:
    fresh = write_run(tmp_path / "fresh", {"a.b": fig(1.0)})
    out = run_check(fresh, tmp_path / "nowhere" / "BENCHMARKS.json")
    assert out.returncode == 1
    assert "no committed figures" in out.stdout


def test_run_json_round_trips(tmp_path: Path) -> None:
    figures = {"a.b@tasks=1": fig(1.5, "ratio", 2.5), "a.c": fig("ok", "exact")}
    path = write_run(tmp_path, figures)
    assert parse(json.loads(path.read_text(encoding="utf-8"))["figures"]) == figures


def _sizes(argv: list[str]) -> dict[str, set[str]]:
    """The size options of a section's arguments: ``--sizes 1000,10000`` -> {"1000", "10000"}."""
    return {
        flag: set(argv[i + 1].split(","))
        for i, flag in enumerate(argv)
        if flag in ("--sizes", "--tasks", "--procs", "--ops")
    }


@pytest.mark.parametrize("section", suite.SECTIONS, ids=lambda s: s.name)
def test_quick_sizes_are_a_subset_of_full_sizes(section: suite.Section) -> None:
    quick, full = _sizes(section.quick), _sizes(section.full)
    assert quick.keys() == full.keys()
    for flag, values in quick.items():
        assert values <= full[flag], f"{section.name} {flag}: quick {values} not in {full[flag]}"
