"""Soak: several real servers and a stream of real hook processes on one store, for a bounded
time; then the store is sound and holds every write that was acknowledged.

This is the everyday shape of use that once corrupted the store: a server writing large
results while short-lived hook processes open and close the same file. Every process that
closes its connection may believe it is the last one, checkpoint the write-ahead log and
delete it; if a live server's locks were silently dropped (docs/ARCHITECTURE.md, "The store
file") that deletes the log under it. Large ``detailed_work`` makes the log grow and
checkpoint often, and reconnect_test, restart_server and shutdown_prepare add connections
opened and closed inside the servers and explicit checkpoints.

What counts as acknowledged:

- a server's answer without ``isError``: plan (the parent and every subtask), execute (in
  progress), complete (completed, and its artifact with the full length of the work);
- a UserPromptSubmit hook whose answer names the task it created ("tracked as task T"), or
  says that the event was kept for replay ("will be recorded later": it must be in the store
  once the next hook has replayed the spool);
- a Stop hook whose answer says it completed a task (the prompt's, once its mirrored
  subtasks are done).

The -wal file is watched too: while the first server holds its connection, only a process
that wrongly believes itself the last one can delete it.

Run alone with ``pytest -m soak -s``; TASK_ORCHESTRATOR_SOAK_SECONDS lengthens it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from process_support import SERVER, initialize, serve_process

from task_orchestrator.core import db
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks.classify import classify
from task_orchestrator.hooks.state import PROMPT_LINK
from task_orchestrator.installer import launcher

SECONDS = float(os.environ.get("TASK_ORCHESTRATOR_SOAK_SECONDS") or 60)
SERVERS = 3  # the first lives for the whole soak, the others restart every few subtasks
HOOK_STREAMS = 2  # Claude Code sessions running side by side, one hook process at a time
SUBTASKS = 12  # per plan, as in the reproduction that corrupted the store
STEPS_PER_PROCESS = 4  # subtasks done by one process of the clients that restart theirs
PACE_S = 1.0  # at most one completion per client per second
WORK_CHARS = 450_000  # detailed_work per completion: the log grows past the auto-checkpoint
CALL_TIMEOUT_S = 60.0  # no call takes this long unless the server is stuck
HOOK_TIMEOUT_S = 30.0  # Claude Code's is 10 s; slower is reported, not killed
HOOK_DATA = Path(__file__).resolve().parents[1] / "hooks" / "data"
# Every few completions: reconnect_test opens and closes a second connection inside the
# server; shutdown_prepare and restart_server run a TRUNCATE checkpoint (the restart also
# reopens the store, the new connection before the old one closes).
LIFECYCLE = {
    2: "orchestrator_reconnect_test",
    4: "orchestrator_shutdown_prepare",
    5: "orchestrator_restart_server",
}
# Statuses in the order our acknowledged calls move a task; anything else (blocked,
# cancelled) was never acknowledged for these tasks.
RANK = {"pending": 0, "in_progress": 1, "completed": 2}
# SQLite's words for a damaged store, as tool errors and hook logs carry them.
DAMAGE = re.compile(r"malformed|disk image|not a database|no such table|disk I/O|corrupt", re.I)
TRACKED = re.compile(r"tracked as task (task_[0-9a-z]+)")
STOP_DONE = re.compile(r"completed task (task_[0-9a-z]+)")
ID_OR_PATH = re.compile(r"(?:task|sess|art)_[0-9a-z]+|/\S+|\d+(?:\.\d+)?")
ACK_KINDS = ("plan", "execute", "complete", "prompt", "stop")

pytestmark = [
    pytest.mark.soak,
    pytest.mark.slow,
    pytest.mark.skipif(os.name == "nt", reason="POSIX advisory locks are what this soaks"),
    # The default timeout is sized for ordinary tests; the soak takes as long as it is told.
    pytest.mark.timeout(SECONDS + 300),
]


@dataclass(frozen=True)
class Ack:
    """One acknowledged write and what its answer proves is in the store."""

    what: str  # one of ACK_KINDS
    tasks: tuple[tuple[str, str], ...] = ()  # (task id, least status)
    artifact: tuple[str, str, int] | None = None  # (artifact id, task id, length)
    prompt: tuple[str, str, str] | None = None  # (session id, prompt id, text)
    prompt_task: str | None = None  # the task the hook named; None: spooled


@dataclass
class Ledger:
    """Every acknowledged write, and the figures, from every thread."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acks: list[Ack] = field(default_factory=list)
    count: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # kinds of error, by how often
    started: float = field(default_factory=time.monotonic)
    first: dict[str, float] = field(default_factory=dict)  # figure -> seconds to its first

    def ack(self, ack: Ack) -> None:
        with self.lock:
            self.acks.append(ack)
            self.count[f"acknowledged {ack.what}"] += 1

    def add(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.count[what] += n
            if n:
                self.first.setdefault(what, time.monotonic() - self.started)

    def error(self, where: str, text: str) -> None:
        with self.lock:
            self.count["errors"] += 1
            if DAMAGE.search(text):
                self.count["damage errors"] += 1
                self.first.setdefault("damage errors", time.monotonic() - self.started)
            # Ids, paths and timings differ between errors of one kind.
            kind = ID_OR_PATH.sub("…", " ".join(text.split()))[:200]
            self.errors[f"{where}: {kind}"] += 1


class Server:
    """``task-orchestrator serve`` over stdio, newline-delimited JSON-RPC. A reader thread
    feeds a queue, so that a stuck server costs a timeout and not the whole run."""

    def __init__(self, cwd: Path, stderr: Path) -> None:
        self._stderr = stderr.open("ab")
        self.proc = serve_process(cwd, self._stderr)
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._next = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with contextlib.suppress(ValueError):
                self._replies.put(json.loads(line))
        self._replies.put(None)

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The result of one request; RuntimeError for a JSON-RPC error, a dead or stuck
        server."""
        self._next += 1
        rid = self._next
        try:
            self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        except (BrokenPipeError, ValueError) as exc:
            raise RuntimeError(f"server gone: {exc}") from exc
        deadline = time.monotonic() + CALL_TIMEOUT_S
        while True:
            try:
                reply = self._replies.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise RuntimeError(f"no answer to {method} in {CALL_TIMEOUT_S} s") from None
            if reply is None:
                raise RuntimeError(f"server exited ({self.proc.poll()}) during {method}")
            if reply.get("id") != rid:
                continue  # a notification (log message, progress)
            if "error" in reply:
                raise RuntimeError(f"{method}: JSON-RPC error {reply['error']}")
            return dict(reply["result"])

    def handshake(self) -> None:
        self.request("initialize", initialize(0, "soak")["params"])
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def call(self, tool: str, args: dict[str, Any]) -> tuple[bool, dict[str, Any] | str]:
        """(True, structured content) for an answer, (False, the error text) otherwise."""
        try:
            result = self.request("tools/call", {"name": tool, "arguments": args})
        except RuntimeError as exc:
            return False, str(exc)
        if result.get("isError"):
            text = " ".join(b.get("text", "") for b in result.get("content", []))
            return False, text or "isError without text"
        return True, dict(result["structuredContent"])

    def close(self) -> None:
        """As a client does: close stdin and let the server exit (its connection closes,
        which is when SQLite's last-connection cleanup may run)."""
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError, OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._reader.join(timeout=10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self._stderr.close()


def work_text(task_id: str) -> str:
    line = f"{task_id}: detailed work, every line different so nothing repeats by chance\n"
    lines = [f"{n:07d} {line}" for n in range(WORK_CHARS // (len(line) + 8) + 1)]
    return "".join(lines)[:WORK_CHARS]


@dataclass
class Client:
    """What one MCP client remembers across the server processes it starts."""

    index: int
    workspace: Path
    logs: Path
    ledger: Ledger
    deadline: float
    alive: threading.Event  # set while client 0's server is up (it never restarts)
    todo: list[str] = field(default_factory=list)  # subtasks of its plan not done yet
    steps: int = 0
    next_work: float = 0.0

    def over(self) -> bool:
        return time.monotonic() >= self.deadline


def serve_rounds(client: Client) -> None:
    """Client 0 keeps one server for the whole soak, as in the reproduction; the others
    start a new server process every few subtasks, as clients come and go, and go on with
    the same plan in it."""
    while not client.over():
        server = Server(client.workspace, client.logs / f"server{client.index}.stderr")
        client.ledger.add("server processes")
        try:
            server.handshake()
            if client.index == 0:
                client.alive.set()
            ok, out = server.call(
                "orchestrator_initialize_session", {"working_directory": str(client.workspace)}
            )
            if not ok:
                client.ledger.error(f"server {client.index} initialize_session", str(out))
            for _ in range(STEPS_PER_PROCESS if client.index else sys.maxsize):
                if client.over():
                    break
                if not client.todo and not plan(client, server):
                    time.sleep(0.2)  # a store that refuses plans would only spin here
                    continue
                work_on(client, server, client.todo.pop(0))
        except RuntimeError as exc:
            client.ledger.error(f"server {client.index}", str(exc))
        finally:
            if client.index == 0:
                client.alive.clear()
            server.close()


def plan(client: Client, server: Server) -> bool:
    ok, out = server.call(
        "orchestrator_plan_task",
        {
            "title": f"soak plan of client {client.index}",
            "description": "Implement the export command, with tests and documentation",
            "subtasks": [{"title": f"step {n}"} for n in range(SUBTASKS)],
        },
    )
    client.ledger.add("plan calls")
    if not ok:
        client.ledger.error(f"server {client.index} plan", str(out))
        return False
    assert isinstance(out, dict)
    planned = [out["task"]["id"], *(s["id"] for s in out["subtasks"])]
    client.ledger.ack(Ack("plan", tasks=tuple((t, "pending") for t in planned)))
    client.todo = planned[1:]
    return True


def work_on(client: Client, server: Server, task_id: str) -> None:
    """Execute and complete one subtask with a large result, then now and then a lifecycle
    call (see LIFECYCLE)."""
    ledger, name = client.ledger, f"server {client.index}"
    ok, res = server.call("orchestrator_execute_task", {"task_id": task_id})
    ledger.add("execute calls")
    if not ok:
        ledger.error(f"{name} execute", str(res))
        return
    ledger.ack(Ack("execute", tasks=((task_id, "in_progress"),)))
    # The pace of a busy client rather than a loop's: bounds the store's size (and the
    # disk a CI runner needs) to about WORK_CHARS per second per client.
    client.next_work = max(client.next_work + PACE_S, time.monotonic())
    time.sleep(max(0.0, min(client.next_work, client.deadline) - time.monotonic()))
    work = work_text(task_id)
    ok, res = server.call(
        "orchestrator_complete_task",
        {"task_id": task_id, "summary": f"{task_id} done", "detailed_work": work},
    )
    ledger.add("complete calls")
    if not ok:
        ledger.error(f"{name} complete", str(res))
        return
    assert isinstance(res, dict)
    ledger.add("detailed_work bytes", len(work))
    ledger.ack(
        Ack(
            "complete",
            tasks=((task_id, "completed"),),
            artifact=(res["artifact_id"], task_id, len(work)),
        )
    )
    client.steps += 1
    tool = LIFECYCLE.get(client.steps % 6)
    if tool is not None:
        ok, res = server.call(tool, {})
        ledger.add(tool.removeprefix("orchestrator_") + " calls")
        if not ok or (isinstance(res, dict) and res.get("ok") is False):
            ledger.error(f"{name} {tool}", str(res))


def work_prompts() -> list[str]:
    """Work prompts from the classifier's own data that it accepts, so each one that
    reaches the store becomes a task."""
    rows = [
        json.loads(line)
        for line in (HOOK_DATA / "prompts.jsonl").read_text("utf-8").split("\n")
        if line
    ]
    prompts = [r["prompt"] for r in rows if r["label"] == "work" and classify(r["prompt"]).is_work]
    assert len(prompts) >= 10
    return prompts


def payload(name: str, workspace: Path, session_id: str, **changes: Any) -> dict[str, Any]:
    """A real Claude Code 2.1.197 payload, moved to this session and workspace."""
    text = (HOOK_DATA / "fixtures" / f"{name}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text.replace("/home/user/project", str(workspace)))
    data["session_id"] = session_id
    data.update(changes)
    return data


def run_hook(event: str, data: dict[str, Any], ledger: Ledger) -> str:
    """One hook process as Claude Code runs it (the command the installer registers); what
    its answer says (additionalContext and systemMessage)."""
    command = [*launcher.hook_command(str(SERVER), frozen=False), "hook", event]
    started = time.monotonic()
    try:
        proc = subprocess.run(
            command,
            input=json.dumps(data).encode("utf-8"),
            capture_output=True,
            timeout=HOOK_TIMEOUT_S,
            env=dict(os.environ),
            cwd=data["cwd"],
        )
    except subprocess.TimeoutExpired:
        ledger.add("hook processes")
        ledger.error(f"hook {event}", f"no exit in {HOOK_TIMEOUT_S} s")
        return ""
    took = time.monotonic() - started
    ledger.add("hook processes")
    with ledger.lock:
        ledger.count["hooks over 10 s"] += took > 10
    # A hook fails open whatever happens: exit 0, nothing or one JSON object on stdout.
    if proc.returncode != 0:
        ledger.error(f"hook {event}", f"exit {proc.returncode}: {proc.stderr[-300:]!r}")
    stdout = proc.stdout.decode("utf-8", "replace")
    try:
        answer = json.loads(stdout) if stdout.strip() else {}
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        ledger.error(f"hook {event}", f"stdout is not one JSON object: {stdout[:200]!r}")
        return ""
    context = answer.get("hookSpecificOutput", {}).get("additionalContext", "")
    return f"{context}\n{answer.get('systemMessage', '')}"


def submit_prompt(workspace: Path, session_id: str, text: str, ledger: Ledger) -> str | None:
    """One UserPromptSubmit; records what it acknowledged; the task id when it names one."""
    prompt_id = str(uuid.uuid4())
    data = payload("UserPromptSubmit", workspace, session_id, prompt=text, prompt_id=prompt_id)
    answer = run_hook("UserPromptSubmit", data, ledger)
    ledger.add("work prompts")
    tracked = TRACKED.search(answer)
    if tracked or "will be recorded later" in answer:
        task_id = tracked.group(1) if tracked else None
        ledger.ack(Ack("prompt", prompt=(session_id, prompt_id, text), prompt_task=task_id))
        ledger.add("prompts spooled", task_id is None)
        return task_id
    ledger.error("hook UserPromptSubmit not recorded", answer or "(no answer)")
    return None


def hook_sessions(index: int, workspace: Path, ledger: Ledger, deadline: float) -> None:
    """Claude Code sessions one after the other, each a real sequence of events: start, a
    work prompt, its own task list created and finished (mirrored as subtasks), stop (which
    completes the prompt's task)."""
    prompts = work_prompts()
    n = index
    while time.monotonic() < deadline:
        session_id = str(uuid.uuid4())
        run_hook("SessionStart", payload("SessionStart", workspace, session_id), ledger)
        submit_prompt(workspace, session_id, prompts[n % len(prompts)], ledger)
        n += HOOK_STREAMS
        for ext in ("1", "2"):
            created = payload(
                "PostToolUse-TaskCreate",
                workspace,
                session_id,
                tool_input={"subject": f"part {ext}", "description": "", "activeForm": "Doing"},
                tool_response={"task": {"id": ext, "subject": f"part {ext}"}},
            )
            run_hook("PostToolUse", created, ledger)
        for ext in ("1", "2"):
            done = payload(
                "PostToolUse-TaskUpdate-completed",
                workspace,
                session_id,
                tool_input={"taskId": ext, "status": "completed"},
            )
            run_hook("PostToolUse", done, ledger)
        answer = run_hook("Stop", payload("Stop", workspace, session_id), ledger)
        # Usually the prompt's task; the hooks' own holder task when the prompt was spooled.
        finished = STOP_DONE.search(answer)
        if finished:
            ledger.ack(Ack("stop", tasks=((finished.group(1), "completed"),)))


def watch_log(db_path: Path, ledger: Ledger, alive: threading.Event, stop: threading.Event) -> None:
    """While server 0 holds its connection the log must stay: only the last connection to
    close may delete it. Its disappearance is the corruption caught in the act."""
    wal = db_path.with_name(db_path.name + "-wal")
    gone = False
    while not stop.wait(0.005):
        # alive before and after the stat: the server was up while the file was missing,
        # not just closing (it clears ``alive`` before it closes).
        missing = alive.is_set() and not wal.exists() and alive.is_set()
        if missing and not gone:
            ledger.add("-wal deleted under a live server")
        gone = missing


def unproven(conn: sqlite3.Connection, ack: Ack) -> list[str]:
    """What of ``ack`` the store does not hold (empty: all of it)."""
    lost = []
    for task_id, status in ack.tasks:
        row = conn.execute("SELECT status FROM tasks WHERE id = ?", (task_id,)).fetchone()
        if row is None:
            lost.append(f"{ack.what}: task {task_id} is not stored")
        elif RANK.get(row[0], -1) < RANK[status]:
            lost.append(f"{ack.what}: task {task_id} answered {status}, stored {row[0]}")
    if ack.artifact is not None:
        art_id, task_id, size = ack.artifact
        row = conn.execute(
            "SELECT task_id, length(content) FROM artifacts WHERE id = ?", (art_id,)
        ).fetchone()
        if row is None or tuple(row) != (task_id, size):
            lost.append(f"{ack.what}: artifact {art_id} of {task_id}: stored {row and tuple(row)}")
    if ack.prompt is not None:
        session_id, prompt_id, text = ack.prompt
        row = conn.execute(
            "SELECT t.id, t.description FROM external_links l JOIN tasks t ON t.id = l.task_id"
            " WHERE l.source = ? AND l.scope = ? AND l.external_id = ?",
            (PROMPT_LINK, session_id, prompt_id),
        ).fetchone()
        name = f"prompt {prompt_id} (answered {ack.prompt_task or 'spooled'})"
        if row is None or row[1] != text.strip():
            lost.append(f"{name} is not stored")
        elif ack.prompt_task is not None and row[0] != ack.prompt_task:
            lost.append(f"{name} is stored as {row[0]}")
    return lost


@dataclass
class Found:
    problems: list[str]  # the store's and integrity_check's, empty when the file is sound
    missing: list[str]  # what of the acknowledged writes the store does not hold
    stored: int = 0  # acknowledged writes found whole
    unreadable: int = 0  # acknowledged writes whose rows SQLite could not read


def check_store(db_path: Path, ledger: Ledger) -> Found:
    """Open the store as the program does; when that fails (the finding itself), look
    through a plain read-only connection at what is left."""
    found = Found([], [])
    store: TaskStore | None = None
    try:
        store = TaskStore.open(db_path, create=False)
        conn = store.conn
    except Exception as exc:
        found.problems.append(f"the store does not open: {exc}")
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        try:
            # One row may hold many lines ("*** in database main ***", then a line per
            # damaged page): one problem per line, so the figures can count and show them.
            rows = db.integrity_check(conn)
            found.problems += [line for row in rows for line in row.splitlines()]
            if store is not None and not found.problems:
                found.problems += store.integrity_problems()
        except Exception as exc:  # a damaged store may fail the check itself
            found.problems.append(f"integrity_check: {type(exc).__name__}: {exc}")
        for ack in ledger.acks:
            try:
                lost = unproven(conn, ack)
            except Exception as exc:  # a damaged page fails the read
                found.unreadable += 1
                lost = [f"{ack.what}: reading it failed: {type(exc).__name__}: {exc}"]
            found.missing += lost
            found.stored += not lost
    finally:
        if store is not None:
            store.close()
        else:
            conn.close()
    return found


def integrity(problems: list[str]) -> str:
    """The integrity figure: ok, or how many problems and the first few."""
    shown = [p for p in problems if not p.startswith("***")][:3]
    return f"{len(problems)} problems: {'; '.join(shown)} ..." if problems else "ok"


def log_errors(root: Path) -> list[str]:
    """ERROR records of the hooks' log: a hook that failed for a reason of its own (a bug,
    or a damaged store) says so only there, since it fails open."""
    lines: list[str] = []
    for path in sorted((root / "logs").glob("hooks.log*")):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines += [line for line in text.splitlines() if " ERROR " in line]
    return lines


def guarded(target: Callable[..., None], ledger: Ledger) -> Callable[..., None]:
    """A thread's body: a bug in the soak itself is reported, not lost in a thread."""

    def body(*args: Any) -> None:
        try:
            target(*args)
        except BaseException as exc:
            ledger.add("soak bugs")
            ledger.error(f"soak thread {target.__name__}", f"{type(exc).__name__}: {exc}")

    return body


@pytest.mark.fault(
    f"{SERVERS} real `task-orchestrator serve` processes at once (one for the whole run, two "
    f"started anew every {STEPS_PER_PROCESS} subtasks) planning {SUBTASKS} subtasks at a time "
    f"and completing each with {WORK_CHARS // 1000} KB of detailed_work, with reconnect_test, "
    "shutdown_prepare and restart_server (checkpoints) in between, and "
    f"{HOOK_STREAMS} streams of real hook processes (SessionStart, a work prompt, mirrored "
    f"TaskCreate/TaskUpdate, Stop) on one store for {SECONDS:g} s",
    "integrity_check ok; every plan, execute and complete a server answered, every prompt a "
    "hook answered as tracked or spooled and every task a Stop hook completed is in the "
    "store; the -wal file never deleted under a live server; no error but a busy store",
)
# Coverage in every subprocess (CI runs the suite with --cov) made each hook about six
# times slower here (134 hook processes in 20 s instead of 900): the soak is about load, and
# what its processes run is covered by the other tests.
@pytest.mark.usefixtures("without_coverage")
def test_soak_servers_and_hooks_on_one_store(workspace_dir: Path, tmp_path: Path) -> None:
    db_path = default_paths().db
    logs = tmp_path / "logs"
    logs.mkdir()
    ledger = Ledger()
    alive, stop = threading.Event(), threading.Event()
    started = ledger.started
    deadline = started + SECONDS
    servers = [
        threading.Thread(
            target=guarded(serve_rounds, ledger),
            args=(Client(i, workspace_dir, logs, ledger, deadline, alive),),
        )
        for i in range(SERVERS)
    ]
    hooks = [
        threading.Thread(
            target=guarded(hook_sessions, ledger), args=(i, workspace_dir, ledger, deadline)
        )
        for i in range(HOOK_STREAMS)
    ]
    watcher = threading.Thread(
        target=guarded(watch_log, ledger), args=(db_path, ledger, alive, stop)
    )
    # The first server creates the store; everything else starts on it.
    servers[0].start()
    while not alive.is_set() and servers[0].is_alive():
        time.sleep(0.01)
    watcher.start()
    for thread in [*servers[1:], *hooks]:
        thread.start()
    for thread in [*servers, *hooks]:
        thread.join()
    stop.set()
    watcher.join()
    # Prompts spooled while the store was busy are applied by the next hook that opens it:
    # this one, in a quiet store.
    submit_prompt(workspace_dir, str(uuid.uuid4()), work_prompts()[0], ledger)
    seconds = time.monotonic() - started
    found = check_store(db_path, ledger)
    for line in log_errors(db_path.parent.parent):
        ledger.error("hooks.log", line.split(" ERROR ", 1)[1])

    c = ledger.count

    def since(what: str) -> str:
        return f", the first after {ledger.first[what]:.1f} s" if what in ledger.first else ""

    spool = db_path.parent / "hooks-spool.jsonl"
    print(
        f"\nsoak: {c['server processes'] + c['hook processes']} processes "
        f"({c['server processes']} servers, {SERVERS} at a time, and {c['hook processes']} "
        f"hooks) on one store, {seconds:.0f} s\n"
        f"soak: {c['plan calls']} plan, {c['execute calls']} execute, {c['complete calls']} "
        f"complete ({c['detailed_work bytes'] / 1e6:.0f} MB of detailed_work), "
        f"{c['reconnect_test calls']} reconnect_test, {c['shutdown_prepare calls']} "
        f"shutdown_prepare, {c['restart_server calls']} restart_server; "
        f"{c['work prompts']} work prompts\n"
        f"soak: acknowledged writes {len(ledger.acks)} ("
        + ", ".join(f"{w} {c['acknowledged ' + w]}" for w in ACK_KINDS)
        + f"; {c['prompts spooled']} prompts spooled); stored {found.stored}, "
        f"not stored {len(ledger.acks) - found.stored - found.unreadable}, "
        f"unreadable {found.unreadable}\n"
        f"soak: integrity_check {integrity(found.problems)}\n"
        f"soak: errors {c['errors']} ({c['damage errors']} naming damage{since('damage errors')}"
        f"); -wal deleted under a live server {c['-wal deleted under a live server']} times"
        f"{since('-wal deleted under a live server')}; hooks over 10 s "
        f"{c['hooks over 10 s']}; spool left {spool.stat().st_size if spool.exists() else 0} B"
    )
    for line, times in ledger.errors.most_common(8):
        print(f"soak: error x{times}: {line}")
    for line, times in Counter(ID_OR_PATH.sub("…", m) for m in found.missing).most_common(8):
        print(f"soak: missing x{times}: {line}")

    assert c["soak bugs"] == 0, ledger.errors
    assert found.problems == []
    assert found.missing == [] and found.stored == len(ledger.acks)
    assert c["-wal deleted under a live server"] == 0
    # A store busy past a hook's short timeout is the one trouble a hook may report (it
    # fails open, and says so); any other error, and any from a server (whose busy timeout
    # is 10 s), means something broke.
    unexpected = [e for e in ledger.errors if not (e.startswith("hook") and "busy" in e)]
    assert unexpected == [], ledger.errors
    assert c["complete calls"] >= SUBTASKS, "too little work to call it a soak"
