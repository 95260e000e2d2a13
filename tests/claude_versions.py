"""The Claude Code versions the tests run: the pinned one (tests/clients/package.json, in
TASK_ORCHESTRATOR_CLIENTS) and the newest release, pinned too (tests/clients/newest/package.json,
in TASK_ORCHESTRATOR_CLIENTS_NEWEST). scripts/install-clients installs both and scripts/test
exports both folders.

A test that runs Claude Code takes the ``claude_code`` fixture (tests/conftest.py), which is
parametrized over both; its test ids carry the version (``claude-2.1.332-newest``), and its
failure messages start with ``str(claude_code)`` ("Claude Code 2.1.332: ..."). A variable that
is unset skips that version (a developer without npm); set with no ``claude`` in it, or with
another version than the pin installed, it fails, so CI cannot pass by skipping.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CLIENTS = Path(__file__).resolve().parent / "clients"


@dataclass(frozen=True)
class ClaudeCode:
    label: str  # "pinned" or "newest"
    version: str  # as pinned, e.g. "2.1.332"
    path: Path  # the claude binary

    def __str__(self) -> str:
        return f"Claude Code {self.version}"


@dataclass(frozen=True)
class _Pin:
    label: str
    variable: str
    package_json: Path

    @property
    def version(self) -> str:
        data = json.loads(self.package_json.read_text(encoding="utf-8"))
        return str(data["dependencies"]["@anthropic-ai/claude-code"])

    @property
    def test_id(self) -> str:
        return f"claude-{self.version}-{self.label}"


PINS = [
    _Pin("pinned", "TASK_ORCHESTRATOR_CLIENTS", CLIENTS / "package.json"),
    _Pin("newest", "TASK_ORCHESTRATOR_CLIENTS_NEWEST", CLIENTS / "newest" / "package.json"),
]
PARAMS = [pytest.param(pin, id=pin.test_id) for pin in PINS]


@functools.cache
def _version_of(path: Path) -> str:
    out = subprocess.run(
        [str(path), "--version"], capture_output=True, text=True, timeout=60, check=False
    ).stdout.split()
    return out[0] if out else "?"


def claude_code_for(pin: _Pin) -> ClaudeCode:
    folder = os.environ.get(pin.variable)
    if not folder:
        pytest.skip(f"{pin.variable} is not set (scripts/test sets it)")
    path = Path(folder) / "claude"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{pin.variable}={folder} but there is no claude in it")
    installed = _version_of(path)
    if installed != pin.version:
        pytest.fail(
            f"{pin.variable}: claude is {installed}, but {pin.package_json.name} pins "
            f"{pin.version}; run scripts/install-clients"
        )
    return ClaudeCode(pin.label, pin.version, path)
