"""Events that could not reach the store when they happened (it was locked past our short
busy timeout), kept in order and applied later by the next hook that can. A busy store
delays the bookkeeping instead of losing it. docs/ARCHITECTURE.md, "Hook events and the
spool", has the whole picture; hooks/events.py says which events may wait here.

The file, ``data/hooks-spool.jsonl``: one event per line, ``{"event": NAME, "payload":
{...}}``, in JSON with every non-ASCII character escaped. A line therefore holds no byte that
any reader could take for a line break (U+2028, U+0085 and the like are written ``\\u2028``,
``\\u0085``), and it is split on ``b"\\n"`` alone. A line that does not read (a torn write, a
damaged byte) is logged and skipped; it never costs the others.

Writing: one ``write()`` of one whole line with O_APPEND, under an exclusive ``flock`` of the
file, so that lines never interleave, a short write is undone before anyone sees it, and no
line lands in a file that a replay has claimed meanwhile (the claim takes the same lock).

Replaying, one process at a time (``hooks-spool.lock``): the spool is claimed by renaming it
to ``hooks-spool.jsonl.<token>``, and its events are applied in batches. Each batch is one
store transaction that also records how far the file is done (the mark ``hooks-spool:<token>``
in the store), so the effects of a batch and its progress commit together or not at all. A
replay killed at any point (Claude Code's timeout, SIGKILL) therefore loses nothing and
applies nothing twice: its open batch rolls back with its progress, and the next replay,
which finds the claimed file left behind, goes on from the recorded offset. The claimed file
is deleted only once every event in it is applied. The lock is released by the kernel when
its holder dies, so a claimed file never stays stranded.
"""

from __future__ import annotations

import os
import sys
import time

from ..core import fastjson, private
from ..core.root import data_root
from .events import SPOOLED

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.store import TaskStore
    from .settings import Settings

SPOOL_NAME = "hooks-spool.jsonl"
LOCK_NAME = "hooks-spool.lock"
MARK = "hooks-spool:"  # + a claimed file's token: the offset of its first unapplied byte
MAX_SPOOL_BYTES = 5_000_000  # past this the oldest bookkeeping is not worth a slow hook
MAX_PROMPT_CHARS = 20_000
# Claude Code kills a hook after 10 s, and the event at hand still needs its own turn after
# the replay: what does not fit in this budget waits for the next hook.
REPLAY_BUDGET_S = 2.0
# A batch holds the store's write lock; servers and other hooks wait for it meanwhile.
BATCH_S = 0.2
BATCH_EVENTS = 200
# A store that is still busy must not eat the event's own budget.
REPLAY_BUSY_TIMEOUT_S = 1.0
_INPUT_KEYS = (
    "taskId",
    "status",
    "subject",
    "description",
    "activeForm",
    "file_path",
    "notebook_path",
    "addBlockedBy",
    "addBlocks",
)


def spool_dir() -> str:
    return os.path.join(data_root(), "data")


def spool_path() -> str:
    return os.path.join(spool_dir(), SPOOL_NAME)


def slim(payload: dict[str, object]) -> dict[str, object]:
    """The fields the handlers read: a Write payload carries the whole file."""
    out = {k: v for k, v in payload.items() if k not in ("tool_input", "tool_response")}
    tool_input = payload.get("tool_input")
    if isinstance(tool_input, dict):
        out["tool_input"] = {k: tool_input[k] for k in _INPUT_KEYS if k in tool_input}
    response = payload.get("tool_response")
    if isinstance(response, dict) and isinstance(response.get("task"), dict):
        out["tool_response"] = {"task": {"id": response["task"].get("id")}}
    for key in ("prompt", "error", "last_assistant_message"):  # read bounded anyway
        text = out.get(key)
        if isinstance(text, str) and len(text) > MAX_PROMPT_CHARS:
            out[key] = text[:MAX_PROMPT_CHARS]
    return out


def encode(event: str, payload: dict[str, object]) -> bytes:
    """One spool line: ASCII only, so that nothing but its final ``\\n`` ends it."""
    return (fastjson.dumps({"event": event, "payload": slim(payload)}) + "\n").encode("ascii")


def save(event: str, payload: dict[str, object]) -> bool:
    """Append one event; False when it cannot be kept (not spoolable, spool full, no disk)
    or has nothing worth keeping (a prompt that would not become a task)."""
    if event not in SPOOLED:
        return False
    if event == "UserPromptSubmit":
        from .prompt import for_spool
        from .settings import load_settings

        kept = for_spool(payload, load_settings())
        if kept is None:
            return False
        payload = kept
    elif event in ("SubagentStart", "PostToolUseFailure"):
        from .subagents import for_spool as agent_for_spool

        payload = agent_for_spool(event, payload)
    try:
        line = encode(event, payload)
    except (TypeError, ValueError):  # not JSON at all: nothing a replay could apply
        return False
    try:
        return append_line(spool_path(), line, MAX_SPOOL_BYTES) == "written"
    except OSError:
        return False


def append_line(path: str, line: bytes, limit: int) -> str:
    """Append one line to a spool file under its lock: "written", "full" (it would grow
    past ``limit`` bytes) or "failed" (a short write, undone; or the file kept being
    claimed). OSError (no folder, no disk) is the caller's. The local spool and the team
    spool (hooks/team.py) both keep their lines this way."""
    for _ in range(3):  # a replay or drainer may take the file between our open and our lock
        fd = private.open_file(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | BINARY)
        try:
            lock_briefly(fd)
            if not is_file(fd, path):
                continue
            size = os.fstat(fd).st_size
            if size and os.lseek(fd, size - 1, os.SEEK_SET) and os.read(fd, 1) != b"\n":
                # A line cut short by a crash: ours must not be glued to it (readers skip
                # the damaged line alone).
                line = b"\n" + line
            if size + len(line) > limit:
                return "full"
            if os.write(fd, line) == len(line):
                return "written"
            os.ftruncate(fd, size)  # a short write (disk full): no half line stays
            return "failed"
        finally:
            os.close(fd)  # and with it the lock
    return "failed"


def backlog() -> bool:
    """Whether spooled events wait: in the spool, or in a claimed file not finished yet. One
    directory listing; the core is imported only when there is something to replay."""
    try:
        names = os.listdir(spool_dir())
    except OSError:
        return False
    return any(name == SPOOL_NAME or _token(name) for name in names)


def replay(settings: Settings, *, budget: float = REPLAY_BUDGET_S) -> bool:
    """Apply waiting events, oldest first, for at most ``budget`` seconds. Returns True when
    events still wait and will be applied later (the budget ran out, the store is busy,
    another hook is replaying): then an event that may wait should join the spool rather than
    overtake them. Never raises: trouble is logged, and what was not applied stays."""
    from ..core.errors import StoreBusy, StoreUnavailable
    from .log import log

    deadline = time.monotonic() + budget
    try:
        with _ReplayLock() as ours:
            if ours:
                applied = _replay(settings, deadline)
                if applied:
                    log("info", f"replayed {applied} spooled hook events")
    except StoreBusy as exc:
        log("warning", f"spool replay stopped, the store is busy: {exc}")
    except StoreUnavailable as exc:
        # A missing or broken store: the event at hand reports it; waiting would hide it.
        log("warning", f"spool replay stopped: {exc}")
        return False
    except Exception as exc:
        log("error", f"spool replay failed: {type(exc).__name__}: {exc}", exc_info=True)
        return False
    return backlog()


def _replay(settings: Settings, deadline: float) -> int:
    """Apply claimed files, then the spool, batch by batch until ``deadline``; how many
    lines were applied (or skipped as unreadable)."""
    from ..core import db
    from ..core.store import TaskStore
    from .state import store_file

    with TaskStore.open(store_file(), create=False, busy_timeout=REPLAY_BUSY_TIMEOUT_S) as store:
        current: _Claimed | None = None
        first = True
        applied = 0
        while time.monotonic() < deadline:
            with db.write(store.conn):
                if first:
                    # Marks of files finished by a replay killed before it could drop them.
                    store.drop_marks(MARK, keep=[MARK + t for t in _claimed_tokens()])
                    first = False
                if current is None:
                    token = _oldest_claimed() or _claim()
                    if token is None:
                        return applied  # nothing waits
                    current = _Claimed(store, token)
                count = current.apply_batch(store, settings, deadline)
            applied += count  # only once its batch has committed
            if current.done:
                current.remove(store)
                current = None
        return applied


class _Claimed:
    """A claimed spool file: its bytes, and how far they are applied."""

    def __init__(self, store: TaskStore, token: str) -> None:
        self.token = token
        self.path = f"{spool_path()}.{token}"
        self.key = MARK + token
        with open(self.path, "rb") as fh:
            self.data = fh.read()
        mark = store.get_mark(self.key)
        self.offset = int(mark) if mark and mark.isdigit() else 0

    @property
    def done(self) -> bool:
        return self.offset >= len(self.data)

    def apply_batch(self, store: TaskStore, settings: Settings, deadline: float) -> int:
        """Apply events from the recorded offset on, and record the new offset, inside the
        caller's transaction: both commit together, or neither does. Returns how many."""
        stop = min(deadline, time.monotonic() + BATCH_S)
        count = 0
        while not self.done and count < BATCH_EVENTS and time.monotonic() < stop:
            end = self.data.find(b"\n", self.offset)
            end = len(self.data) if end == -1 else end + 1
            _apply(store, settings, self.data[self.offset : end], f"{self.path}@{self.offset}")
            self.offset = end
            count += 1
        store.set_mark(self.key, str(self.offset))
        return count

    def remove(self, store: TaskStore) -> None:
        # The file goes before its mark: a file without its mark would be replayed from its
        # start, a mark without its file is only dropped by the next replay.
        os.unlink(self.path)
        store.drop_marks(self.key)


def _apply(store: TaskStore, settings: Settings, line: bytes, where: str) -> None:
    """Apply one spooled event in a savepoint of the batch: an event that fails undoes its
    own writes and is logged and skipped; the batch goes on."""
    from ..core import db
    from ..core.errors import StoreError
    from .events import handler
    from .log import log
    from .protocol import Event

    if not line.strip():
        return
    try:
        item = fastjson.loads(line.decode("utf-8"))
        name, payload = item["event"], item["payload"]
        if name not in SPOOLED or not isinstance(payload, dict):
            raise ValueError(f"not a spooled event: {name!r}")
    except Exception as exc:
        log("warning", f"spool line skipped, it does not read ({where}): {exc}")
        return
    try:
        with db.write(store.conn):
            handler(name)(Event(name, payload, store), settings)
    except Exception as exc:
        if not store.conn.in_transaction:
            raise  # SQLite gave up the whole batch (disk full...): it is tried again later
        log(
            "warning",
            f"spooled {name} event dropped ({where}): {type(exc).__name__}: {exc}",
            exc_info=not isinstance(exc, StoreError),
        )


def _token(name: str) -> str:
    """The token of a claimed file's name, or "" for any other file."""
    prefix = SPOOL_NAME + "."
    return name[len(prefix) :] if name.startswith(prefix) else ""


def _claimed_tokens() -> list[str]:
    """Tokens of the claimed files, oldest claim first. Versions before the progress marks
    named a claimed file after the claiming process id alone; those go first."""
    try:
        names = os.listdir(spool_dir())
    except OSError:
        return []
    tokens = [t for t in map(_token, names) if t]
    return sorted(tokens, key=lambda t: (not t.isdigit(), t))


def _oldest_claimed() -> str | None:
    tokens = _claimed_tokens()
    return tokens[0] if tokens else None


def _claim() -> str | None:
    """Rename the spool to a claimed file of its own; its token, or None with no spool."""
    token = f"{time.time_ns():020d}-{os.getpid()}"
    path = spool_path()
    return token if _rename_between_writes(path, f"{path}.{token}") else None


BINARY = getattr(os, "O_BINARY", 0)

if sys.platform == "win32":  # pragma: no cover - tested by the Windows CI job

    def lock_briefly(fd: int) -> None:
        """Nothing to do: Windows refuses to rename a file that another process has open,
        which keeps a claim from happening under a writer's feet."""

    def _rename_between_writes(path: str, target: str) -> bool:
        try:
            os.replace(path, target)
        except (FileNotFoundError, PermissionError):  # PermissionError: a writer has it open
            return False
        return True

    def try_lock(fd: int) -> bool:
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:

    def lock_briefly(fd: int) -> None:
        """Wait for the writer or the claim in progress: each holds the lock for one
        ``write()`` or one rename."""
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)

    def _rename_between_writes(path: str, target: str) -> bool:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            lock_briefly(fd)
            os.replace(path, target)
        finally:
            os.close(fd)
        return True

    def try_lock(fd: int) -> bool:
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True


def is_file(fd: int, path: str) -> bool:
    """Whether ``fd`` is still the file at ``path`` (not claimed away since it was opened)."""
    try:
        at_path = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (opened.st_dev, opened.st_ino) == (at_path.st_dev, at_path.st_ino)


class _ReplayLock:
    """``hooks-spool.lock``, taken without waiting: True for the one process that replays
    now. The kernel releases it when that process dies, however it dies."""

    def __init__(self) -> None:
        self.fd = -1

    def __enter__(self) -> bool:
        try:
            self.fd = private.open_file(
                os.path.join(spool_dir(), LOCK_NAME), os.O_RDWR | os.O_CREAT | BINARY
            )
        except OSError:
            return False
        return try_lock(self.fd)

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)
