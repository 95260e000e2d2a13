"""Golden tests: real Claude Code 2.1.197 payloads (and variants) on stdin of the real
``task-orchestrator hook EVENT`` in a subprocess; the answer's shape and the store's state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hooks_support import PAYLOAD_SETS, assert_shape, context_of, fixture, run_hook

from task_orchestrator.core.enums import Status
from task_orchestrator.core.store import TaskStore

SID = "385b9237-d99d-45fc-ad3d-5aa2af4c7230"
# Every test here runs with the real payloads of each Claude Code version.
pytestmark = pytest.mark.usefixtures("payloads")
WORK = "Implement a REST API for tasks with create, list and delete endpoints, and test it"

OpenStore = Callable[[], TaskStore]


def hook(event: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    return assert_shape(run_hook(event, payload), event)


def prompt(project: Path, text: str = WORK, prompt_id: str = "p1") -> dict[str, Any] | None:
    return hook(
        "UserPromptSubmit", fixture("UserPromptSubmit", project, prompt=text, prompt_id=prompt_id)
    )


def created(project: Path, task_id: str, subject: str) -> None:
    hook("TaskCreated", fixture("TaskCreated", project, task_id=task_id, task_subject=subject))


def update(project: Path, task_id: str, status: str, **extra: Any) -> None:
    payload = fixture("PostToolUse-TaskUpdate", project)
    payload["tool_input"] = {"taskId": task_id, "status": status, **extra}
    hook("PostToolUse", payload)


def parent_of_session(store: TaskStore) -> Any:
    session = store.find_session("claude-code", SID)
    assert session is not None and session.active_task_id
    return store.get_task(session.active_task_id)


# -- SessionStart ------------------------------------------------------------------------


def test_session_start_fixture_reports_missing_registration(
    project: Path, open_store: OpenStore
) -> None:
    answer = assert_shape(
        run_hook("SessionStart", fixture("SessionStart", project)), "SessionStart", context=True
    )
    assert answer is not None
    assert "Open tasks: 0" in context_of(answer)
    assert "orchestrator-setup" in answer["systemMessage"]
    session = open_store().find_session("claude-code", SID)
    assert session is not None and session.status == "active"


@pytest.mark.parametrize("where", ["user", "local", "project", "config_dir"])
def test_session_start_registered_is_quiet(
    where: str, project: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    entry = {"task-orchestrator": {"type": "stdio", "command": "/opt/x/task-orchestrator"}}
    if where == "user":
        (isolated_home / ".claude.json").write_text(json.dumps({"mcpServers": entry}))
    elif where == "local":
        doc = {"projects": {str(project): {"mcpServers": entry}}}
        (isolated_home / ".claude.json").write_text(json.dumps(doc))
    elif where == "project":
        (project / ".mcp.json").write_text(json.dumps({"mcpServers": entry}))
    else:
        cfg = isolated_home / "cfg"
        cfg.mkdir()
        (cfg / ".claude.json").write_text(json.dumps({"mcpServers": entry}))
        monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(cfg))
    answer = assert_shape(
        run_hook("SessionStart", fixture("SessionStart", project)), "SessionStart", context=True
    )
    assert answer is not None and "systemMessage" not in answer


def test_session_start_lists_open_work(
    project: Path, open_store: OpenStore, registered: Path
) -> None:
    from task_orchestrator.core.models import NewTask

    store = open_store()
    ws = store.workspace(project)
    store.create_tree(ws.id, NewTask("Ship the release", subtasks=[NewTask("Write the changelog")]))
    answer = hook("SessionStart", fixture("SessionStart", project))
    text = context_of(answer)
    assert "Open tasks: 2" in text and "Write the changelog" in text
    assert answer is not None and "systemMessage" not in answer


def test_session_start_context_is_bounded(
    project: Path, open_store: OpenStore, write_config: Any, registered: Path
) -> None:
    from task_orchestrator.core.models import NewTask

    write_config("[hooks]\ncontext_chars = 600\n")
    store = open_store()
    ws = store.workspace(project)
    store.create_tree(
        ws.id,
        NewTask("Big", subtasks=[NewTask(f"Subtask number {i} " + "x" * 40) for i in range(60)]),
    )
    text = context_of(hook("SessionStart", fixture("SessionStart", project)))
    assert len(text) <= 600


def test_compact_restores_the_active_plan(
    project: Path, open_store: OpenStore, registered: Path
) -> None:
    hook("SessionStart", fixture("SessionStart", project))
    prompt(project)
    created(project, "1", "Design the API")
    created(project, "2", "Write the tests")
    update(project, "1", "in_progress")
    hook(
        "PostToolUse",
        fixture(
            "PostToolUse-Write",
            project,
            tool_input={"file_path": str(project / "api.py"), "content": "x"},
        ),
    )
    assert (
        hook(
            "PreCompact",
            {**fixture("SessionEnd", project), "hook_event_name": "PreCompact", "trigger": "auto"},
        )
        is None
    )
    store = open_store()
    session = store.find_session("claude-code", SID)
    assert session is not None
    snap = store.latest_snapshot(session.id)
    assert snap is not None and "Design the API" in snap["plan"] and snap["files"] == ["api.py"]
    text = context_of(hook("SessionStart", fixture("SessionStart", project, source="compact")))
    assert "restored" in text and "Design the API" in text and "Write the tests" in text
    assert "api.py" in text


# -- UserPromptSubmit --------------------------------------------------------------------


def test_work_prompt_creates_the_parent_task(project: Path, open_store: OpenStore) -> None:
    text = context_of(prompt(project))
    store = open_store()
    parent = parent_of_session(store)
    assert parent.id in text and "orchestrator_plan_task" in text and "TaskCreate" in text
    assert parent.description == WORK
    assert parent.title.startswith("Implement a REST API for tasks")
    assert parent.session_id == store.find_session("claude-code", SID).id  # type: ignore[union-attr]
    # The same prompt seen twice (a retried hook) is one task.
    again = context_of(prompt(project))
    assert parent.id in again
    from task_orchestrator.core.models import TaskFilter

    assert len(store.query(TaskFilter(workspace_id=parent.workspace_id)).tasks) == 1


@pytest.mark.parametrize(
    "text",
    [
        "What does the --frozen flag of uv do?",
        "thanks!",
        "/compact keep the plan",
        "run the tests",
        "",
    ],
)
def test_non_work_prompt_adds_nothing(text: str, project: Path, open_store: OpenStore) -> None:
    assert prompt(project, text) is None
    assert open_store().counts_by_status()["pending"] == 0


def test_suggest_and_off_modes(project: Path, open_store: OpenStore, write_config: Any) -> None:
    write_config('[hooks]\nauto_plan = "suggest"\n')
    assert "orchestrator_plan_task" in context_of(prompt(project))
    assert open_store().counts_by_status()["pending"] == 0
    write_config('[hooks]\nauto_plan = "off"\n')
    assert prompt(project, prompt_id="p2") is None
    assert open_store().counts_by_status()["pending"] == 0


# -- mirroring ---------------------------------------------------------------------------


def test_fixture_sequence_is_mirrored(project: Path, open_store: OpenStore) -> None:
    prompt(project)
    for name, event in [
        ("TaskCreated", "TaskCreated"),
        ("PostToolUse-TaskCreate", "PostToolUse"),  # the same task "1" again: idempotent
        ("PostToolUse-TaskUpdate", "PostToolUse"),
        ("PostToolUse-Write", "PostToolUse"),
    ]:
        assert run_hook(event, fixture(name, project)).stdout == ""
    created(project, "2", "Write the tests")
    hook("PostToolUse", fixture("PostToolUse-TaskUpdate-completed", project))
    store = open_store()
    parent = parent_of_session(store)
    kids = store.children(parent.id)
    assert [(k.title, k.status) for k in kids] == [
        ("Design the API", Status.IN_PROGRESS),
        ("Write the tests", Status.COMPLETED),
    ]
    assert kids[0].context["files"] == ["hello.txt"]
    assert kids[0].context["active_form"] == "Designing the API"
    assert parent.status == Status.IN_PROGRESS
    assert store.find_external("claude-code", SID, "1") == kids[0].id
    hook("TaskCompleted", fixture("TaskCompleted", project))
    assert store.get_task(kids[0].id).status == Status.COMPLETED


def test_mirror_without_a_prompt_task_creates_a_parent(
    project: Path, open_store: OpenStore
) -> None:
    created(project, "1", "Design the API")
    store = open_store()
    parent = parent_of_session(store)
    assert parent.title == "Claude Code plan: Design the API"
    assert [k.title for k in store.children(parent.id)] == ["Design the API"]


def test_update_before_create_and_rename_and_delete(project: Path, open_store: OpenStore) -> None:
    prompt(project)
    update(project, "7", "in_progress", subject="Profile the importer")
    update(project, "7", "completed")
    update(project, "7", "in_progress")  # reopened by Claude: we follow
    created(project, "8", "Not needed")
    update(project, "8", "deleted")
    store = open_store()
    parent = parent_of_session(store)
    kids = store.children(parent.id, include_archived=True)
    assert [(k.title, k.status, k.archived) for k in kids] == [
        ("Profile the importer", Status.IN_PROGRESS, False),
        ("Not needed", Status.CANCELLED, True),
    ]


def test_mirror_off(project: Path, open_store: OpenStore, write_config: Any) -> None:
    write_config('[hooks]\nmirror = "off"\n')
    created(project, "1", "Design the API")
    assert open_store().find_external("claude-code", SID, "1") is None


def test_other_tools_and_unknown_events_do_nothing(payloads: str, project: Path) -> None:
    assert hook("PostToolUse", fixture("PostToolUse-mcp__tiny__make_task", project)) is None
    assert hook("PostToolUseFailure", fixture("PostToolUseFailure-Read", project)) is None
    assert hook("PostToolBatch", fixture("PostToolBatch", project)) is None
    if (PAYLOAD_SETS[payloads] / "PostToolUse-ToolSearch.json").exists():
        # 2.1.332 loads deferred tools with ToolSearch, whose calls fire the tool hooks too.
        assert hook("PreToolUse", fixture("PreToolUse-ToolSearch", project)) is None
        assert hook("PostToolUse", fixture("PostToolUse-ToolSearch", project)) is None


def test_prompt_id_is_on_the_prompt_and_the_events_of_its_turn(payloads: str) -> None:
    """What the payloads of each version carry (auto-planning keys on it): the prompt's
    ``prompt_id`` on UserPromptSubmit and on every event of its turn, none on SessionStart."""
    folder = PAYLOAD_SETS[payloads]
    prompt_id = fixture("UserPromptSubmit", "/p")["prompt_id"]
    assert prompt_id
    assert "prompt_id" not in fixture("SessionStart", "/p")
    for path in sorted(folder.glob("*.json")):
        if path.stem != "SessionStart":
            assert fixture(path.stem, "/p").get("prompt_id") == prompt_id, path.name


# -- Stop, SubagentStop, SessionEnd ------------------------------------------------------


def _plan_two(project: Path) -> None:
    prompt(project)
    created(project, "1", "Design the API")
    created(project, "2", "Write the tests")
    update(project, "1", "completed")


def test_stop_with_open_subtasks_says_which_without_blocking(
    project: Path, open_store: OpenStore
) -> None:
    _plan_two(project)
    answer = hook("Stop", fixture("Stop", project))
    assert answer is not None and set(answer) == {"systemMessage"}
    assert "Write the tests" in answer["systemMessage"]
    assert parent_of_session(open_store()).status != Status.COMPLETED


def test_stop_completes_and_synthesizes(project: Path, open_store: OpenStore) -> None:
    _plan_two(project)
    hook(
        "TaskCompleted",
        fixture("TaskCompleted", project, task_id="2", task_subject="Write the tests"),
    )
    assert (
        hook("SubagentStop", {**fixture("Stop", project), "hook_event_name": "SubagentStop"})
        is None
    )
    store = open_store()
    parent = parent_of_session(store)
    assert parent.status == Status.COMPLETED and parent.summary == "All done."
    arts = store.artifacts(parent.id)
    assert [a.artifact_type.value for a in arts] == ["synthesis"]
    assert "2 of 2 subtasks complete" in arts[0].summary
    # A later Stop finds nothing left to do.
    assert hook("Stop", fixture("Stop", project)) is None


def test_stop_completes_on_stop_event(project: Path, open_store: OpenStore) -> None:
    _plan_two(project)
    update(project, "2", "completed")
    answer = hook("Stop", fixture("Stop", project))
    assert answer is not None and "completed task" in answer["systemMessage"]


def test_strict_blocks_once_and_never_while_stop_hook_active(
    project: Path, write_config: Any
) -> None:
    write_config('[hooks]\nauto_complete = "strict"\n')
    _plan_two(project)
    active = hook("Stop", fixture("Stop", project, stop_hook_active=True))
    assert active is not None and "decision" not in active
    first = hook("Stop", fixture("Stop", project))
    assert (
        first is not None and first["decision"] == "block" and "Write the tests" in first["reason"]
    )
    second = hook("Stop", fixture("Stop", project))
    assert second is not None and "decision" not in second


def test_stop_without_a_session_or_plan_is_silent(project: Path) -> None:
    assert hook("Stop", fixture("Stop", project)) is None
    prompt(project)
    assert hook("Stop", fixture("Stop", project)) is None


def test_session_end_closes_the_session(project: Path, open_store: OpenStore) -> None:
    hook("SessionStart", fixture("SessionStart", project))
    assert hook("SessionEnd", fixture("SessionEnd", project, reason="prompt_input_exit")) is None
    session = open_store().find_session("claude-code", SID)
    assert (
        session is not None
        and session.status == "closed"
        and session.outcome == "prompt_input_exit"
    )


def test_session_end_without_a_store_is_silent(project: Path) -> None:
    assert hook("SessionEnd", fixture("SessionEnd", project)) is None


def test_concurrent_mirror_events_create_each_task_once(
    project: Path, open_store: OpenStore
) -> None:
    """Claude Code fires TaskCreated and PostToolUse(TaskCreate) for one call, and parallel
    tool calls fire at once: every Claude task must still become exactly one subtask."""
    import json
    import subprocess

    from hooks_support import hook_command

    prompt(project)
    procs = []
    for ext in ("1", "2", "3"):
        created_payload = fixture("TaskCreated", project, task_id=ext, task_subject=f"Step {ext}")
        post = fixture("PostToolUse-TaskCreate", project)
        post["tool_input"]["subject"] = f"Step {ext}"
        post["tool_response"] = {"task": {"id": ext, "subject": f"Step {ext}"}}
        for event, payload in (("TaskCreated", created_payload), ("PostToolUse", post)) * 2:
            proc = subprocess.Popen(
                hook_command(event), stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            procs.append((proc, json.dumps(payload).encode()))
    for proc, data in procs:
        out, _ = proc.communicate(data, timeout=60)
        assert proc.returncode == 0 and out == b""
    store = open_store()
    parent = parent_of_session(store)
    kids = store.children(parent.id, include_archived=True)
    assert sorted(k.title for k in kids) == ["Step 1", "Step 2", "Step 3"]
    assert {store.find_external("claude-code", SID, e) for e in "123"} == {k.id for k in kids}


def test_concurrent_mirror_without_a_parent_agrees_on_one(
    project: Path, open_store: OpenStore
) -> None:
    import json
    import subprocess

    from hooks_support import hook_command

    hook("SessionStart", fixture("SessionStart", project))
    procs = []
    for ext in ("1", "2", "3", "4"):
        payload = fixture("TaskCreated", project, task_id=ext, task_subject=f"Step {ext}")
        proc = subprocess.Popen(hook_command("TaskCreated"), stdin=subprocess.PIPE)
        procs.append((proc, json.dumps(payload).encode()))
    for proc, data in procs:
        proc.communicate(data, timeout=60)
        assert proc.returncode == 0
    store = open_store()
    parent = parent_of_session(store)
    from task_orchestrator.core.models import TaskFilter

    top = store.query(TaskFilter(workspace_id=parent.workspace_id, parent_id="")).tasks
    assert [t.id for t in top] == [parent.id]
    assert sorted(k.title for k in store.children(parent.id)) == [f"Step {i}" for i in "1234"]


def test_ensure_parent_with_a_stale_session_reuses_the_winner(
    project: Path, open_store: OpenStore
) -> None:
    """The race above, made deterministic: two hooks both read the session before either
    gave it a parent; the second must adopt the first one's parent and create none."""
    from task_orchestrator.hooks.state import ensure_parent

    store = open_store()
    ws = store.workspace(project)
    stale = store.open_session(ws.id, "claude-code", SID)[0]
    first = ensure_parent(store, stale, "Step 1")
    second = ensure_parent(store, stale, "Step 2")  # same stale view: no active task
    assert second.id == first.id
    from task_orchestrator.core.models import TaskFilter

    assert len(store.query(TaskFilter(workspace_id=ws.id)).tasks) == 1
    assert store.events(kind="task.deleted") == []


def test_blocked_by_becomes_a_dependency(project: Path, open_store: OpenStore) -> None:
    prompt(project)
    created(project, "1", "Design the API")
    created(project, "2", "Write the tests")
    created(project, "3", "Release")
    update(project, "2", "pending", addBlockedBy=["1", "99"], activeForm="Writing tests")
    update(project, "1", "pending", addBlocks=["3"])
    update(project, "1", "pending", addBlockedBy=["3"])  # would be a cycle: ignored, logged
    store = open_store()
    one, two, three = (store.find_external("claude-code", SID, e) or "" for e in "123")
    assert store.get_task(two).depends_on == (one,)
    assert store.get_task(two).context["active_form"] == "Writing tests"
    assert store.get_task(three).depends_on == (one,)
    assert store.get_task(one).depends_on == ()
