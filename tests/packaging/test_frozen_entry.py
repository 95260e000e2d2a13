"""The binary's entry point: which starts mean setup, and which setups self-install."""

from __future__ import annotations

import subprocess
import sys

import pytest

from task_orchestrator import frozen


@pytest.mark.parametrize(
    ("argv0", "name"),
    [
        ("/opt/x/orchestrator-setup", "orchestrator-setup"),
        ("C:\\Users\\me\\Downloads\\Orchestrator-Setup.EXE", "orchestrator-setup"),
        ("task-orchestrator", "task-orchestrator"),
        ("./task-orchestrator-onefile", "task-orchestrator-onefile"),
    ],
)
def test_program_name(argv0: str, name: str) -> None:
    assert frozen.program_name(argv0) == name


@pytest.mark.parametrize(
    ("argv0", "args", "expected"),
    [
        ("/x/orchestrator-setup", ["--yes"], ["--yes"]),
        ("/x/orchestrator-setup", [], []),
        ("/x/task-orchestrator", [], []),  # a double-click is a setup
        ("/x/task-orchestrator", ["setup", "install", "--all"], ["install", "--all"]),
        ("/x/task-orchestrator", ["serve"], None),
        ("/x/task-orchestrator", ["hook", "SessionStart"], None),
        ("/x/task-orchestrator", ["--version"], None),
    ],
)
def test_setup_args(argv0: str, args: list[str], expected: list[str] | None) -> None:
    assert frozen.setup_args(argv0, args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], True),
        (["--yes"], True),
        (["install", "--all", "--yes"], True),
        (["install", "--all", "--dry-run", "--yes"], False),
        (["--dry-run"], False),
        (["install", "--help"], False),
        (["uninstall", "--all"], False),
        (["list"], False),
        (["--scope", "user", "install"], True),
        (["--client", "cursor"], True),
    ],
)
def test_installs(args: list[str], expected: bool) -> None:
    assert frozen.installs(args) is expected


class Calls:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.log: list[tuple[str, list[str]]] = []
        monkeypatch.setattr(frozen, "setup_main", self.record("setup"))
        monkeypatch.setattr(frozen, "task_orchestrator_main", self.record("main"))
        monkeypatch.setattr(frozen, "self_install", lambda: self.log.append(("install", [])))

    def record(self, name: str):  # type: ignore[no-untyped-def]
        def call(args: list[str]) -> int:
            self.log.append((name, args))
            return 0

        return call


@pytest.mark.parametrize(
    ("argv0", "args", "log"),
    [
        ("/d/task-orchestrator", ["hook", "Stop"], [("main", ["hook", "Stop"])]),
        ("/d/task-orchestrator", [], [("install", []), ("setup", [])]),
        (
            "/d/task-orchestrator",
            ["setup", "install", "--yes"],
            [("install", []), ("main", ["setup", "install", "--yes"])],
        ),
        (
            "/d/task-orchestrator",
            ["setup", "install", "--dry-run"],
            [("main", ["setup", "install", "--dry-run"])],
        ),
        ("/d/orchestrator-setup", ["--yes"], [("install", []), ("setup", ["--yes"])]),
        ("/d/orchestrator-setup", ["uninstall"], [("setup", ["uninstall"])]),
    ],
)
def test_main_dispatch_when_frozen(
    monkeypatch: pytest.MonkeyPatch, argv0: str, args: list[str], log: list[object]
) -> None:
    calls = Calls(monkeypatch)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "argv", [argv0, *args])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert frozen.main() == 0
    assert calls.log == log


def test_a_python_install_never_self_installs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = Calls(monkeypatch)
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert frozen.main([]) == 0
    assert calls.log == [("setup", [])]


def test_the_entry_point_loads_nothing_heavy() -> None:
    # Every hook call from the binary goes through task_orchestrator.frozen first.
    code = "import sys, task_orchestrator.frozen; print(','.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in out.stdout.strip().split(",")}
    heavy = {"click", "pydantic", "mcp", "psutil", "platformdirs", "tomlkit", "json5"}
    assert not loaded & heavy
    assert "task_orchestrator.installer" not in out.stdout.split(",")
