"""Helpers for the hook tests: run the real command in a subprocess, load fixture payloads,
and check the shape of an answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from task_orchestrator.installer import launcher

FIXTURES = Path(__file__).parent / "data" / "fixtures"
FIXTURE_CWD = "/home/user/project"
# Real payloads per Claude Code version, captured from the same scripted session
# (tests/clients/capture_hooks.py); the tests that take the ``payloads`` fixture
# (tests/hooks/conftest.py) run over each set.
PAYLOAD_SETS = {
    "2.1.197": FIXTURES,
    "2.1.332": Path(__file__).parent / "data" / "claude-code-2.1.332-hooks",
}
# The session id of the 2.1.197 set; ``fixture`` gives every set's payloads this one, so
# tests can look the session up by it whichever set they run with.
FIXTURE_SESSION = "385b9237-d99d-45fc-ad3d-5aa2af4c7230"
_current_set = ["2.1.197"]


def use_payloads(version: str) -> None:
    """Make ``fixture`` read the payloads captured from this Claude Code version."""
    _current_set[0] = version


HOOK_TIMEOUT_S = 30


class HookRun:
    def __init__(self, proc: subprocess.CompletedProcess[bytes]) -> None:
        self.returncode = proc.returncode
        self.stdout = proc.stdout.decode("utf-8")
        self.stderr = proc.stderr.decode("utf-8", "replace")

    @property
    def answer(self) -> dict[str, Any] | None:
        """The one JSON object on stdout, or None when stdout is empty; anything else fails."""
        text = self.stdout.strip()
        if not text:
            return None
        decoder = json.JSONDecoder()
        obj, end = decoder.raw_decode(text)
        assert text[end:].strip() == "", f"more than one JSON value on stdout: {self.stdout!r}"
        assert isinstance(obj, dict), f"stdout is not a JSON object: {self.stdout!r}"
        return obj


def hook_command(event: str) -> list[str]:
    """The command as the installer registers it for a pip/pipx install (this venv's
    interpreter, isolated, running our entry point), then ``hook EVENT``."""
    return [*launcher.hook_command(sys.executable, frozen=False), "hook", *filter(None, [event])]


def run_hook(
    event: str,
    stdin: dict[str, Any] | bytes | str,
    *,
    env: dict[str, str] | None = None,
    timeout: float = HOOK_TIMEOUT_S,
) -> HookRun:
    if isinstance(stdin, dict):
        data = json.dumps(stdin).encode("utf-8")
    elif isinstance(stdin, str):
        data = stdin.encode("utf-8")
    else:
        data = stdin
    proc = subprocess.run(
        hook_command(event),
        input=data,
        capture_output=True,
        timeout=timeout,
        env=dict(os.environ) if env is None else env,
        cwd=os.environ.get("HOME"),
    )
    return HookRun(proc)


def fixture(name: str, cwd: Path | str, **changes: Any) -> dict[str, Any]:
    """A real payload from Claude Code (2.1.197 unless ``use_payloads`` chose another set)
    with its project path moved to ``cwd`` and its session id made ``FIXTURE_SESSION``."""
    text = (PAYLOAD_SETS[_current_set[0]] / f"{name}.json").read_text(encoding="utf-8")
    session = json.loads(text)["session_id"]
    text = text.replace(session, FIXTURE_SESSION).replace(FIXTURE_CWD, str(cwd))
    payload: dict[str, Any] = json.loads(text)
    payload.update(changes)
    return payload


def assert_shape(run: HookRun, event: str, *, context: bool | None = None) -> dict[str, Any] | None:
    """Exit 0, stdout empty or one object of the documented shape; ``context`` True/False
    demands that additionalContext is there / absent."""
    assert run.returncode == 0, run.stderr
    answer = run.answer
    assert answer is None or "additionalContext" not in answer, "top-level additionalContext"
    if answer is not None:
        assert set(answer) <= {"hookSpecificOutput", "systemMessage", "decision", "reason"}
        if "hookSpecificOutput" in answer:
            hso = answer["hookSpecificOutput"]
            assert hso["hookEventName"] == event
            assert isinstance(hso["additionalContext"], str) and hso["additionalContext"]
        if "systemMessage" in answer:
            msg = answer["systemMessage"]
            assert isinstance(msg, str) and "\n" not in msg and len(msg) <= 300
        if "decision" in answer:
            assert answer["decision"] == "block" and isinstance(answer["reason"], str)
    has_context = bool(answer and "hookSpecificOutput" in answer)
    if context is not None:
        assert has_context == context, answer
    return answer


def context_of(answer: dict[str, Any] | None) -> str:
    assert answer is not None
    return str(answer["hookSpecificOutput"]["additionalContext"])
