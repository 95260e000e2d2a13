"""Everything under the data root is private to the user: folders 0700, files 0600.

The root holds every work prompt, Claude's last message of each task, the files it touched,
and copies of client configs with other servers' API keys in them; none of it is anyone
else's to read (docs/ARCHITECTURE.md, "Private files"). Every folder and file we make under
the root is made here, so the rule has one home:

- :func:`make_dir` creates a folder 0700 (and the root, if missing); the folders above the
  root are the user's, made as the umask says.
- :func:`open_file`, :func:`create_new` and :func:`write_file` create a file 0600.
- :func:`secure_root` fixes a root made by an older version (0755 folders, 0644 files): one
  ``os.stat`` of the root per process, and a walk only when the root itself is open to others.

The process umask is never changed: it is one value for the whole process (threads
included), and the client configs we write outside the root must keep following it.

Only ``os`` and ``stat`` (which ``os`` has already loaded), and core/atomic.py (only ``os``)
when a file is written: the hooks use this on every event.
"""

from __future__ import annotations

import os
import stat

DIR_MODE = 0o700
FILE_MODE = 0o600
_OTHERS = 0o077  # the group's and everyone else's bits
_POSIX = os.name != "nt"  # Windows has no mode bits to speak of: nothing to tighten there

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    import io
    import logging

_secured: set[str] = set()


def make_dir(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> None:
    """Create folder ``path`` unless it exists: it and every missing folder from ``root``
    (the data root, or ``path`` itself) down are made 0700; missing folders above ``root``
    are left to the umask, as the user's own."""
    path, root = os.fspath(path), os.fspath(root)
    if os.path.isdir(path):
        return
    parent = os.path.dirname(path)
    if path == root or parent == path or not path.startswith(root.rstrip(os.sep) + os.sep):
        if parent and parent != path:
            os.makedirs(parent, exist_ok=True)
    else:
        make_dir(parent, root)
    try:
        os.mkdir(path, DIR_MODE)
    except FileExistsError:
        return  # made meanwhile by another process of ours, by this same rule
    if _POSIX:
        # mkdir's mode passes through the umask: an odd one (0o277) would take our own bits.
        os.chmod(path, DIR_MODE)


def open_file(
    path: str | os.PathLike[str],
    flags: int = os.O_WRONLY | os.O_CREAT | os.O_APPEND,
    mode: int = FILE_MODE,
) -> int:
    """A descriptor of ``path`` opened with ``flags``; a file it creates gets ``mode`` (0600
    unless a caller asks for less), and an existing one with another mode (an older
    version's 0644) is set to it. Never for the store file: docs/ARCHITECTURE.md, "The store
    file", says why a process with a connection must not close a descriptor of it."""
    fd = os.open(path, flags, mode)
    if _POSIX:
        try:
            if stat.S_IMODE(os.fstat(fd).st_mode) != mode:
                os.fchmod(fd, mode)
        except BaseException:
            os.close(fd)
            raise
    return fd


def create_new(path: str | os.PathLike[str]) -> bool:
    """Create ``path`` empty and 0600 if nothing is there; False when something already is.

    The store file is made this way before SQLite opens it, because SQLite creates a missing
    file 0644 and gives its ``-wal`` and ``-shm`` the database file's mode. Opening and
    closing this descriptor is safe even in a process that has store connections: with
    ``O_EXCL`` it is a new file, which no connection of ours can have open.
    """
    try:
        fd = open_file(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def write_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data``, whole or not at all, 0600. For small files of ours
    that a reader may open at any moment."""
    # Imported here: most hooks write nothing, and their answers load as few modules as
    # tests/hooks/test_hooks_imports.py allows.
    from .atomic import replace_file

    replace_file(path, data, mode=FILE_MODE)


def stricter(mode: int) -> int:
    """The stricter of ``mode`` and 0600, for a copy of someone else's file: the copy never
    lets anyone read what the original did not, and never anyone but the user."""
    return stat.S_IMODE(mode) & FILE_MODE


def rotating_log(path: str, max_bytes: int, backups: int) -> logging.Handler:
    """A ``RotatingFileHandler`` whose files (the log and each one started after a
    rotation; rotated files are renamed and keep their mode) are made by :func:`open_file`.
    ``logging`` is imported here, not at the top: a hook that logs nothing never loads it."""
    import logging.handlers

    class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        def _open(self) -> io.TextIOWrapper:
            fd = open_file(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            return open(fd, "a", encoding=self.encoding, errors=self.errors)

    return PrivateRotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )


def secure_root(root: str | os.PathLike[str]) -> None:
    """Make a root that an older version left open to others (0755 folders, 0644 files)
    private, once per process: one ``os.stat`` of the root when it is already private, which
    is what the hooks pay on every event. The root's own mode is changed last, so a walk
    cut short (a hook killed at its timeout) is taken up again by the next program."""
    root = os.fspath(root)
    if not _POSIX or root in _secured:
        return
    _secured.add(root)
    try:
        st = os.stat(root)
    except OSError:
        return  # not made yet: whatever makes it makes it private
    if st.st_mode & _OTHERS and not _shared(root):
        tighten(root)


def tighten(path: str | os.PathLike[str]) -> None:
    """Take the group's and other users' bits off ``path`` and everything under it, keeping
    the user's own (an installed binary stays executable). Symlinks are neither followed nor
    changed; what cannot be changed (a file that belongs to another user) is left."""
    path = os.fspath(path)
    try:
        st = os.lstat(path)
    except OSError:
        return
    if stat.S_ISLNK(st.st_mode):
        return
    if stat.S_ISDIR(st.st_mode):
        try:
            with os.scandir(path) as entries:
                names = [entry.path for entry in entries]
        except OSError:
            names = []
        for name in names:
            tighten(name)
    mode = stat.S_IMODE(st.st_mode)
    if mode & _OTHERS:
        try:  # noqa: SIM105 - contextlib would be one more import on the hook path
            os.chmod(path, mode & ~_OTHERS)
        except OSError:
            pass


def _shared(root: str) -> bool:
    """A data root that is the home folder or a filesystem root (``TASK_ORCHESTRATOR_HOME``
    set to one of them) holds far more than ours: its modes are not ours to change."""
    real = os.path.realpath(root)
    home = os.path.realpath(os.path.expanduser("~"))
    return real == home or os.path.dirname(real) == real
