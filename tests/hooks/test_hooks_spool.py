"""The spool keeps every event that could not reach the store, and the replay applies each
one exactly once: line breaks inside a prompt, a damaged byte, a claimed file left behind by
a dead hook, a replay killed half-way (hooks/spool.py says how).

Real hook processes throughout, as Claude Code runs them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hooks_support import assert_shape, fixture, hook_command, run_hook

from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks import spool
from task_orchestrator.hooks.settings import load_settings

SID = "385b9237-d99d-45fc-ad3d-5aa2af4c7230"
WORK = "Implement a REST API for tasks with create, list and delete endpoints, and test it"
OpenStore = Callable[[], TaskStore]


def _spool_files() -> list[Path]:
    return sorted(default_paths().data.glob("hooks-spool.jsonl*"))


def _log_text() -> str:
    path = default_paths().logs / "hooks.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _seed(project: Path) -> None:
    """The store, this session and its first task, made by a real prompt."""
    answer = assert_shape(
        run_hook("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=WORK)),
        "UserPromptSubmit",
    )
    assert answer is not None and "tracked as task" in json.dumps(answer)


@contextmanager
def _locked() -> Iterator[None]:
    """Another process's write lock on the store, held for the duration."""
    holder = sqlite3.connect(str(default_paths().db), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _prompt_task(store: TaskStore, prompt_id: str) -> str:
    task_id = store.find_external("claude-code-prompt", SID, prompt_id)
    assert task_id is not None, f"prompt {prompt_id} was not stored"
    return store.get_task(task_id).description


@pytest.mark.fault(
    "a work prompt containing U+2028 or U+0085, spooled while the store was locked",
    "stored whole once the store is free, and the next prompt is stored too",
)
@pytest.mark.parametrize("breaks", ["\u2028", "\u0085", "\u2029\x1c\x1d\x1e\x0b\x0c\r"])
def test_line_separators_in_a_spooled_prompt(
    breaks: str, project: Path, open_store: OpenStore
) -> None:
    _seed(project)
    text = f"Implement the importer{breaks}with a dry run,{breaks}and test it on the samples"
    with _locked():
        run = run_hook(
            "UserPromptSubmit",
            fixture("UserPromptSubmit", project, prompt=text, prompt_id="p-breaks"),
        )
        answer = assert_shape(run, "UserPromptSubmit")
        assert answer is not None and "recorded later" in answer["systemMessage"]
    spooled = b"".join(p.read_bytes() for p in _spool_files())
    # The next prompt replays the spool first, then is handled itself.
    answer = assert_shape(
        run_hook(
            "UserPromptSubmit",
            fixture("UserPromptSubmit", project, prompt=WORK + " again", prompt_id="p-next"),
        ),
        "UserPromptSubmit",
    )
    assert answer is not None and "tracked as task" in json.dumps(answer)
    store = open_store()
    assert _prompt_task(store, "p-breaks") == text.strip()
    assert _prompt_task(store, "p-next") == WORK + " again"
    assert _spool_files() == []
    assert spooled.count(b"\n") == 1 and spooled.isascii()  # one line, nothing to split it
    assert "skipped" not in _log_text() and "dropped" not in _log_text()


@pytest.mark.fault(
    "with the store still locked, a prompt arrives after a mirrored task and a U+2028 prompt "
    "were spooled",
    "its replay attempt costs it nothing: it waits behind them, and all three are stored "
    "once the store is free",
)
def test_a_replay_that_fails_costs_the_next_prompt_nothing(
    project: Path, open_store: OpenStore
) -> None:
    _seed(project)
    broken = "Implement the importer\u2028with a dry run and test it on the samples"
    with _locked():
        for event, payload in (
            ("TaskCreated", _task_created(project, "5", "Mirrored")),
            ("UserPromptSubmit", _prompt(project, "2028", broken)),
            ("UserPromptSubmit", _prompt(project, "next")),
        ):
            assert_shape(run_hook(event, payload), event)
    assert_shape(run_hook("Stop", fixture("Stop", project)), "Stop")
    store = open_store()
    assert _prompt_task(store, "p-next") == f"{WORK} (next)"
    assert _prompt_task(store, "p-2028") == broken
    assert store.find_external("claude-code", SID, "5") is not None
    assert _spool_files() == []


def _task_created(project: Path, task_id: str, subject: str) -> dict[str, Any]:
    return fixture("TaskCreated", project, task_id=task_id, task_subject=subject)


@pytest.mark.fault(
    "a spool with one damaged (invalid UTF-8) byte in its second of three lines",
    "the other two events applied, the damaged line logged and skipped, no file left behind",
)
def test_an_invalid_byte_costs_one_line(project: Path, open_store: OpenStore) -> None:
    _seed(project)
    for task_id, subject in (("1", "First step"), ("2", "Second step"), ("3", "Third step")):
        assert spool.save("TaskCreated", _task_created(project, task_id, subject))
    path = Path(spool.spool_path())
    data = path.read_bytes()
    assert data.count(b"Second step") == 1
    path.write_bytes(data.replace(b"Second step", b"Sec\xffnd step"))
    assert_shape(run_hook("TaskCreated", _task_created(project, "4", "Fourth")), "TaskCreated")
    store = open_store()
    found = {i: store.find_external("claude-code", SID, i) for i in "1234"}
    assert found["2"] is None
    assert all(found[i] for i in "134"), found
    assert "spool line skipped" in _log_text()
    assert _spool_files() == []


@pytest.mark.fault(
    "a claimed spool file left behind by a hook that died (as `hooks-spool.jsonl.<pid>`)",
    "a later hook applies its events and removes it",
)
def test_a_stranded_claimed_file_is_picked_up(project: Path, open_store: OpenStore) -> None:
    _seed(project)
    # As earlier versions wrote it: raw UTF-8, a U+2028 inside a string (valid JSON).
    lines = [
        {
            "event": "TaskCreated",
            "payload": {**_task_created(project, "7", "Seven"), "task_description": "a\u2028b"},
        },
        {"event": "TaskCreated", "payload": _task_created(project, "8", "Eight")},
    ]
    stranded = default_paths().data / "hooks-spool.jsonl.4194301"
    stranded.write_bytes(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode("utf-8")
    )
    assert_shape(run_hook("Stop", fixture("Stop", project)), "Stop")
    store = open_store()
    seven = store.find_external("claude-code", SID, "7")
    assert seven is not None and store.get_task(seven).description == "a\u2028b"
    assert store.find_external("claude-code", SID, "8") is not None
    assert _spool_files() == []


def _filler(i: int) -> str:
    """A distinct work prompt of about 2,000 characters."""
    body = f"Implement part {i:05d} of the importer, with a dry run, and test it. "
    return body + "Keep the existing behaviour of the other parts unchanged. " * 32


def _big_spool(project: Path, size: int) -> int:
    """Prompts without a prompt id: replaying one twice would make two tasks, so a count
    shows both a lost and a doubled event."""
    count = 0
    while Path(spool.spool_path()).exists() is False or os.path.getsize(spool.spool_path()) < size:
        payload = fixture("UserPromptSubmit", project, prompt=_filler(count))
        del payload["prompt_id"]
        assert spool.save("UserPromptSubmit", payload)
        count += 1
    return count


def _read(db: Path, sql: str) -> list[Any]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _parts_stored(db: Path) -> int:
    return int(
        _read(db, "SELECT COUNT(*) FROM tasks WHERE description LIKE 'Implement part %'")[0][0]
    )


def _mark(db: Path) -> int:
    rows = _read(db, "SELECT value FROM scratch WHERE key LIKE 'hooks-spool:%'")
    return max((int(r[0]) for r in rows), default=0)


@pytest.mark.slow
@pytest.mark.fault(
    "a hook SIGKILLed in the middle of replaying a 4.9 MB spool",
    "the next hooks apply the rest: every spooled event stored exactly once",
)
def test_sigkill_mid_replay_loses_nothing_and_doubles_nothing(
    project: Path, open_store: OpenStore
) -> None:
    _seed(project)
    count = _big_spool(project, 4_900_000)
    db = default_paths().db
    payload = json.dumps(fixture("Stop", project)).encode()
    proc = subprocess.Popen(
        hook_command("Stop"),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=os.environ["HOME"],
    )
    assert proc.stdin is not None
    proc.stdin.write(payload)
    proc.stdin.close()
    deadline = time.monotonic() + 60
    while _parts_stored(db) == 0:  # the replay is under way
        assert proc.poll() is None, "the replay finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.kill()  # SIGKILL: nothing of ours runs after it
    proc.wait()
    claimed = [p for p in _spool_files() if p.name != "hooks-spool.jsonl"]
    assert len(claimed) == 1, "the killed hook's claimed file is still there"
    assert 0 < _mark(db) < claimed[0].stat().st_size  # its progress, recorded with its batches
    runs = 0
    while _spool_files():
        runs += 1
        assert runs <= 30, "the spool does not drain"
        assert_shape(run_hook("Stop", fixture("Stop", project)), "Stop")
    store = open_store()
    descriptions = store.conn.execute(
        "SELECT description FROM tasks WHERE description LIKE 'Implement part %'"
    ).fetchall()
    parts = sorted(d[0].split()[2] for d in descriptions)
    assert parts == [f"{i:05d}" for i in range(count)], "lost or doubled events"
    assert "failed" not in _log_text()


def test_a_replay_killed_between_its_last_batch_and_removing_its_file(
    project: Path, open_store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last batch committed with its progress, then the hook died before the file was
    deleted: the next replay finds everything applied and only removes the file."""
    _seed(project)
    for task_id in ("1", "2"):
        assert spool.save("UserPromptSubmit", _prompt(project, task_id))

    def killed(self: object, store: object) -> None:
        raise KeyboardInterrupt  # stands for the kill: nothing after this point runs

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(spool._Claimed, "remove", killed)
        spool.replay(load_settings())
    assert len(_spool_files()) == 1
    assert spool.replay(load_settings()) is False  # nothing waits any more
    assert _spool_files() == []
    store = open_store()
    for prompt_id in ("1", "2"):
        assert _prompt_task(store, f"p-{prompt_id}")
    marks = store.conn.execute("SELECT COUNT(*) FROM scratch WHERE key LIKE 'hooks-spool:%'")
    assert marks.fetchone()[0] == 0  # (the session's latest prompt is kept there too)
    rows = store.conn.execute("SELECT COUNT(*) FROM tasks WHERE description LIKE 'Implement%'")
    assert rows.fetchone()[0] == 3  # the seed and the two prompts, once each


def _prompt(project: Path, prompt_id: str, text: str = "") -> dict[str, Any]:
    return fixture(
        "UserPromptSubmit",
        project,
        prompt=text or f"{WORK} ({prompt_id})",
        prompt_id=f"p-{prompt_id}",
    )


def test_a_failing_event_is_undone_alone(
    project: Path, open_store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event whose handler fails half-way leaves none of its writes; the events around it
    in the same batch are applied."""
    _seed(project)
    for prompt_id in ("1", "2", "3"):
        assert spool.save("UserPromptSubmit", _prompt(project, prompt_id))
    from task_orchestrator.hooks import prompt

    real = prompt.handle

    def second_fails(event: Any, settings: Any) -> Any:
        answer = real(event, settings)  # its task is written...
        if event.text("prompt_id") == "p-2":
            raise RuntimeError("a bug after the write")  # ...and must be undone
        return answer

    monkeypatch.setattr(prompt, "handle", second_fails)
    assert spool.replay(load_settings()) is False
    store = open_store()
    assert store.find_external("claude-code-prompt", SID, "p-2") is None
    assert _prompt_task(store, "p-1") and _prompt_task(store, "p-3")
    assert "spooled UserPromptSubmit event dropped" in _log_text()
    assert _spool_files() == []


def test_events_wait_behind_the_spool_while_another_hook_replays(
    project: Path, open_store: OpenStore
) -> None:
    """While one hook replays (its lock held), a later event that may wait joins the spool
    behind the older ones instead of overtaking them."""
    _seed(project)
    assert spool.save("TaskCreated", _task_created(project, "1", "Older"))
    with spool._ReplayLock() as ours:  # as a replaying hook holds it
        assert ours
        assert_shape(run_hook("TaskCreated", _task_created(project, "2", "Newer")), "TaskCreated")
        lines = Path(spool.spool_path()).read_bytes().splitlines()
        assert [json.loads(x)["payload"]["task_id"] for x in lines] == ["1", "2"]
    assert_shape(run_hook("Stop", fixture("Stop", project)), "Stop")
    store = open_store()
    one, two = (store.get_task(store.find_external("claude-code", SID, i) or "") for i in "12")
    assert one.position < two.position  # applied in their order
    assert _spool_files() == []


def test_the_spool_writer_escapes_every_line_break() -> None:
    payload = {"prompt": "a\u2028b\u2029c\x85d\x1ce\x0bf\x0cg\rh\ni\ud800", "session_id": "s"}
    line = spool.encode("UserPromptSubmit", payload)
    assert line.isascii() and line.endswith(b"\n") and line.count(b"\n") == 1
    assert len(line.decode().splitlines()) == 1
    assert json.loads(line)["payload"]["prompt"] == payload["prompt"]


def test_a_short_write_leaves_no_half_line(monkeypatch: pytest.MonkeyPatch) -> None:
    default_paths().data.mkdir(parents=True)
    assert spool.save("SessionEnd", {"session_id": "a"})
    real_write = os.write
    with monkeypatch.context() as patched:
        patched.setattr(spool.os, "write", lambda fd, data: real_write(fd, data[:10]))
        assert not spool.save("SessionEnd", {"session_id": "b"})
    assert spool.save("SessionEnd", {"session_id": "c"})
    lines = Path(spool.spool_path()).read_bytes().split(b"\n")
    assert [json.loads(x)["payload"]["session_id"] for x in lines if x] == ["a", "c"]


def test_a_line_cut_short_by_a_crash_is_not_glued_to_the_next() -> None:
    """A hook killed in the middle of its append left half a line: the next event starts a
    line of its own, so only the half line is lost (the replay skips it alone)."""
    default_paths().data.mkdir(parents=True)
    assert spool.save("SessionEnd", {"session_id": "a"})
    with open(spool.spool_path(), "ab") as fh:
        fh.write(b'{"event": "SessionEnd", "payl')
    assert spool.save("SessionEnd", {"session_id": "c"})
    lines = Path(spool.spool_path()).read_bytes().split(b"\n")
    assert lines[1] == b'{"event": "SessionEnd", "payl'
    assert [json.loads(x)["payload"]["session_id"] for x in (lines[0], lines[2])] == ["a", "c"]


def test_a_spooled_task_update_keeps_its_dependencies(project: Path) -> None:
    """TaskUpdate's addBlockedBy / addBlocks are mirrored as dependencies (hooks/mirror.py),
    so slimming a payload for the spool must keep them."""
    payload = fixture("PostToolUse-TaskUpdate", project)
    payload["tool_input"].update(addBlockedBy=["1"], addBlocks=["3"], content="x" * 1000)
    kept = spool.slim(payload)["tool_input"]
    assert isinstance(kept, dict)
    assert kept["addBlockedBy"] == ["1"] and kept["addBlocks"] == ["3"] and "content" not in kept


WRITER = """
import sys, time
from task_orchestrator.hooks import spool
cwd, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(count):
    time.sleep(0.002)  # spread over the replays
    payload = {{"session_id": "{sid}", "cwd": cwd, "hook_event_name": "UserPromptSubmit",
               "prompt": "Implement part " + who + "-" + str(i) + " of the importer and test it"}}
    assert spool.save("UserPromptSubmit", payload)
"""
REPLAYER = """
import sys, time
from task_orchestrator.hooks import spool
from task_orchestrator.hooks.settings import load_settings
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    spool.replay(load_settings(), budget=0.2)
"""


@pytest.mark.slow
@pytest.mark.fault(
    "four processes append 1,000 events to the spool while two others claim and replay it",
    "every event applied exactly once",
)
def test_writers_and_replays_at_once_lose_and_double_nothing(project: Path) -> None:
    """Hooks append to the spool while others claim and replay it: every line lands in a
    file that is replayed (a claim waits for a writer's line, and a writer never appends to
    a file already claimed), and each is applied once."""
    _seed(project)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER.format(sid=SID), str(project), w, "250"])
        for w in "abcd"
    ]
    replayers = [subprocess.Popen([sys.executable, "-c", REPLAYER, "3"]) for _ in range(2)]
    for proc in writers + replayers:
        assert proc.wait(timeout=120) == 0
    while spool.backlog():
        spool.replay(load_settings())
    parts = sorted(
        d[0].split()[2]
        for d in _read(
            default_paths().db,
            "SELECT description FROM tasks WHERE description LIKE 'Implement part %'",
        )
    )
    assert parts == sorted(f"{w}-{i}" for w in "abcd" for i in range(250))
