"""Documents written into a project (a synthesis, a task report): where they may land.

A model chooses the path, so the rules assume the worst about it:

- only inside the workspace, by a relative path with no ``..``;
- never a dotfile and never inside a dot-folder (``.bashrc``, ``.ssh/authorized_keys``,
  ``.git/hooks/...``: files that other programs run or trust);
- never through a symlink, in the folders on the way or at the file itself;
- only a new file, or a file this program wrote there earlier and that nobody changed since
  (the store keeps the SHA-256 of what it wrote): a person's own file is never replaced.

Everything is checked before anything is created, so a refused call writes nothing.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat

from .atomic import replace_file
from .errors import InvalidInput, shown
from .models import Workspace
from .store import TaskStore

#: Longest name of one file or folder that common file systems take (ext4, APFS, NTFS).
MAX_NAME_BYTES = 255
MAX_RELATIVE_CHARS = 1_024


def split_relative(relative: str) -> list[str]:
    """The parts of a document path, refused with a message saying what to pass instead."""
    if not isinstance(relative, str) or not relative.strip() or "\x00" in relative:
        raise InvalidInput("the document path is empty; give a path such as docs/result.md")
    if len(relative) > MAX_RELATIVE_CHARS:
        raise InvalidInput(
            f"the document path has {len(relative)} characters, more than "
            f"{MAX_RELATIVE_CHARS}; give a short path such as docs/result.md"
        )
    if (
        os.path.isabs(relative)
        or relative.startswith(("/", "\\"))
        or os.path.splitdrive(relative)[0]
    ):
        raise InvalidInput(
            f"the document path {shown(relative)} is absolute; give a path relative to the "
            "workspace, such as docs/result.md"
        )
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        raise InvalidInput("the document path names no file; give one such as docs/result.md")
    for part in parts:
        if part == "..":
            raise InvalidInput(
                f"the path {shown(relative)} leads outside the workspace; give a path inside it"
            )
        if part.startswith("."):
            raise InvalidInput(
                f"the path {shown(relative)} names a hidden file or folder ({shown(part, 40)}); "
                "documents are never written to dotfiles or dot-folders, which other programs "
                "read as settings. Give a path such as docs/result.md"
            )
        if len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            raise InvalidInput(
                f"the name {shown(part, 40)} is longer than {MAX_NAME_BYTES} bytes, which file "
                "systems refuse; give a shorter name"
            )
    return parts


def write_document(
    store: TaskStore,
    workspace: Workspace,
    relative: str,
    text: str,
    *,
    task_id: str | None = None,
) -> str:
    """Write ``text`` to ``relative`` inside the workspace under the rules above; returns
    the absolute path written."""
    parts = split_relative(relative)
    key = "/".join(parts)
    root = store.local_folder(workspace)
    if root is None:
        raise InvalidInput(
            f"the workspace {workspace.path} has no folder on this machine (a team store names "
            "it by its key): documents are written only into a workspace checked out here; "
            "work from its folder",
            fix="workspace_gone",
        )
    # The workspace itself as well: a project folder replaced by a link since it was
    # resolved would carry every document to wherever the link points.
    if _kind(root) != "dir":
        raise InvalidInput(
            f"the workspace {root} is no longer a folder (moved, deleted or replaced by a link)",
            fix="workspace_gone",
        )
    folder = root
    missing: list[str] = []
    for part in parts[:-1]:
        folder = os.path.join(folder, part)
        if missing:
            missing.append(folder)
            continue
        kind = _kind(folder)
        if kind is None:
            missing.append(folder)
        elif kind != "dir":
            raise InvalidInput(
                f"{shown(key)}: {folder} is a {kind}, not a folder; documents are never "
                "written through links or into files. Give another path"
            )
    target = os.path.join(folder, parts[-1])
    data = text.encode("utf-8")
    kind = None if missing else _kind(target)
    if kind is not None:
        if kind != "file":
            raise InvalidInput(
                f"{target} is a {kind}; documents are only written as regular files of their "
                "own. Give another path"
            )
        recorded = store.document_hash(workspace.id, key)
        if recorded is None:
            raise InvalidInput(
                f"{target} already exists and was not written by task-orchestrator; it is left "
                "alone. Give a new file name"
            )
        if _sha256_of(target) != recorded:
            raise InvalidInput(
                f"{target} was written by task-orchestrator but has been changed since; it is "
                "left alone. Give a new file name, or move that file away first"
            )
    made: list[str] = []
    try:
        for path in missing:
            os.mkdir(path)
            made.append(path)
        if kind is None:
            _write_new(target, data)
        else:
            # Replaced, not rewritten in place: a reader never sees half a document. It
            # keeps its mode; a leftover temp file is recognisably ours.
            replace_file(target, data, fsync_folder=True, suffix=".task-orchestrator.tmp")
    except OSError as exc:
        for path in reversed(made):  # the folders made for it go too
            with contextlib.suppress(OSError):
                os.rmdir(path)
        raise InvalidInput(f"{shown(key)}: {_os_reason(exc)}; nothing was written") from None
    store.record_document(workspace.id, key, hashlib.sha256(data).hexdigest(), task_id=task_id)
    return target


def _os_reason(exc: OSError) -> str:
    """An OSError in words that say what to change."""
    if exc.errno == errno.ENAMETOOLONG:
        return "the whole path is longer than the file system allows; give a shorter path"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full; free some space and try again"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the folder may not be written to; check its permissions or give another path"
    return f"it cannot be written ({exc.strerror or exc})"


def _kind(path: str) -> str | None:
    """What is at ``path`` without following a link: None, dir, file, symlink or other."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InvalidInput(f"{shown(path)}: {_os_reason(exc)}") from None
    if stat.S_ISLNK(st.st_mode):
        return "symbolic link"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if stat.S_ISREG(st.st_mode):
        return "file"
    return "special file"


def _sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_new(target: str, data: bytes) -> None:
    # O_EXCL: a file that appeared since the check (or a link put there) is not written to.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(target, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(target)
        raise
