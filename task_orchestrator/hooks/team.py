"""A member's machine: with ``[team]`` in config.toml a hook posts its event to the team server
and prints the server's answer; nothing touches a local store (docs/ARCHITECTURE.md, "The
team").

**What is sent**: ``POST {url}/hooks/{EVENT}``, the payload slimmed as the local spool slims
it (hooks/spool.py ``slim``: the fields the handlers read, never a written file's contents),
with the token from the environment variable ``[team] token_env`` names, the machine, the
workspace's team key and the local workspace folder (headers percent-encoded where a folder
name is not ASCII, as UTF-8: hooks/team_http.py ``header_value``).

**What cannot be delivered waits** in ``data/team-spool.jsonl`` (private): no connection,
a timeout, a 5xx or a 429. One JSON line per event: ``{"event", "headers", "body"}``, the
headers without the token (it is added when the line is sent, from the environment of that
moment). The spool stops taking events at MAX_SPOOL_BYTES, and says so in the log at error
level for every event it turns away, and on screen at SessionStart and UserPromptSubmit.

**Order**: events reach the server in the order they happened. A hook that finds events
waiting sends them first (one drainer at a time: ``team-spool.lock``, taken without waiting),
oldest first, stopping at the first that fails and within ``[team] timeout``; only when none
wait any more does it send its own event. Otherwise its event joins the spool behind them and
the hook answers at once (fail open); when the drain stopped for its time budget rather than
a failure (the server answers, but more waits than fits in one hook), the draining goes on
after the answer in the forked child (hooks/runner.py ``_after_answer``) with a longer
budget, since nobody waits for it. That keeps the order because every event either goes
straight to the server while the spool is empty or goes through the spool, and the spool is
sent by one process at a time, line by line, each line's success recorded
(``team-spool.offset``) before the next is sent; a drainer killed between a send and its
record sends that one event again (at least once, never lost). SessionEnd (Claude Code gives
its hooks about 1.5 s) never drains before its answer: with events waiting it joins the
spool and the child drains.

**Refusals are not retried**: 401 (a wrong, revoked or missing token) is logged at error level
and said on screen where a person is looking; the event is not spooled, since no retry would
get it in (a spooled event met by a 401 while draining stays, for when the token is right
again). 404, 413 and other 4xx are logged and dropped. A missing token variable sends
nothing: one log line, and at SessionStart a message saying what to export.
"""

from __future__ import annotations

import os
import time

from ..core import fastjson, private
from ..core.root import TeamConfig, data_root, team_from_table
from . import protocol, team_http
from .log import log, log_path
from .spool import BINARY, append_line, is_file, lock_briefly, slim, try_lock

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .settings import Settings

SPOOL_NAME = "team-spool.jsonl"
OFFSET_NAME = "team-spool.offset"
LOCK_NAME = "team-spool.lock"
MAX_SPOOL_BYTES = 5_000_000
#: After the answer nobody waits, but a stuck drainer would hold the lock: bounded all the same.
AFTER_ANSWER_BUDGET_S = 8.0
#: Where a person is looking: trouble gets one line on screen there, nowhere else.
ANNOUNCE = frozenset({"SessionStart", "UserPromptSubmit"})
#: Header names of the contract (docs/ARCHITECTURE.md, "The team").
MACHINE = "X-Task-Orchestrator-Machine"
WORKSPACE = "X-Task-Orchestrator-Workspace"
ROOT = "X-Task-Orchestrator-Root"

# The outcome of one send.
SENT, RETRY, REFUSED, DROPPED = "sent", "retry", "refused", "dropped"
# Why a drain stopped.
DONE, FAILED, BUDGET, BUSY = "done", "failed", "budget", "busy"


def spool_path() -> str:
    return os.path.join(data_root(), "data", SPOOL_NAME)


def dispatch(name: str, payload: dict[str, object], settings: Settings) -> dict[str, object] | None:
    """The answer to event ``name`` on a member's machine (runner.dispatch calls this when
    ``[team]`` is set)."""
    config, problems = team_from_table(settings.team)
    if config is None:
        log("error", f"hook {name}: [team] in {settings.path} is not usable: {'; '.join(problems)}")
        return _trouble(name, "[team] in config.toml is not usable; run `task-orchestrator doctor`")
    token = os.environ.get(config.token_env, "").strip()
    if not token:
        log(
            "warning",
            f"hook {name}: {config.token_env} is not set, so nothing was sent to the team "
            f"server {config.url}",
        )
        if name == "SessionStart":
            return protocol.message_answer(
                f"task-orchestrator: export {config.token_env}=<your team token> (from "
                "`task-orchestrator team add-user`) and restart Claude Code; until then "
                "nothing reaches the team server"
            )
        return None
    line: dict[str, object] = {
        "event": name,
        "headers": _headers(config, payload),
        "body": slim(payload),
    }
    if backlog():
        stopped = drain(config, token, config.timeout) if name != "SessionEnd" else BUDGET
        if backlog():
            kept = save(line)
            if stopped == BUDGET:
                # The server answers but more waits than fit in one hook: the forked child
                # goes on after the answer. After a failure there is nothing to try now.
                protocol.after_answer(lambda: _drain_after(config, token))
            return _trouble(name, "older events are still waiting for the team server", kept)
    outcome, answer, why = send(config, token, line)
    if outcome == SENT:
        return answer
    if outcome == RETRY:
        kept = save(line)
        log(
            "warning",
            f"hook {name}: the team server {config.url} did not take it ({why})"
            + ("; spooled" if kept else "; NOT spooled"),
        )
        return _trouble(name, f"the team server did not answer ({why})", kept)
    if outcome == REFUSED:
        log(
            "error",
            f"hook {name}: the team server {config.url} refused the token in "
            f"{config.token_env} ({why}); the event was dropped",
        )
        return _trouble(name, f"the team server refused the token in {config.token_env}")
    log("warning", f"hook {name}: the team server {config.url} dropped it ({why})")
    return None


def _headers(config: TeamConfig, payload: dict[str, object]) -> dict[str, str]:
    headers = {MACHINE: config.machine}  # printable ASCII: core/root.py machine_problem
    cwd = protocol.text_of(payload, "cwd")
    if cwd:
        from ..core.teamkey import workspace_key
        from ..core.workspace import find_workspace

        root = find_workspace(cwd)
        key = team_http.header_value(workspace_key(root, config.machine))
        folder = team_http.header_value(root)
        if key is not None and folder is not None:
            headers[WORKSPACE], headers[ROOT] = key, folder
        # else: a folder name no header can carry; the server works from the payload's cwd
    return headers


def send(
    config: TeamConfig, token: str, line: dict[str, object], timeout: float | None = None
) -> tuple[str, dict[str, object] | None, str]:
    """(outcome, the server's answer when SENT, why when not)."""
    headers = dict(line["headers"])  # type: ignore[call-overload]
    headers["Authorization"] = f"Bearer {token}"
    body = fastjson.dumps(line["body"]).encode("utf-8", "surrogateescape")
    try:
        response = team_http.request(
            "POST",
            config.url,
            f"/hooks/{line['event']}",
            headers,
            body,
            timeout=config.timeout if timeout is None else timeout,
        )
    except team_http.Unreachable as exc:
        return RETRY, None, str(exc)
    status = response.status
    if status == 200:
        try:
            answer = fastjson.loads(response.body) if response.body.strip() else None
        except ValueError:
            return DROPPED, None, "its answer was not JSON"
        return SENT, (answer if isinstance(answer, dict) and answer else None), ""
    why = f"HTTP {status}"
    if status == 429:
        why += f", retry after {response.headers.get('retry-after', '?')} s"
    if status == 429 or status >= 500:
        return RETRY, None, why
    if status in (401, 403):
        return REFUSED, None, why
    return DROPPED, None, why


def _trouble(name: str, what: str, kept: bool | None = None) -> dict[str, object] | None:
    if name not in ANNOUNCE:
        return None
    if kept is not None:
        what += "; this event " + ("will be sent later" if kept else "was NOT kept")
    return protocol.message_answer(f"task-orchestrator hook {name}: {what} (see {log_path()})")


# ---- the spool -----------------------------------------------------------------------------


def backlog() -> bool:
    """Whether events wait: one ``stat``."""
    try:
        return os.stat(spool_path()).st_size > 0
    except OSError:
        return False


def save(line: dict[str, object]) -> bool:
    """Append one event; False when it cannot be kept (the spool is full, no disk)."""
    try:
        data = (fastjson.dumps(line) + "\n").encode("ascii")  # ASCII: only "\n" ends a line
    except (TypeError, ValueError):
        return False
    path = spool_path()
    try:
        private.make_dir(os.path.dirname(path), data_root())
        kept = append_line(path, data, MAX_SPOOL_BYTES)
    except OSError as exc:
        log("error", f"the team spool {path}: {exc}; the {line['event']} event was lost")
        return False
    if kept == "full":
        log(
            "error",
            f"the team spool {path} is full: the {line['event']} event was LOST; is the "
            "team server reachable? (`task-orchestrator doctor`)",
        )
    return kept == "written"


def waiting() -> int:
    """How many events wait in the spool (doctor's question)."""
    try:
        with open(spool_path(), "rb") as fh:
            data = fh.read()
    except OSError:
        return 0
    return data[_offset() :].count(b"\n")


def drain(config: TeamConfig, token: str, budget: float) -> str:
    """Send waiting events oldest first, until none wait (DONE), one fails (FAILED) or
    ``budget`` seconds pass (BUDGET). BUSY: another process drains now; it goes on until
    the spool is empty, so what this one would have sent is in its hands."""
    folder = os.path.dirname(spool_path())
    try:
        lock = private.open_file(os.path.join(folder, LOCK_NAME), os.O_RDWR | os.O_CREAT | BINARY)
    except OSError:
        return FAILED
    try:
        if not try_lock(lock):
            return BUSY
        return _drain(config, token, time.monotonic() + budget)
    finally:
        os.close(lock)


def _drain_after(config: TeamConfig, token: str) -> None:
    drain(config, token, AFTER_ANSWER_BUDGET_S)


def _drain(config: TeamConfig, token: str, deadline: float) -> str:
    path = spool_path()
    while True:
        offset = _offset()
        try:
            with open(path, "rb") as fh:
                fh.seek(offset)
                data = fh.read()
        except FileNotFoundError:
            return DONE
        whole = data[: data.rfind(b"\n") + 1]  # a line being appended right now waits
        if data and not whole:
            return DONE  # a line cut short, or one being written now: the next drain's
        if not whole:
            if _remove_if_done(path, offset):
                return DONE
            continue  # appended meanwhile: send that too
        for raw in whole.split(b"\n")[:-1]:
            left = deadline - time.monotonic()
            if left <= 0.05:
                return BUDGET
            outcome = _send_line(config, token, raw, min(config.timeout, left))
            if outcome in (RETRY, REFUSED):
                return FAILED
            offset += len(raw) + 1
            _set_offset(offset)


def _send_line(config: TeamConfig, token: str, raw: bytes, timeout: float) -> str:
    try:
        line = fastjson.loads(raw)
        if not isinstance(line, dict) or not isinstance(line.get("headers"), dict):
            raise ValueError("not an event line")
    except ValueError as exc:
        log("error", f"the team spool has a damaged line ({exc}); skipped")
        return DROPPED
    outcome, _, why = send(config, token, line, timeout)
    if outcome != SENT:
        level = "error" if outcome == REFUSED else "warning"
        log(
            level,
            f"team spool: {line.get('event')} not sent ({why})"
            + ("; dropped" if outcome == DROPPED else "; it waits"),
        )
    return outcome


def _offset() -> int:
    """Where the first unsent line starts. The record names the spool file it is about (its
    inode): a record left by a drainer that died after removing a finished spool must not
    skip the lines of the next one."""
    folder = os.path.dirname(spool_path())
    try:
        with open(os.path.join(folder, OFFSET_NAME), "rb") as fh:
            ino, _, offset = fh.read().decode("ascii").partition(":")
        if int(ino) == os.stat(spool_path()).st_ino:
            return int(offset)
    except (OSError, ValueError):
        pass
    return 0


def _set_offset(offset: int) -> None:
    folder = os.path.dirname(spool_path())
    ino = os.stat(spool_path()).st_ino
    private.write_file(os.path.join(folder, OFFSET_NAME), f"{ino}:{offset}".encode("ascii"))


def _remove_if_done(path: str, offset: int) -> bool:
    """Every line sent: the spool and its offset go, under the writers' lock so that no
    event appended meanwhile goes with them. False when a line was appended meanwhile."""
    try:
        fd = os.open(path, os.O_RDONLY | BINARY)
    except FileNotFoundError:
        return True
    try:
        lock_briefly(fd)
        if not is_file(fd, path):
            return True
        if os.fstat(fd).st_size != offset:
            return False
        os.unlink(path)  # a writer that opened it meanwhile sees that and opens anew
        os.unlink(os.path.join(os.path.dirname(path), OFFSET_NAME))
    except OSError:
        pass  # no record yet; or Windows, which will not remove an open file: the next drain does
    finally:
        os.close(fd)
    return True
