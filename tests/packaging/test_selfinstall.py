"""Self-install of a frozen build, tested without freezing: the running program and the
install layout are passed in, so every OS's layout is checked on any host."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from task_orchestrator.installer import launcher, selfinstall
from task_orchestrator.installer.selfinstall import (
    Layout,
    Runtime,
    ensure_installed,
    is_installed_copy,
    purge,
    stable_executable,
)

posix_only = pytest.mark.skipif(os.name == "nt", reason="the stable symlink is POSIX-only")


def fake_onedir(folder: Path, name: str = "task-orchestrator") -> Runtime:
    """What PyInstaller's onedir output looks like: the executable and _internal/ beside it."""
    internal = folder / "_internal"
    (internal / "lib").mkdir(parents=True)
    exe = folder / name
    exe.write_bytes(b"bootloader")
    exe.chmod(0o755)
    (internal / "base_library.zip").write_bytes(b"zip")
    (internal / "lib" / "libpython.so").write_bytes(b"so")
    return Runtime(executable=exe, frozen=True, bundle_dir=internal)


def fake_onefile(folder: Path, tmp: Path, name: str = "task-orchestrator-onefile") -> Runtime:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    exe.write_bytes(b"onefile")
    unpacked = tmp / "_MEI12345"
    unpacked.mkdir()
    return Runtime(executable=exe, frozen=True, bundle_dir=unpacked)


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(bin_dir=tmp_path / "root" / "bin", version="1.2.3", windows=False)


def test_onedir_and_onefile_are_told_apart(tmp_path: Path) -> None:
    assert fake_onedir(tmp_path / "a").onedir
    assert not fake_onefile(tmp_path / "b", tmp_path).onedir
    assert not Runtime(Path(sys.executable), frozen=False, bundle_dir=None).onedir


def test_posix_layout(tmp_path: Path) -> None:
    layout = Layout(bin_dir=tmp_path / "bin", version="1.2.3", windows=False)
    assert layout.versioned_executable == tmp_path / "bin" / "1.2.3" / "task-orchestrator"
    assert layout.stable_executable == tmp_path / "bin" / "task-orchestrator"


def test_windows_layout_registers_the_versioned_exe(tmp_path: Path) -> None:
    layout = Layout(bin_dir=tmp_path / "bin", version="1.2.3", windows=True)
    assert layout.link is None
    assert layout.stable_executable == tmp_path / "bin" / "1.2.3" / "task-orchestrator.exe"


def test_default_layout_is_under_the_data_root() -> None:
    # conftest points TASK_ORCHESTRATOR_HOME at tmp_path; the binary lives under it too.
    root = Path(os.environ["TASK_ORCHESTRATOR_HOME"])
    assert Layout.default().bin_dir == root / "bin"
    assert stable_executable().parent in (root / "bin", root / "bin" / Layout.default().version)


@posix_only
def test_first_run_copies_the_onedir_build_and_links_it(tmp_path: Path, layout: Layout) -> None:
    runtime = fake_onedir(tmp_path / "Downloads" / "task-orchestrator")
    path, copied = ensure_installed(runtime, layout)
    assert copied
    assert path == layout.bin_dir / "task-orchestrator"
    assert os.readlink(path) == os.path.join("1.2.3", "task-orchestrator")
    assert path.resolve() == layout.versioned_executable.resolve()
    assert layout.versioned_executable.read_bytes() == b"bootloader"
    assert os.access(layout.versioned_executable, os.X_OK)
    assert (layout.version_dir / "_internal" / "lib" / "libpython.so").read_bytes() == b"so"
    assert not [p for p in layout.bin_dir.iterdir() if p.name.startswith(".")]


@posix_only
def test_second_run_copies_nothing(tmp_path: Path, layout: Layout) -> None:
    runtime = fake_onedir(tmp_path / "dl")
    ensure_installed(runtime, layout)
    stamp = layout.version_dir.stat().st_mtime_ns
    assert ensure_installed(runtime, layout) == (layout.stable_executable, False)
    assert layout.version_dir.stat().st_mtime_ns == stamp


@posix_only
def test_running_from_the_stable_place_copies_nothing(tmp_path: Path, layout: Layout) -> None:
    ensure_installed(fake_onedir(tmp_path / "dl"), layout)
    for exe in (layout.versioned_executable, layout.stable_executable):  # direct, or via link
        installed = Runtime(exe, frozen=True, bundle_dir=layout.version_dir / "_internal")
        assert is_installed_copy(installed, layout)
        assert ensure_installed(installed, layout) == (layout.stable_executable, False)


@posix_only
def test_only_the_build_is_copied_not_its_neighbours(tmp_path: Path, layout: Layout) -> None:
    # A onedir zip unpacked straight into Downloads: the rest of Downloads stays behind.
    downloads = tmp_path / "Downloads"
    runtime = fake_onedir(downloads)
    (downloads / "holiday.jpg").write_bytes(b"jpg")
    ensure_installed(runtime, layout)
    assert sorted(p.name for p in layout.version_dir.iterdir()) == [
        "_internal",
        "task-orchestrator",
    ]


@posix_only
def test_a_renamed_onefile_download_gets_the_canonical_name(tmp_path: Path, layout: Layout) -> None:
    runtime = fake_onefile(tmp_path / "Downloads", tmp_path, name="orchestrator-setup")
    (tmp_path / "Downloads" / "other-file").write_bytes(b"x")
    path, copied = ensure_installed(runtime, layout)
    assert copied
    assert [p.name for p in layout.version_dir.iterdir()] == ["task-orchestrator"]
    assert path.read_bytes() == b"onefile"


@posix_only
def test_a_new_version_repoints_the_link_and_keeps_the_old(tmp_path: Path, layout: Layout) -> None:
    ensure_installed(fake_onedir(tmp_path / "old"), layout)
    newer = Layout(bin_dir=layout.bin_dir, version="2.0.0", windows=False)
    path, copied = ensure_installed(fake_onedir(tmp_path / "new"), newer)
    assert copied
    assert path == layout.stable_executable  # the registered path did not change
    assert path.resolve() == newer.versioned_executable.resolve()
    assert layout.versioned_executable.is_file()


def test_windows_layout_installs_without_a_link(tmp_path: Path) -> None:
    layout = Layout(bin_dir=tmp_path / "bin", version="1.2.3", windows=True)
    runtime = fake_onedir(tmp_path / "dl", name="task-orchestrator.exe")
    path, copied = ensure_installed(runtime, layout)
    assert copied
    assert path == layout.versioned_executable
    assert sorted(p.name for p in layout.bin_dir.iterdir()) == ["1.2.3"]


def test_a_concurrent_install_that_won_counts_as_installed(tmp_path: Path) -> None:
    layout = Layout(bin_dir=tmp_path / "bin", version="1.2.3", windows=True)
    runtime = fake_onedir(tmp_path / "dl", name="task-orchestrator.exe")
    layout.version_dir.mkdir(parents=True)
    layout.versioned_executable.write_bytes(b"theirs")
    assert selfinstall._copy_into_place(runtime, layout) is False
    assert layout.versioned_executable.read_bytes() == b"theirs"
    assert sorted(p.name for p in layout.bin_dir.iterdir()) == ["1.2.3"]


def test_a_python_install_does_not_self_install(layout: Layout) -> None:
    with pytest.raises(ValueError):
        ensure_installed(Runtime(Path(sys.executable), frozen=False, bundle_dir=None), layout)


@posix_only
def test_purge_removes_every_version_and_the_link(tmp_path: Path, layout: Layout) -> None:
    ensure_installed(fake_onedir(tmp_path / "old"), layout)
    newer = Layout(bin_dir=layout.bin_dir, version="2.0.0", windows=False)
    ensure_installed(fake_onedir(tmp_path / "new"), newer)
    removed = purge(layout)
    assert set(removed) == {
        layout.bin_dir,
        layout.bin_dir / "1.2.3",
        layout.bin_dir / "2.0.0",
        layout.bin_dir / "task-orchestrator",
    }
    assert not layout.bin_dir.exists()
    assert (tmp_path / "old" / "task-orchestrator").is_file()  # the download is not ours


def test_purge_with_nothing_installed(layout: Layout) -> None:
    assert purge(layout) == []


def test_a_frozen_build_registers_its_stable_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launcher.registered_program() == Layout.default().stable_executable
