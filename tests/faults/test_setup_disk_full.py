"""``orchestrator-setup`` when the disk is full: each file it could not write is named with
a plain reason, the original is byte-identical, no temp file or cut-off backup is left, and
a run once there is room again does everything, backup included.

A real process gets a full disk from RLIMIT_FSIZE (with SIGXFSZ ignored, a write past the
limit fails with EFBIG, as it fails with ENOSPC on a full disk); in-process tests raise
ENOSPC itself where a file is written.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from task_orchestrator.core.paths import default_paths
from task_orchestrator.installer import fileops
from task_orchestrator.installer.catalog import Env, load_clients
from task_orchestrator.installer.ops import restore
from task_orchestrator.installer.setup import install

SETUP = Path(sys.executable).parent / "orchestrator-setup"
ORIGINAL = '{"mcpServers": {"other": {"command": "x"}}}\n'
# Runs the command with a file size limit: the limit and SIGXFSZ's disposition survive exec.
LIMITED = (
    "import os, resource, signal, sys\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "limit = int(sys.argv[1])\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


def setup(*args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    # HOME and the data root are under tmp_path (conftest); no client CLI on this PATH.
    env = dict(os.environ, PATH="/usr/bin:/bin")
    argv = [str(SETUP), *args]
    if limit is not None:
        argv = [sys.executable, "-c", LIMITED, str(limit), *argv]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.fault(
    "the disk fills up while `orchestrator-setup install` writes client configs and hooks "
    "(a real process under RLIMIT_FSIZE)",
    "exit 1 naming each file and the size limit; every config byte-identical (or still "
    "absent), no temp file left; the next run with room succeeds",
)
@pytest.mark.parametrize("cursor_exists", [True, False], ids=["existing", "new"])
def test_setup_on_a_full_disk(isolated_home: Path, cursor_exists: bool) -> None:
    cursor = isolated_home / ".cursor" / "mcp.json"
    cursor.parent.mkdir()
    if cursor_exists:
        cursor.write_text(ORIGINAL, encoding="utf-8")
    before = files_under(isolated_home)

    # Room for the backup of ORIGINAL, not for anything we write: the configs grow.
    full = setup(
        "install", "--client", "cursor", "--client", "claude-code", "--yes", limit=len(ORIGINAL)
    )
    assert full.returncode == 1, full.stdout + full.stderr
    report = full.stdout + full.stderr
    for name in (cursor, isolated_home / ".claude.json", isolated_home / ".claude/settings.json"):
        line = next(ln for ln in report.splitlines() if f" {name}: " in ln)
        assert "the file size limit was reached" in line, line
        assert "the file was not changed" in line, line
    assert "manifest.json: not saved" in report and "nothing was changed" in report
    assert "unexpected error" not in report
    assert files_under(isolated_home) == before  # nothing new, no temp file anywhere
    if cursor_exists:
        assert cursor.read_text(encoding="utf-8") == ORIGINAL

    again = setup("install", "--client", "cursor", "--client", "claude-code", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "task-orchestrator" in json.loads(cursor.read_text(encoding="utf-8"))["mcpServers"]
    removed = setup("uninstall", "--client", "cursor", "--client", "claude-code", "--yes")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    if cursor_exists:
        assert cursor.read_text(encoding="utf-8") == ORIGINAL
    else:
        assert not cursor.exists()


def env(home: Path) -> Env:
    """Linux with no client CLI on PATH: every config is written as a file."""
    return Env(os="linux", environ={"PATH": ""}, home=home, project=home / "project")


def no_space(*_: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_enospc_while_writing_a_config_says_the_disk_is_full(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cursor = isolated_home / ".cursor" / "mcp.json"
    cursor.parent.mkdir()
    cursor.write_text(ORIGINAL, encoding="utf-8")
    # fsync is where a full disk shows up on file systems that allocate late.
    monkeypatch.setattr(fileops.os, "fsync", no_space)
    changes = install(
        [load_clients()["cursor"]], "user", env(isolated_home), dry_run=False, hooks=False
    )
    assert [(c.path, c.action) for c in changes] == [
        (str(cursor), "error"),
        (str(default_paths().manifest), "error"),
    ]
    assert changes[0].message == (
        f"{cursor}: the disk is full (No space left on device); free some space and run it "
        "again; the file was not changed"
    )
    assert changes[1].message.endswith("nothing was changed")
    assert cursor.read_text(encoding="utf-8") == ORIGINAL
    assert os.listdir(cursor.parent) == ["mcp.json"]


def test_a_backup_that_could_not_be_written_is_taken_by_the_next_run(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cursor = isolated_home / ".cursor" / "mcp.json"
    cursor.parent.mkdir()
    cursor.write_text(ORIGINAL, encoding="utf-8")
    backups = default_paths().backups
    real_write: Callable[[Path, bytes], int] = Path.write_bytes

    def full_for_backups(self: Path, data: bytes) -> int:
        if self.parent == backups:
            real_write(self, data[:10])  # a cut-off copy, as a full disk leaves
            no_space()
        return real_write(self, data)

    # A context of its own: undoing the whole monkeypatch would also undo the autouse
    # fixture's HOME, and the next install would write into the real home folder.
    with monkeypatch.context() as full_disk:
        full_disk.setattr(Path, "write_bytes", full_for_backups)
        [change] = install(
            [load_clients()["cursor"]], "user", env(isolated_home), dry_run=False, hooks=False
        )
    assert change.action == "error"
    assert f"{cursor}: cannot back it up to {backups}" in change.message
    assert "the disk is full" in change.message and "the file was not changed" in change.message
    assert cursor.read_text(encoding="utf-8") == ORIGINAL
    assert list(backups.iterdir()) == []  # no cut-off copy passing for a backup

    [change] = install(
        [load_clients()["cursor"]], "user", env(isolated_home), dry_run=False, hooks=False
    )
    assert change.action == "installed", change.message
    manifest = fileops.Manifest(default_paths())
    [done] = restore(default_paths(), manifest, str(cursor))
    assert done.action == "restored"
    assert cursor.read_text(encoding="utf-8") == ORIGINAL
