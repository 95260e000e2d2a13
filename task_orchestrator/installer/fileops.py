"""Reading and writing files that are not ours: atomic replace, lock, backups, manifest.

The rules (DESIGN.md section 6, the failures of other installers): write through symlinks
to their target, keep the file mode, never leave a half-written file (temp file in the same
folder, fsync, os.replace), keep a backup of the original before our first change, and
record what we own so that uninstall and doctor can recognise it.
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
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def atomic_write(path: Path, text: str | None) -> None:
    """Replace ``path`` with ``text`` (None: delete it), atomically. Call it under
    :func:`locked`: it removes temp files of ours beside the target as stale."""
    target = target_of(path)
    if text is None:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        return
    check_writable(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target)
    mode = target.stat().st_mode & 0o7777 if target.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes 0600; a new file gets what the user's umask would give it.
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        if FAULT == "kill-before-replace":
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
        _replace(tmp, target)
        tmp = ""
        _fsync_dir(target.parent)
    finally:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _remove_stale_temps(target: Path) -> None:
    # Under the lock no other run of ours is writing, so a temp file of ours is what a killed
    # run left behind: harmless to the client, but clutter in the user's folder.
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace(src: str, dst: Path) -> None:
    # A separate function so the crash test can inject a failure right here.
    os.replace(src, dst)


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(paths: Paths) -> Iterator[None]:
    """One run of ours at a time: two setups racing on one file would lose an edit."""
    paths.root.mkdir(parents=True, exist_ok=True)
    lock_path = paths.root / "installer.lock"
    fh = open(lock_path, "a+b")  # noqa: SIM115 - held for the whole block
    try:
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UserError(
                f"another orchestrator-setup is running (lock {lock_path}); wait for it and retry"
            ) from None
        yield
    finally:
        fh.close()


def entry_hash(entry: Any) -> str:
    canon = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


class Manifest:
    """``manifest.json`` under the data root: per file, its backup and our entries."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self.data: dict[str, Any] = {"version": 1, "files": {}}
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
            self.paths.backups.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            safe = str(path).strip("/\\").replace("/", "__").replace("\\", "__").replace(":", "")
            dest = self.paths.backups / f"{stamp}-{safe}"
            try:
                dest.write_bytes(original.encode("utf-8"))
            except OSError as exc:
                # A cut-off copy is no backup; and with none recorded, the next run takes it.
                with contextlib.suppress(OSError):
                    dest.unlink()
                raise UserError(
                    f"{path}: cannot back it up to {dest}: {describe(exc)}; the file was not changed"
                ) from None
            rec["backup"] = str(dest)
        rec["existed"] = original is not None

    def save(self) -> None:
        atomic_write(self.paths.manifest, json.dumps(self.data, indent=2, sort_keys=True) + "\n")
