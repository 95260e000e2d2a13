"""Shared fixtures. The autouse one keeps every test out of the real home folder."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from claude_versions import PARAMS as CLAUDE_CODE_VERSIONS
from claude_versions import ClaudeCode, claude_code_for

from task_orchestrator.core.paths import Paths, default_paths
from task_orchestrator.core.store import TaskStore

_HOME_VARS = ("HOME", "USERPROFILE")
_DIR_VARS = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
    "XDG_CACHE_HOME": ".cache",
    "APPDATA": "AppData/Roaming",
    "LOCALAPPDATA": "AppData/Local",
}
# Variables that point clients somewhere else than HOME; a developer's own must not leak in.
_CLEARED = ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_CLI_HOME", "VSCODE_PORTABLE")


def _real_places() -> list[Path]:
    """What a test that escaped its isolation would write into the real home folder: the
    installer's files under the data root as the user's environment names it, and the client
    configs setup edits. Not what real use changes while tests run (a hook of the
    developer's own Claude Code writes data/ and logs/; Claude Code rewrites ~/.claude.json
    all the time), so that the guard never fails for that."""
    from task_orchestrator.core.root import data_root

    env = {k: v for k, v in os.environ.items() if k != "TASK_ORCHESTRATOR_HOME"}
    root = Path(data_root(env))
    home = Path(os.path.expanduser("~"))
    return [
        root / "manifest.json",
        root / "backups",
        root / "installer.lock",
        home / ".claude" / "settings.json",
        home / ".cursor" / "mcp.json",
        home / ".codex" / "config.toml",
        home / ".gemini" / "settings.json",
    ]


def _fingerprint(paths: list[Path]) -> dict[str, object]:
    out: dict[str, object] = {}
    for path in paths:
        if path.is_dir():
            out[str(path)] = sorted(
                (str(p), p.stat().st_mtime_ns) for p in path.rglob("*") if not p.is_symlink()
            )
        elif path.exists():
            out[str(path)] = path.stat().st_mtime_ns
    return out


@pytest.fixture(autouse=True, scope="session")
def real_home_untouched() -> Iterator[None]:
    """The whole run leaves the real home folder as it found it: a test that undoes the
    isolation below (``monkeypatch.undo()`` undoes every patch, HOME's too) fails the run."""
    places = _real_places()
    before = _fingerprint(places)
    yield
    after = _fingerprint(places)
    assert after == before, (
        f"tests wrote into the real home folder: {sorted(set(after) | set(before))}"
    )


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HOME, the XDG and Windows folders and TASK_ORCHESTRATOR_HOME under tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    for var in _HOME_VARS:
        monkeypatch.setenv(var, str(home))
    for var, rel in _DIR_VARS.items():
        monkeypatch.setenv(var, str(home / rel))
    for var in _CLEARED:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TASK_ORCHESTRATOR_HOME", str(tmp_path / "orchestrator"))
    yield home


@pytest.fixture
def without_coverage(monkeypatch: pytest.MonkeyPatch) -> None:
    """Subprocesses start without coverage, whose startup imports json, re, enum, tomllib.

    For tests that check what a process imports; everything else keeps subprocess coverage.
    """
    for var in list(os.environ):
        if var.startswith("COVERAGE_"):
            monkeypatch.delenv(var)


@pytest.fixture
def paths() -> Paths:
    return default_paths()


@pytest.fixture
def store(paths: Paths) -> Iterator[TaskStore]:
    s = TaskStore.open(paths.db)
    yield s
    s.close()


# -- PostgreSQL ----------------------------------------------------------------------------
# One throwaway server for the whole run (bench/pgtemp.py), started on first use, and a
# fresh database per test, copied from a migrated template (about 30 ms).
REQUIRE_POSTGRES = "TASK_ORCHESTRATOR_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """The run's PostgreSQL server; without the binaries or psycopg the test is skipped,
    unless TASK_ORCHESTRATOR_REQUIRE_POSTGRES=1 (scripts/test sets it), which fails it."""
    bench = str(Path(__file__).resolve().parents[1] / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import pgtemp

    missing = None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing = "psycopg is not installed (pip install -e '.[dev]')"
    if missing is None and pgtemp.find_bindir() is None:
        missing = f"PostgreSQL is not installed; {pgtemp.INSTALL_HINT}"
    if missing is not None:
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{missing} ({REQUIRE_POSTGRES}=1)")
        pytest.skip(missing)
    server = pgtemp.Server()
    server.start()
    try:
        template = server.create_database("to_template")
        TaskStore.open(template).close()
        yield server
    finally:
        server.stop()


_databases = itertools.count(1)


@pytest.fixture
def pg_url(pg_server: Any) -> Iterator[str]:
    """A fresh, migrated PostgreSQL store of this test's own."""
    name = f"t{os.getpid()}_{next(_databases)}"
    url = pg_server.create_database(name, template="to_template")
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def pg_empty_url(pg_server: Any) -> Iterator[str]:
    """A fresh PostgreSQL database with no tables (the migration tests)."""
    name = f"e{os.getpid()}_{next(_databases)}"
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def workspace_dir(tmp_path: Path) -> Path:
    """A project folder with a git marker, as a real workspace would have."""
    ws = tmp_path / "project"
    (ws / ".git").mkdir(parents=True)
    return ws


# -- the fault table ---------------------------------------------------------------------
# Tests marked @pytest.mark.fault("what was done", "what was expected") are rows of the fault
# table in RELIABILITY.md. With TASK_ORCHESTRATOR_FAULT_REPORT set to a file, each run appends
# one JSON line per test outcome; scripts/reliability turns those into the table.


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fault(done, expected): a row of the fault table in RELIABILITY.md"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    target = os.environ.get("TASK_ORCHESTRATOR_FAULT_REPORT")
    marker = item.get_closest_marker("fault")
    if not target or marker is None or report.when != "call":
        return
    import json

    row = {
        "done": marker.args[0],
        "expected": marker.args[1],
        "test": item.nodeid,
        "outcome": report.outcome,
        "message": str(report.longrepr).splitlines()[-1][:300] if report.failed else "",
    }
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


@pytest.fixture(params=CLAUDE_CODE_VERSIONS)
def claude_code(request: pytest.FixtureRequest) -> ClaudeCode:
    """The claude binary of each Claude Code version the tests run (tests/claude_versions.py):
    the pinned one and the newest release."""
    return claude_code_for(request.param)
