"""What the hooks write under the data root is the user's alone (folders 0700, files 0600),
a root left open by an older version is closed by the next hook, and with
``capture_prompts = "title"`` a prompt's text is nowhere under the root: not in the store,
its log, the spool or the hook log. Real hook processes, as Claude Code runs them."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hooks_support import assert_shape, context_of, fixture, run_hook

from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.hooks.state import NOT_KEPT

pytestmark = pytest.mark.skipif(os.name == "nt", reason="Windows has no POSIX mode bits")

# The second sentence never makes it into a title; the marker is what must be found nowhere.
SECRET = "zebracorn-4471"
WORK = (
    "Implement a REST API for tasks with create, list and delete endpoints, and test it. "
    f"The staging password is {SECRET} and the customer is Initech."
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def open_to_others(root: Path, skip: tuple[Path, ...] = ()) -> list[str]:
    """Every folder not 0700 and every file readable or writable by the group or others."""
    bad = []
    for path in [root, *root.rglob("*")]:
        if path in skip or path.is_symlink():
            continue
        if (path.is_dir() and mode(path) != 0o700) or mode(path) & 0o077:
            bad.append(f"{oct(mode(path))} {path.relative_to(root)}")
    return bad


def everything_under(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def wait_for(path: Path, seconds: float = 10.0) -> None:
    """The hook's after-answer work runs in a detached child: give it time to finish."""
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), path


class Holder:
    """Another process's write lock on the store, as a busy server would hold it."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(str(db), isolation_level=None)
        self.conn.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


@pytest.fixture
def title_only(write_config: Callable[[str], Path]) -> Iterator[Path]:
    """``capture_prompts = "title"``, in a config file the user keeps private."""
    path = write_config('[hooks]\ncapture_prompts = "title"\n')
    for p in (path, path.parent, path.parent.parent):
        p.chmod(0o600 if p.is_file() else 0o700)
    yield path


@pytest.mark.fault(
    "real hook processes write the store, the quick_check stamp, the settings cache, the "
    "hook log and the spool (store locked)",
    "every file 0600, every folder 0700; a prompt never readable by another user",
)
def test_every_file_a_hook_writes_is_private(project: Path) -> None:
    paths = default_paths()
    root = paths.root
    assert not root.exists()
    assert_shape(
        run_hook("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=WORK)),
        "UserPromptSubmit",
    )
    assert_shape(run_hook("SessionStart", fixture("SessionStart", project)), "SessionStart")
    wait_for(Path(f"{paths.db}.checked"))
    run_hook("NotAnEvent", fixture("SessionEnd", project, hook_event_name="NotAnEvent"))
    config = paths.config_file
    config.parent.mkdir(mode=0o700)
    config.write_text("[hooks]\nstale_hours = 12\n", encoding="utf-8")
    config.chmod(0o600)
    holder = Holder(paths.db)
    try:
        busy = fixture("UserPromptSubmit", project, prompt=WORK, prompt_id="p-busy")
        answer = assert_shape(run_hook("UserPromptSubmit", busy), "UserPromptSubmit")
        assert answer is not None and "recorded later" in answer["systemMessage"]
    finally:
        holder.release()
    made = {
        "tasks.db": paths.db,
        "quick_check stamp": Path(f"{paths.db}.checked"),
        "hook log": paths.logs / "hooks.log",
        "settings cache": root / "cache" / "hooks-settings.json",
        "spool": paths.data / "hooks-spool.jsonl",
    }
    assert {name: oct(mode(p)) for name, p in made.items()} == dict.fromkeys(made, "0o600")
    assert open_to_others(root) == []


@pytest.mark.fault(
    "a data root left by an older version (folders 0755; store, log and spool 0644), then "
    "one hook that answers a question (the cheapest kind)",
    "the root, its folders 0700 and every file 0600 after that one hook",
)
def test_the_next_hook_closes_a_root_an_older_version_left_open(project: Path) -> None:
    paths = default_paths()
    assert_shape(
        run_hook("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=WORK)),
        "UserPromptSubmit",
    )
    run_hook("NotAnEvent", fixture("SessionEnd", project, hook_event_name="NotAnEvent"))
    (paths.data / "hooks-spool.jsonl").write_text("", encoding="utf-8")
    for p in [paths.root, *paths.root.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    assert len(open_to_others(paths.root)) >= 5
    question = fixture("UserPromptSubmit", project, prompt="what does this function return?")
    assert run_hook("UserPromptSubmit", question).answer is None
    assert open_to_others(paths.root) == []


@pytest.mark.fault(
    'a work prompt with capture_prompts = "title", once with the store free and once while '
    "it is locked (then replayed by the next hook)",
    "both tasks made with a short title; the prompt's text in no file under the data root "
    "(store, its log, spool, hook log)",
)
def test_title_only_keeps_no_prompt_text(
    project: Path, title_only: Path, open_store: Callable[[], TaskStore]
) -> None:
    paths = default_paths()
    answer = assert_shape(
        run_hook("UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=WORK)),
        "UserPromptSubmit",
        context=True,
    )
    assert "Implement a REST API for tasks" in context_of(answer)
    assert SECRET.encode() not in everything_under(paths.root)
    holder = Holder(paths.db)
    try:
        busy = fixture("UserPromptSubmit", project, prompt=WORK, prompt_id="p-busy")
        answer = assert_shape(run_hook("UserPromptSubmit", busy), "UserPromptSubmit")
        assert answer is not None and "recorded later" in answer["systemMessage"]
        spool = paths.data / "hooks-spool.jsonl"
        assert spool.stat().st_size > 0
        assert SECRET.encode() not in everything_under(paths.root)
    finally:
        holder.release()
    # The next hook that gets through replays the spooled prompt, title and all.
    assert_shape(run_hook("TaskCreated", fixture("TaskCreated", project)), "TaskCreated")
    assert not spool.exists()
    store = open_store()
    sid = fixture("UserPromptSubmit", project)["session_id"]
    ids = [
        store.find_external("claude-code-prompt", sid, p)
        for p in ("p-busy", fixture("UserPromptSubmit", project)["prompt_id"])
    ]
    tasks = [store.get_task(i) for i in ids if i]
    assert len(tasks) == 2
    for task in tasks:
        assert task.title.startswith("Implement a REST API for tasks")
        assert task.description == NOT_KEPT
    store.close()
    assert SECRET.encode() not in everything_under(paths.root)
    assert "hooks.log" in os.listdir(paths.logs)  # the busy store was logged, without the text


def test_title_only_holds_when_the_prompt_queues_behind_older_events(
    project: Path, title_only: Path, open_store: Callable[[], TaskStore]
) -> None:
    """The other way into the spool: older events still wait (here, because the store is
    busy while a TaskCreated waits), so the prompt queues behind them untried. The capture
    rule holds there too: the title is kept, the text is not."""
    paths = default_paths()
    run_hook("SessionStart", fixture("SessionStart", project))  # the store exists
    holder = Holder(paths.db)
    try:
        run_hook("TaskCreated", fixture("TaskCreated", project))  # busy: spooled
        spool = paths.data / "hooks-spool.jsonl"
        assert spool.stat().st_size > 0
        queued = fixture("UserPromptSubmit", project, prompt=WORK, prompt_id="p-queued")
        answer = assert_shape(run_hook("UserPromptSubmit", queued), "UserPromptSubmit")
        assert answer is not None and "recorded later" in answer["systemMessage"]
        assert b"task_orchestrator_title" in spool.read_bytes()
        assert SECRET.encode() not in everything_under(paths.root)
    finally:
        holder.release()
    assert_shape(run_hook("Stop", fixture("Stop", project)), "Stop")  # replays the spool
    store = open_store()
    sid = queued["session_id"]
    task_id = store.find_external("claude-code-prompt", sid, "p-queued")
    assert task_id is not None and store.get_task(task_id).description == NOT_KEPT
    store.close()
    assert SECRET.encode() not in everything_under(paths.root)


def test_prompts_are_kept_by_default(project: Path, open_store: Callable[[], TaskStore]) -> None:
    payload: dict[str, Any] = fixture("UserPromptSubmit", project, prompt=WORK)
    assert_shape(run_hook("UserPromptSubmit", payload), "UserPromptSubmit", context=True)
    store = open_store()
    task_id = store.find_external("claude-code-prompt", payload["session_id"], payload["prompt_id"])
    assert task_id is not None and SECRET in store.get_task(task_id).description
