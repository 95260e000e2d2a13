"""Where a frozen (PyInstaller) build installs itself, and the copy that puts it there.

A downloaded binary usually sits in a Downloads folder that the user will tidy up; a path
registered in every client config must outlive that. So setup first copies the running
binary to a per-user place under our data root (core/root.py, or ``TASK_ORCHESTRATOR_HOME``)::

    <root>/bin/<version>/task-orchestrator[.exe]   the binary (onedir: plus its _internal/)
    <root>/bin/task-orchestrator                   POSIX: a symlink to the current version

On POSIX the symlink is what gets registered, so installing a newer binary only re-points
it and every client follows. Windows gets no link: a symlink needs a privilege most users
lack, and a ``.cmd`` launcher cannot be spawned without a shell by Node-based clients, so
there the versioned ``.exe`` is registered and a new version means running setup again.

Everything takes its inputs (the running program, the layout) as arguments so the logic is
tested on any OS without a frozen build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..core import private

PROGRAM = "task-orchestrator"


def is_frozen() -> bool:
    """Whether this is the PyInstaller binary rather than a Python install: the one program
    that installs itself (everything that asks imports it from here)."""
    return bool(getattr(sys, "frozen", False))


@dataclass(frozen=True)
class Runtime:
    """The running program, as PyInstaller describes it."""

    executable: Path
    frozen: bool
    bundle_dir: Path | None  # sys._MEIPASS: onedir's _internal/, onefile's unpack folder

    @classmethod
    def current(cls) -> Runtime:
        meipass = getattr(sys, "_MEIPASS", None)
        return cls(
            executable=Path(sys.executable).absolute(),
            frozen=is_frozen(),
            bundle_dir=Path(meipass) if meipass else None,
        )

    @property
    def onedir(self) -> bool:
        """A onedir build keeps its bundle beside the executable; a onefile build unpacks it
        to a temporary folder on every start."""
        if self.bundle_dir is None:
            return False
        return _resolve(self.bundle_dir).parent == _resolve(self.executable).parent


@dataclass(frozen=True)
class Layout:
    """The stable per-user install location for one version."""

    bin_dir: Path
    version: str = __version__
    windows: bool = os.name == "nt"

    @classmethod
    def default(cls) -> Layout:
        from ..core.paths import default_paths

        return cls(bin_dir=default_paths().root / "bin")

    @property
    def exe_name(self) -> str:
        return PROGRAM + (".exe" if self.windows else "")

    @property
    def version_dir(self) -> Path:
        return self.bin_dir / self.version

    @property
    def versioned_executable(self) -> Path:
        return self.version_dir / self.exe_name

    @property
    def link(self) -> Path | None:
        return None if self.windows else self.bin_dir / self.exe_name

    @property
    def stable_executable(self) -> Path:
        return self.link or self.versioned_executable


def stable_executable(layout: Layout | None = None) -> Path:
    """The path to register in client configs for a frozen build."""
    return (layout or Layout.default()).stable_executable


def is_installed_copy(runtime: Runtime, layout: Layout) -> bool:
    """True when the running binary is the one in ``layout.version_dir``."""
    return _resolve(runtime.executable).parent == _resolve(layout.version_dir)


def ensure_installed(
    runtime: Runtime | None = None, layout: Layout | None = None
) -> tuple[Path, bool]:
    """Copy the running binary to its stable place unless it is already there.

    Returns the path to register and whether anything was copied. Safe to call more than
    once and from two processes at once: the copy is built in a temporary folder and moved
    into place in one rename.
    """
    runtime = runtime or Runtime.current()
    layout = layout or Layout.default()
    if not runtime.frozen:
        raise ValueError("self-install is for a frozen build; this is a Python install")
    copied = False
    if not is_installed_copy(runtime, layout) and not layout.versioned_executable.is_file():
        copied = _copy_into_place(runtime, layout)
    _point_link(layout)
    return layout.stable_executable, copied


def purge(layout: Layout | None = None) -> list[Path]:
    """Remove every installed binary and the link (``uninstall --purge``); return what was
    removed. On Windows the running binary's own folder cannot be deleted and is left."""
    layout = layout or Layout.default()
    if not layout.bin_dir.is_dir():
        return []
    removed: list[Path] = []
    for entry in sorted(layout.bin_dir.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):  # e.g. a running .exe on Windows
                entry.unlink()
        if not os.path.lexists(entry):
            removed.append(entry)
    with contextlib.suppress(OSError):  # not empty: something was left behind
        layout.bin_dir.rmdir()
        removed.append(layout.bin_dir)
    return removed


def _copy_into_place(runtime: Runtime, layout: Layout) -> bool:
    # <root>/bin, private like the rest of the root (its parent is the data root).
    private.make_dir(layout.bin_dir, layout.bin_dir.parent)
    tmp = layout.bin_dir / f".tmp-{layout.version}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        # Only the executable and its bundle folder: a onedir build unpacked straight into
        # ~/Downloads must not drag the rest of that folder along. The copy always gets the
        # canonical name, whatever the download was renamed to.
        shutil.copy2(runtime.executable, tmp / layout.exe_name)
        if runtime.onedir and runtime.bundle_dir is not None:
            # symlinks=True: macOS bundles link inside themselves (Python.framework).
            shutil.copytree(runtime.bundle_dir, tmp / runtime.bundle_dir.name, symlinks=True)
        # copy2 keeps the download's 0755/0644: ours only, still executable by the user.
        private.tighten(tmp)
        try:
            os.replace(tmp, layout.version_dir)
        except OSError:
            # Another setup finished the same copy first; theirs is as good as ours.
            if layout.versioned_executable.is_file():
                return False
            raise
        return True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _point_link(layout: Layout) -> None:
    link = layout.link
    if link is None:
        return
    target = Path(layout.version) / layout.exe_name  # relative: the folder may move
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    tmp = link.with_name(f".{link.name}.{os.getpid()}")
    if os.path.lexists(tmp):
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()
