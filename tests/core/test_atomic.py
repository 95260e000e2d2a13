"""core/atomic.py, the one atomic writer: the mode set or kept, the data and the folder
flushed, the target replaced whole (never written in place), nothing left on failure, and
never an existing file or a planted link opened as the temp file."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from task_orchestrator.core import atomic
from task_orchestrator.core.atomic import replace_file

posix_only = pytest.mark.skipif(os.name == "nt", reason="Windows has no POSIX mode bits")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder of its own (tmp_path holds the test's home)."""
    made = tmp_path / "folder"
    made.mkdir()
    return made


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_file_is_written_whole(folder: Path) -> None:
    target = folder / "f.json"
    replace_file(target, b'{"a": 1}\n')
    assert target.read_bytes() == b'{"a": 1}\n'
    assert os.listdir(folder) == ["f.json"]


def test_the_old_file_is_replaced_not_rewritten(folder: Path) -> None:
    target = folder / "f"
    target.write_bytes(b"old")
    with target.open("rb") as reader:
        replace_file(target, b"new")
        assert reader.read() == b"old"  # an open reader keeps the whole old file
    assert target.read_bytes() == b"new"


@posix_only
def test_a_new_file_gets_what_the_umask_gives(folder: Path, umask_027: None) -> None:
    replace_file(folder / "f", b"x")
    assert mode(folder / "f") == 0o640


@posix_only
@pytest.mark.parametrize("kept", [0o640, 0o600, 0o755], ids=oct)
def test_the_mode_of_the_file_replaced_is_kept(folder: Path, kept: int) -> None:
    target = folder / "f"
    target.write_bytes(b"old")
    target.chmod(kept)
    replace_file(target, b"new")
    assert mode(target) == kept


@posix_only
def test_a_mode_given_wins_over_the_old_one_and_the_umask(folder: Path, umask_027: None) -> None:
    old, new = folder / "old", folder / "new"
    old.write_bytes(b"old")
    old.chmod(0o644)
    replace_file(old, b"x", mode=0o600)
    replace_file(new, b"x", mode=0o604)  # bits the umask would take away
    assert (mode(old), mode(new)) == (0o600, 0o604)


@posix_only
def test_the_temp_file_of_a_private_file_is_never_readable_by_others(folder: Path) -> None:
    target = folder / "secret"
    target.write_bytes(b"old")
    target.chmod(0o600)
    seen: list[int] = []
    replace_file(target, b"api key", before_replace=lambda temp: seen.append(mode(Path(temp))))
    assert seen == [0o600]


def test_data_and_folder_are_flushed(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    replace_file(folder / "a", b"x")
    assert synced == ["file"]
    synced.clear()
    replace_file(folder / "b", b"x", fsync_folder=True)
    assert synced == ["file"] if os.name == "nt" else ["file", "folder"]


def test_a_failure_before_the_rename_leaves_the_old_file_and_no_temp(folder: Path) -> None:
    target = folder / "f"
    target.write_bytes(b"old")
    temps: list[str] = []

    def fail(temp: str) -> None:
        temps.append(temp)
        assert Path(temp).read_bytes() == b"new"  # complete, beside the target
        raise OSError("disk pulled out")

    with pytest.raises(OSError, match="disk pulled out"):
        replace_file(target, b"new", suffix=".mine.tmp", before_replace=fail)
    [temp] = temps
    assert Path(temp).parent == folder
    assert Path(temp).name.startswith(".f.") and temp.endswith(".mine.tmp")
    assert target.read_bytes() == b"old"
    assert os.listdir(folder) == ["f"]


def test_a_full_disk_leaves_the_old_file_and_no_temp(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = folder / "f"
    target.write_bytes(b"old")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", no_space)
    with pytest.raises(OSError) as raised:
        replace_file(target, b"new")
    assert raised.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"old" and os.listdir(folder) == ["f"]


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="symlinks")
def test_a_link_planted_at_the_temp_name_is_not_followed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = folder / "victim"
    victim.write_bytes(b"theirs")
    names = iter([b"\x00" * 4, b"\x01" * 4])
    monkeypatch.setattr(atomic.os, "urandom", lambda n: next(names))
    planted = folder / ".f.00000000.tmp"
    planted.symlink_to(victim)
    replace_file(folder / "f", b"ours")
    assert victim.read_bytes() == b"theirs" and planted.is_symlink()
    assert (folder / "f").read_bytes() == b"ours"
    assert sorted(os.listdir(folder)) == [".f.00000000.tmp", "f", "victim"]


@pytest.mark.usefixtures("without_coverage")
def test_the_writer_loads_nothing_python_has_not_loaded_already() -> None:
    code = (
        "import json, sys; before = set(sys.modules); import task_orchestrator.core.atomic; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
    )
    loaded = json.loads(out.stdout)
    # __future__: every module of ours imports it first, the hooks' included.
    assert [m for m in loaded if not m.startswith(("task_orchestrator", "__future__"))] == []
