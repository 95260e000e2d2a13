"""Replacing a file whole or not at all: the one atomic writer of the project.

A reader (a client reading its config, a hook reading our cache) sees the old file or the
new one, never a mix; and a crash, a kill or a full disk leaves the old one in place. The
new bytes go to a temporary file beside the target (the same folder, so the same file
system), are flushed to disk, and only then renamed over it. On any failure the temporary
file is removed.

Callers keep their own rules around it: installer/fileops.py (client configs: symlinks
written through to their target, read-only files refused, temp files of a killed run
cleaned up, a fault-injection point), core/private.py (our files under the data root,
0600) and core/documents.py (a document of ours in a project). docs/ARCHITECTURE.md,
"Writing files", says why each is shaped as it is.

Only ``os``: core/private.py uses this on the hook path, and ``tempfile`` would load
``random``, ``shutil`` and more for the one thing done here by ``O_EXCL``.
"""

from __future__ import annotations

import os

# Type checkers only: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

_POSIX = os.name != "nt"
# Names are random, so a clash is another writer's temp file at that very moment; a few
# tries are plenty, and a bound keeps a folder that refuses every name from looping forever.
_TRIES = 100


def replace_file(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    mode: int | None = None,
    fsync_folder: bool = False,
    suffix: str = ".tmp",
    before_replace: Callable[[str], None] | None = None,
) -> None:
    """Replace the file at ``path`` with ``data``, atomically. The folder must exist.

    ``mode``: the new file's mode. None keeps the mode of the file replaced, and gives a
    file that did not exist what ``open`` would (0666 less the umask); the process umask
    is never changed or read.

    ``fsync_folder``: flush the folder after the rename too, so that the rename itself
    survives a power cut. The file's own data is always flushed before the rename.

    ``suffix``: ends the temporary file's name, ``.NAME.<random><suffix>``, so a caller can
    tell a temp file of its own that a killed run left behind.

    ``before_replace``: called with the temporary file's path once it is complete, just
    before the rename; whatever it raises aborts the write like any other failure.
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = None  # a new file: the umask decides, as it would for open()
    # 0600 until the mode is set: a copy of a private file is never readable by others,
    # not even while it is being written.
    fd, temp = _create_beside(folder, name, suffix, 0o666 if mode is None else 0o600)
    try:
        try:
            if mode is not None and _POSIX:
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if mode is not None and not _POSIX:
            os.chmod(temp, mode)  # Windows has no fchmod before 3.13; only the read-only bit
        if before_replace is not None:
            before_replace(temp)
        os.replace(temp, path)
    except BaseException:
        try:  # noqa: SIM105 - contextlib would be one more import on the hook path
            os.unlink(temp)
        except OSError:
            pass
        raise
    if fsync_folder:
        _fsync_folder(folder)


def _create_beside(folder: str, name: str, suffix: str, mode: int) -> tuple[int, str]:
    """A new, empty file in ``folder``, open for writing. ``O_EXCL``: never an existing
    file, nor a symlink someone put at that name, is opened instead."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_TRIES):
        temp = os.path.join(folder, f".{name}.{os.urandom(4).hex()}{suffix}")
        try:
            return os.open(temp, flags, mode), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name for a temporary file beside {name} in {folder}")


def _fsync_folder(folder: str) -> None:
    if not _POSIX:  # Windows cannot open a folder for fsync
        return
    fd = os.open(folder or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
