"""SessionStart's quick_check: on a fresh start, at most once per ``quick_check_hours`` while
the store is sound and then after the answer (in a forked child in a real hook process), again
for another store file, and before the answer on every start once it has failed."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from hooks_support import assert_shape, fixture, run_hook

from task_orchestrator.core import db
from task_orchestrator.core.paths import default_paths
from task_orchestrator.hooks import protocol, session_start
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
    answer = session_start.handle(Event("SessionStart", payload), settings)
    for task in protocol.take_after():  # what runner.run does once the answer is out
        task()
    return answer


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
    stamp = Path(str(default_paths().db) + ".checked")
    # The first check runs after the answer: this start cannot know yet.
    assert "integrity" not in start(project).get("systemMessage", "")
    assert len(checks) == 1 and stamp.read_text().split()[2:] == ["failed"]
    for _ in range(2):  # from then on, checked before the answer and reported
        answer = start(project)
        assert "failed its integrity check" in answer["systemMessage"]
        assert "task-orchestrator doctor" in answer["systemMessage"]
    assert len(checks) == 3
    checks.extra.clear()  # fixed (say, restored by doctor): one clean check, then quiet
    assert "integrity" not in start(project).get("systemMessage", "")
    assert len(checks) == 4 and stamp.read_text().split()[2:] == []
    start(project)
    assert len(checks) == 4


def test_the_hook_process_checks_after_answering(project: Path) -> None:
    """As registered: the answer comes first, then a detached child runs the quick check and
    records it; the hook's own process does not wait for it."""
    stamp = Path(str(default_paths().db) + ".checked")
    seed = run_hook("SessionStart", fixture("SessionStart", project, source="resume"))
    assert seed.returncode == 0 and not stamp.exists()  # only a fresh start checks
    proc = run_hook("SessionStart", fixture("SessionStart", project, source="startup"))
    assert proc.returncode == 0
    assert_shape(proc, "SessionStart", context=True)
    deadline = time.monotonic() + 20
    while not stamp.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    fields = stamp.read_text().split()
    assert len(fields) == 2, fields  # a clean check of this very file
    assert session_start.check_state(str(default_paths().db), 24) == "fresh"
