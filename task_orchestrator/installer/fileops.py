"""Reading and writing files that are not ours: atomic replace, lock, backups, manifest.

Write through symlinks to their target, keep the file mode, never leave a half-written
file (core/atomic.py), keep a backup of the original before our first change, and record
what we own so that uninstall and doctor can recognise it. docs/ARCHITECTURE.md, "Client
configs", says why.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import json
import os
import signal
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core import private
from ..core.atomic import replace_file
from ..core.paths import Paths
from ..errors import UserError

#: Our temp files end with this, so that the next run can tell a stale one of ours (left by a
#: run that was killed) from anything else in the user's config folder.
TEMP_SUFFIX = ".task-orchestrator.tmp"

#: A fault-injection point for tests/faults/test_setup_kill.py, which cannot otherwise stop a
#: real process at an exact line: with ``TASK_ORCHESTRATOR_FAULT=kill-before-replace`` the
#: process SIGKILLs itself in :func:`atomic_write` once the backup and the temp file are
#: written, just before ``os.replace``, as ``kill -9`` or a power cut would. Read once, here;
#: unset (always, outside tests) it costs one comparison per file written.
FAULT = os.environ.get("TASK_ORCHESTRATOR_FAULT", "")


def describe(exc: OSError) -> str:
    """An OSError in words the user can act on; a full disk says so plainly."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"the disk is full ({exc.strerror}); free some space and run it again"
    if exc.errno == errno.EFBIG:
        return (
            f"the file size limit was reached ({exc.strerror}; see `ulimit -f`); "
            "raise it or free some space and run it again"
        )
    return str(exc)


def read_text(path: Path) -> str | None:
    """The file's text with its line endings and BOM untouched, or None if missing."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, expected a config file") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 (byte {exc.start}); nothing was written") from None


def target_of(path: Path) -> Path:
    """A symlinked config is written through to its target, not replaced by a file."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_writable(path: Path) -> None:
    target = target_of(path)
    if target.exists():
        mode = target.stat().st_mode
        # Root may write anything; a read-only bit is still the user's intent, so honour it.
        if not mode & stat.S_IWUSR:
            raise UserError(
                f"{target} is read-only; make it writable (chmod u+w) and retry; nothing was written"
            )


def atomic_write(path: Path, text: str | None, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` (None: delete it), atomically, through a symlink to
    its target. Call it under :func:`locked`: it removes temp files of ours beside the
    target as stale. The file keeps its mode (a new one: the umask's) unless ``mode`` is
    given, as for our own files under the data root."""
    target = target_of(path)
    if text is None:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        return
    check_writable(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target)
    replace_file(
        target,
        text.encode("utf-8"),
        mode=mode,
        fsync_folder=True,
        suffix=TEMP_SUFFIX,
        before_replace=lambda temp: _before_replace(temp, target),
    )


def _remove_stale_temps(target: Path) -> None:
    # Under the lock no other run of ours is writing, so a temp file of ours is what a killed
    # run left behind: harmless to the client, but clutter in the user's folder.
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _before_replace(temp: str, target: Path) -> None:
    """The fault-injection point (:data:`FAULT`); the crash tests replace this function to
    fail here, with the temp file complete and the target not yet replaced."""
    if FAULT == "kill-before-replace":
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


@contextlib.contextmanager
def locked(paths: Paths) -> Iterator[None]:
    """One run of ours at a time: two setups racing on one file would lose an edit."""
    private.secure_root(paths.root)
    private.make_dir(paths.root, paths.root)
    lock_path = paths.root / "installer.lock"
    fd = private.open_file(lock_path, os.O_RDWR | os.O_CREAT | os.O_APPEND)
    try:
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UserError(
                f"another orchestrator-setup is running (lock {lock_path}); wait for it and retry"
            ) from None
        yield
    finally:
        os.close(fd)


def entry_hash(entry: Any) -> str:
    canon = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


class Manifest:
    """``manifest.json`` under the data root: per file, its backup and our entries."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self.data: dict[str, Any] = {"version": 1, "files": {}}
        # Backups no longer needed, deleted once the manifest without them is saved.
        self.discarded: list[str] = []
        text = read_text(paths.manifest)
        if text:
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError:
                raise UserError(
                    f"{paths.manifest} is damaged; move it away and run install again"
                ) from None
            if isinstance(loaded, dict) and isinstance(loaded.get("files"), dict):
                self.data = loaded

    @property
    def files(self) -> dict[str, Any]:
        files: dict[str, Any] = self.data["files"]
        return files

    def file(self, path: Path) -> dict[str, Any]:
        rec: dict[str, Any] = self.files.setdefault(str(path), {"backup": None, "entries": {}})
        return rec

    def entry(self, path: Path, key: str) -> dict[str, Any] | None:
        rec = self.files.get(str(path))
        return None if rec is None else rec["entries"].get(key)

    def backup(self, path: Path, original: str | None) -> None:
        """Copy the original aside before our first change to it (once per file)."""
        rec = self.file(path)
        if rec.get("backup") is not None or "existed" in rec:
            return
        if original is not None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            safe = str(path).strip("/\\").replace("/", "__").replace("\\", "__").replace(":", "")
            dest = self.paths.backups / f"{stamp}-{safe}"
            try:
                _write_backup(path, dest, original.encode("utf-8"), self.paths.root)
            except OSError as exc:
                # A cut-off copy is no backup; and with none recorded, the next run takes it.
                with contextlib.suppress(OSError):
                    dest.unlink()
                raise UserError(
                    f"{path}: cannot back it up to {dest}: {describe(exc)}; the file was not changed"
                ) from None
            rec["backup"] = str(dest)
        rec["existed"] = original is not None

    def drop(self, name: str) -> None:
        """Forget file ``name`` (restored, or nothing of ours left in it): its backup, a
        copy of a config that may hold other servers' keys, goes once this is saved."""
        rec = self.files.pop(name, None) or {}
        if rec.get("backup"):
            self.discarded.append(str(rec["backup"]))

    def drop_unused(self) -> None:
        """Drop every file with no entry of ours left: uninstall has taken them out, the
        file is the user's again, and there is nothing left for restore to undo."""
        for name in [n for n, rec in self.files.items() if not rec.get("entries")]:
            self.drop(name)

    def save(self) -> None:
        text = json.dumps(self.data, indent=2, sort_keys=True) + "\n"
        atomic_write(self.paths.manifest, text, mode=private.FILE_MODE)
        # Only now: had the save failed, the manifest on disk would still name them.
        for backup in self.discarded:
            with contextlib.suppress(OSError):
                os.unlink(backup)
        self.discarded.clear()


def _write_backup(original: Path, dest: Path, data: bytes, root: Path) -> None:
    """A copy of ``original`` in ``backups/``, private: the folder 0700, the file the
    stricter of the original's mode and 0600. A client config often holds other servers'
    API keys; a copy must not be readable by anyone who could not read the original."""
    try:
        mode = private.stricter(original.stat().st_mode)
    except OSError:
        mode = private.FILE_MODE
    private.make_dir(dest.parent, root)
    # Made private first, then filled: the bytes never sit in a file with a looser mode.
    os.close(private.open_file(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC))
    dest.write_bytes(data)
    if mode != private.FILE_MODE:
        os.chmod(dest, mode)
