"""What git says about a folder: where it stands, and what changed between two commits
(docs/ARCHITECTURE.md, "Git state").

Two kinds of facts at two costs. Where a folder stands (its repository, a linked worktree,
the branch, HEAD, a rebase in progress) is read from the files under ``.git``, without a git
process: the hooks ask it and a process costs them a few milliseconds. What changed (dirty
or clean, the commits ``start..HEAD`` and the files they touched) is asked of git itself,
bounded and with a timeout, only at a task's start and completion and after a commit.

Nothing here raises for a folder that is no repository, a repository with no commit yet, a
shallow clone, a detached HEAD, a rebase in progress or a machine without git: each reads as
"unknown" (None) with a note saying why.
"""

from __future__ import annotations

import os

from .recordtype import FrozenRecord

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

#: At most this many commits are kept of one task's range; more are counted as cut.
MAX_COMMITS = 200
#: At most this many changed files are kept of one task's range.
MAX_FILES = 500
#: One git process may take this long; a repository on a hung network share must not hang
#: a tool call or a hook's after-answer work.
GIT_TIMEOUT_S = 10.0
#: What git's own state files mean (in the worktree's git dir), first match wins.
_STATES = (
    ("rebase-merge", "rebase"),
    ("rebase-apply", "rebase"),
    ("MERGE_HEAD", "merge"),
    ("CHERRY_PICK_HEAD", "cherry-pick"),
    ("REVERT_HEAD", "revert"),
    ("BISECT_LOG", "bisect"),
)
_HEX = frozenset("0123456789abcdef")
# Variables that would point git at another repository than the folder we pass with -C:
# set when we run inside a git hook (the commit trailer) or under a tool that sets them.
_GIT_PLACE_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")


class Repo(FrozenRecord):
    """A work tree and where its git data lives."""

    __slots__ = ("top", "git_dir", "common_dir", "linked")
    #: The work tree's top-level folder.
    top: str
    #: Its own git dir: ``TOP/.git``, or ``MAIN/.git/worktrees/NAME`` for a linked worktree.
    git_dir: str
    #: Where refs and objects live (the main repository's ``.git``).
    common_dir: str
    #: A linked worktree (``git worktree add``), not the main one.
    linked: bool

    @property
    def main_top(self) -> str | None:
        """The main work tree's top-level, when the common dir is a ``.git`` folder in it."""
        if os.path.basename(self.common_dir) != ".git":
            return None  # a bare repository, or a layout we do not guess at
        return os.path.dirname(self.common_dir)


class Place(FrozenRecord):
    """Where a folder's work tree stands, read from files only."""

    __slots__ = ("repo", "branch", "head", "state")
    repo: Repo
    #: The branch checked out (the one being rebased, during a rebase); None when detached.
    branch: str | None
    #: The commit HEAD names; None before the first commit (or refs git stores otherwise).
    head: str | None
    #: "" or what is in progress: rebase, merge, cherry-pick, revert, bisect.
    state: str


class Commit(FrozenRecord):
    __slots__ = ("sha", "author", "committed_at", "timestamp", "subject")
    sha: str
    author: str
    #: ISO 8601 with the committer's offset, as git prints it (``%cI``).
    committed_at: str
    #: The same moment in seconds since the epoch (``%ct``).
    timestamp: int
    subject: str


class FileChange(FrozenRecord):
    __slots__ = ("path", "added", "deleted")
    path: str
    #: Lines added and deleted; None for a binary file.
    added: int | None
    deleted: int | None


def _read(path: str, limit: int = 4096) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def find_repo(directory: str) -> Repo | None:
    """The work tree that holds ``directory`` (the nearest ``.git`` above it), from files:
    a ``.git`` folder, or a ``.git`` file (``gitdir: ...``) of a linked worktree or a
    submodule. None outside any repository."""
    level = os.path.realpath(directory)
    while True:
        dot_git = os.path.join(level, ".git")
        if os.path.isdir(dot_git):
            return Repo(top=level, git_dir=dot_git, common_dir=dot_git, linked=False)
        if os.path.isfile(dot_git):
            text = _read(dot_git) or ""
            if text.startswith("gitdir:"):
                git_dir = os.path.normpath(os.path.join(level, text[7:].strip()))
                # Only a linked worktree's git dir has a commondir file; a submodule's has
                # none, and is a repository of its own.
                common = _read(os.path.join(git_dir, "commondir"))
                if common is not None and common.strip():
                    common_dir = os.path.normpath(os.path.join(git_dir, common.strip()))
                    return Repo(top=level, git_dir=git_dir, common_dir=common_dir, linked=True)
                return Repo(top=level, git_dir=git_dir, common_dir=git_dir, linked=False)
        parent = os.path.dirname(level)
        if parent == level:
            return None
        level = parent


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and set(text) <= _HEX


def resolve_ref(repo: Repo, ref: str) -> str | None:
    """The commit a ref names, from loose ref files or ``packed-refs``; None when it names
    none (a branch with no commit yet) or is stored where we do not read (reftable)."""
    for _ in range(5):  # symbolic refs point at refs; a loop must end somewhere
        text = None
        for base in (repo.git_dir, repo.common_dir):
            text = _read(os.path.join(base, ref))
            if text is not None:
                break
        if text is None:
            return _packed(repo, ref)
        text = text.strip()
        if not text.startswith("ref: "):
            return text if _is_sha(text) else None
        ref = text[5:].strip()
    return None


def _packed(repo: Repo, ref: str) -> str | None:
    try:
        with open(os.path.join(repo.common_dir, "packed-refs"), encoding="utf-8") as f:
            for line in f:
                if line.endswith(" " + ref + "\n") or line.rstrip("\n").endswith(" " + ref):
                    sha = line.split(" ", 1)[0]
                    return sha if _is_sha(sha) else None
    except (OSError, UnicodeDecodeError):
        return None
    return None


def read_place(directory: str) -> Place | None:
    """Where ``directory``'s work tree stands; None outside any repository."""
    repo = find_repo(directory)
    if repo is None:
        return None
    state = ""
    for name, meaning in _STATES:
        if os.path.exists(os.path.join(repo.git_dir, name)):
            state = meaning
            break
    head_text = (_read(os.path.join(repo.git_dir, "HEAD")) or "").strip()
    if not head_text:
        return None  # a .git with no HEAD is no repository git would work in either
    branch: str | None = None
    head: str | None = None
    if head_text.startswith("ref: "):
        ref = head_text[5:].strip()
        branch = ref[len("refs/heads/") :] if ref.startswith("refs/heads/") else ref
        if branch == ".invalid":  # a reftable repository: git must be asked instead
            branch = None
        head = resolve_ref(repo, ref)
    elif _is_sha(head_text):
        head = head_text
    if state == "rebase" and branch is None:
        # A rebase detaches HEAD; the branch it is rebasing is written down beside it.
        for folder in ("rebase-merge", "rebase-apply"):
            name = (_read(os.path.join(repo.git_dir, folder, "head-name")) or "").strip()
            if name.startswith("refs/heads/"):
                branch = name[len("refs/heads/") :]
                break
    return Place(repo=repo, branch=branch, head=head, state=state)


def run_git(top: str, args: Sequence[str], *, timeout: float = GIT_TIMEOUT_S) -> str | None:
    """git's standard output for ``args`` run in ``top``; None when git is missing, fails
    (not a repository, an unknown commit) or times out. Never takes optional locks, so a
    status never competes with the user's own git for ``index.lock``."""
    import subprocess  # only where git runs: it costs a hook a few milliseconds to import

    env = {k: v for k, v in os.environ.items() if k not in _GIT_PLACE_VARS}
    env.update(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        proc = subprocess.run(
            ["git", "-C", top, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace")


def git_available() -> bool:
    import shutil

    return shutil.which("git") is not None


def is_dirty(top: str) -> bool | None:
    """Tracked files changed against HEAD (staged or not); untracked files do not count, and
    looking for them would walk the whole tree. None when git cannot say."""
    out = run_git(top, ["status", "--porcelain", "--untracked-files=no", "--ignore-submodules"])
    return None if out is None else bool(out.strip())


_COMMIT_FORMAT = "--format=%H%x1f%an%x1f%cI%x1f%ct%x1f%s%x1e"


def _commits(out: str) -> list[Commit]:
    found = []
    for record in out.split("\x1e"):
        parts = record.strip("\n").split("\x1f")
        if len(parts) == 5 and _is_sha(parts[0]) and parts[3].isdigit():
            found.append(
                Commit(
                    sha=parts[0],
                    author=parts[1],
                    committed_at=parts[2],
                    timestamp=int(parts[3]),
                    subject=parts[4][:300],
                )
            )
    return found


def commit_info(top: str, rev: str = "HEAD") -> Commit | None:
    out = run_git(top, ["log", "-1", _COMMIT_FORMAT, rev, "--"])
    found = _commits(out) if out is not None else []
    return found[0] if found else None


def commits_between(
    top: str, start: str, end: str, *, limit: int = MAX_COMMITS
) -> tuple[list[Commit], bool] | None:
    """The commits reachable from ``end`` and not from ``start``, newest first, at most
    ``limit``, and whether more were left out. None when git cannot say (``start`` is gone:
    garbage-collected after a rebase; outside a shallow clone's history)."""
    out = run_git(top, ["log", f"--max-count={limit + 1}", _COMMIT_FORMAT, f"{start}..{end}", "--"])
    if out is None:
        return None
    found = _commits(out)
    return found[:limit], len(found) > limit


def files_between(
    top: str, start: str, end: str, *, limit: int = MAX_FILES
) -> tuple[list[FileChange], bool] | None:
    """The files changed from ``start`` to ``end`` (``git diff --numstat``, renames as a
    deletion and an addition), at most ``limit``, and whether more were left out."""
    out = run_git(top, ["diff", "--numstat", "-z", "--no-renames", start, end, "--"])
    if out is None:
        return None
    found = []
    for entry in out.split("\0"):
        parts = entry.split("\t", 2)
        if len(parts) != 3 or not parts[2]:
            continue
        added = int(parts[0]) if parts[0].isdigit() else None
        deleted = int(parts[1]) if parts[1].isdigit() else None
        found.append(FileChange(path=parts[2], added=added, deleted=deleted))
    return found[:limit], len(found) > limit


def message_of(top: str, rev: str) -> tuple[str, str] | None:
    """The full sha and the whole message of ``rev``; None when git does not know it."""
    out = run_git(top, ["log", "-1", "--format=%H%x1f%B", rev, "--"])
    if out is None or "\x1f" not in out:
        return None
    sha, message = out.split("\x1f", 1)
    return (sha.strip(), message) if _is_sha(sha.strip()) else None


def trailer_tasks(message: str) -> list[str]:
    """The task ids a commit message names in ``Task: task_...`` trailer lines."""
    found = []
    for line in message.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "task":
            value = value.strip()
            if value.startswith("task_") and value[5:].isalnum():
                found.append(value)
    return found
