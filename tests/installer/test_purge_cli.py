"""`orchestrator-setup uninstall --purge` removes the standalone binary's installed copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from task_orchestrator import __version__
from task_orchestrator.cli import run_cli
from task_orchestrator.core.paths import default_paths


def _fake_install() -> tuple[Path, Path]:
    bin_dir = default_paths().root / "bin"
    version_dir = bin_dir / __version__
    version_dir.mkdir(parents=True)
    (version_dir / "task-orchestrator").write_text("binary", encoding="utf-8")
    (bin_dir / "task-orchestrator").symlink_to(f"{__version__}/task-orchestrator")
    return bin_dir, version_dir


def test_dry_run_says_and_keeps(capsys: pytest.CaptureFixture[str]) -> None:
    bin_dir, version_dir = _fake_install()
    assert (
        run_cli(["setup", "uninstall", "--all", "--purge", "--dry-run"], "orchestrator-setup") == 0
    )
    assert f"--purge would remove {bin_dir}" in capsys.readouterr().out
    assert (version_dir / "task-orchestrator").exists()


def test_purge_removes_copies_and_link(capsys: pytest.CaptureFixture[str]) -> None:
    bin_dir, _ = _fake_install()
    assert run_cli(["setup", "uninstall", "--all", "--purge", "--yes"], "orchestrator-setup") == 0
    out = capsys.readouterr().out
    assert f"removed {bin_dir}" in out
    assert not bin_dir.exists()
    # Nothing installed: purge says so instead of pretending.
    assert run_cli(["setup", "uninstall", "--all", "--purge", "--yes"], "orchestrator-setup") == 0
    assert "no installed binary" in capsys.readouterr().out
