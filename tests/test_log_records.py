"""One huge log record must not make a huge log file: rotation starts a new file before a
record but writes the record whole, so each record is capped (core/logfile.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from task_orchestrator.core.logfile import MAX_RECORD_CHARS, cap
from task_orchestrator.core.paths import default_paths

HUGE = 5_000_000


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        check=True,
    )


def test_cap_keeps_the_start_and_the_end() -> None:
    assert cap("short") == "short"
    text = "HEAD" + "x" * 100_000 + "TAIL"
    out = cap(text)
    assert len(out) <= MAX_RECORD_CHARS
    assert out.startswith("HEAD") and out.endswith("TAIL") and "characters cut" in out


@pytest.mark.fault(
    "a hook logs one 5 MB record (and its traceback) three times",
    "every hooks.log file stays near the 1 MB rotation size; each record keeps its end",
)
def test_hooks_log_caps_a_record() -> None:
    _run(
        f"""
        from task_orchestrator.hooks.log import log
        for _ in range(3):
            log("warning", "start " + "y" * {HUGE} + " end-of-message")
            try:
                raise ValueError("z" * {HUGE})
            except ValueError:
                log("error", "failed", exc_info=True)
        """
    )
    files = sorted(default_paths().logs.glob("hooks.log*"))
    assert files and all(f.stat().st_size < 1_000_000 + 2 * MAX_RECORD_CHARS for f in files)
    text = "".join(f.read_text(encoding="utf-8") for f in files)
    assert "end-of-message" in text and "characters cut" in text
    assert "ValueError: " in text  # the traceback's end, which names the error


@pytest.mark.fault(
    "the server logs one 5 MB record",
    "task-orchestrator.log and stderr get a capped record, not 5 MB",
)
def test_server_log_caps_a_record() -> None:
    proc = _run(
        f"""
        import logging
        from task_orchestrator.logs import setup_logging
        setup_logging()
        logging.getLogger("test").warning("start " + "y" * {HUGE} + " end-of-message")
        """
    )
    path: Path = default_paths().logs / "task-orchestrator.log"
    assert path.stat().st_size < 2 * MAX_RECORD_CHARS
    assert "end-of-message" in path.read_text(encoding="utf-8")
    assert len(proc.stderr) < 2 * MAX_RECORD_CHARS and "end-of-message" in proc.stderr
