"""SessionStart's quick_check: on a fresh start, at most once per ``quick_check_hours`` while
the store is sound, again for another store file, and on every start while it is not."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hooks_support import fixture

from task_orchestrator.core import db
from task_orchestrator.core.paths import default_paths
from task_orchestrator.hooks import session_start
from task_orchestrator.hooks.protocol import Event
from task_orchestrator.hooks.settings import Settings


class Checks(list[list[str]]):
    """Each quick_check run and what it found; ``extra`` is added to what SQLite finds."""

    extra: list[str]


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Checks:
    runs = Checks()
    runs.extra = []
    real = db.quick_check

    def counted(conn: Any) -> list[str]:
        runs.append(real(conn) + runs.extra)
        return runs[-1]

    monkeypatch.setattr(db, "quick_check", counted)
    return runs


def start(project: Path, source: str = "startup", hours: float | None = None) -> Any:
    settings = Settings(str(default_paths().config_file))
    if hours is not None:
        settings.apply({"quick_check_hours": hours})
    payload = fixture("SessionStart", project, source=source)
    return session_start.handle(Event("SessionStart", payload), settings)


def test_once_per_window_and_only_on_startup(project: Path, checks: Checks) -> None:
    start(project)
    assert len(checks) == 1 and Path(str(default_paths().db) + ".checked").is_file()
    start(project)
    start(project, "resume")
    start(project, "compact")
    assert len(checks) == 1
    start(project, hours=0)  # 0: every startup
    assert len(checks) == 2


def test_again_when_the_window_has_passed(project: Path, checks: Checks) -> None:
    start(project)
    stamp = Path(str(default_paths().db) + ".checked")
    when, identity = stamp.read_text().split()
    stamp.write_text(f"{float(when) - 25 * 3600:.0f} {identity}\n")
    start(project)
    assert len(checks) == 2


@pytest.mark.parametrize("damage", ["garbage", "empty", "missing"])
def test_again_for_a_damaged_stamp(project: Path, checks: Checks, damage: str) -> None:
    start(project)
    stamp = Path(str(default_paths().db) + ".checked")
    if damage == "missing":
        stamp.unlink()
    else:
        stamp.write_text("" if damage == "empty" else "yesterday, probably")
    start(project)
    assert len(checks) == 2


def test_again_for_a_store_restored_from_a_copy(project: Path, checks: Checks) -> None:
    start(project)
    store = default_paths().db
    shutil.copyfile(store, store.with_name("copy.db"))
    store.with_name("copy.db").replace(store)  # another file (inode) at the same path
    start(project)
    assert len(checks) == 2


def test_a_failed_check_is_reported_on_every_start(project: Path, checks: Checks) -> None:
    checks.extra.append("*** in database main *** Page 7: btreeInitPage() returns error code 11")
    for _ in range(2):
        answer = start(project)
        assert "failed its integrity check" in answer["systemMessage"]
        assert "task-orchestrator doctor" in answer["systemMessage"]
    assert len(checks) == 2
    assert not Path(str(default_paths().db) + ".checked").exists()
    checks.extra.clear()  # fixed (say, restored by doctor): one clean check, then quiet
    assert "integrity" not in start(project).get("systemMessage", "")
    start(project)
    assert len(checks) == 3
