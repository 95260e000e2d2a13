"""End to end with the real Claude Code CLI (2.1.197 from npm), offline.

A temporary HOME with our hooks registered in ~/.claude/settings.json, a scripted model
server on localhost (hooks_fake_model.py), and a real ``claude -p`` session: a work prompt,
the model creates two tasks with TaskCreate, moves them with TaskUpdate, and stops. The store
must then hold the parent task made from the prompt, the mirrored and completed subtasks, and
the completed, synthesized parent; the model must have received SessionStart's context.

TASK_ORCHESTRATOR_CLIENTS names the folder with the ``claude`` binary (scripts/test sets it).
Unset: skipped (a developer without npm). Set but no ``claude`` in it: a failure, so CI can
never pass by silently skipping this.

The server and the hooks are registered by the installer itself (register_with_installer).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hooks_fake_model import FakeModel, tool_names

from task_orchestrator.core.enums import Status
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore

pytestmark = [pytest.mark.slow, pytest.mark.realclient]

PROMPT = (
    "Implement a REST API for tasks with endpoints to create, list and delete them, "
    "and write tests for it"
)
SCRIPT = [
    [
        (
            "tool_use",
            "TaskCreate",
            {
                "subject": "Design the API",
                "description": "Sketch the endpoints",
                "activeForm": "Designing the API",
            },
        )
    ],
    [
        (
            "tool_use",
            "TaskCreate",
            {
                "subject": "Write the tests",
                "description": "Cover every endpoint",
                "activeForm": "Writing the tests",
            },
        )
    ],
    [("tool_use", "TaskUpdate", {"taskId": "1", "status": "in_progress"})],
    [("tool_use", "TaskUpdate", {"taskId": "1", "status": "completed"})],
    [("tool_use", "TaskUpdate", {"taskId": "2", "status": "in_progress"})],
    [("tool_use", "TaskUpdate", {"taskId": "2", "status": "completed"})],
    [("text", "All done: the API is designed and its tests are written.")],
]


def claude_binary() -> Path:
    folder = os.environ.get("TASK_ORCHESTRATOR_CLIENTS")
    if not folder:
        pytest.skip("TASK_ORCHESTRATOR_CLIENTS is not set (scripts/test sets it)")
    path = Path(folder) / "claude"
    if not path.exists():
        pytest.fail(f"TASK_ORCHESTRATOR_CLIENTS={folder} but there is no claude in it")
    return path


def register_with_installer(home: Path, claude: Path, project: Path) -> None:
    """What `orchestrator-setup` does for Claude Code: the server through `claude mcp
    add-json` (claude is on PATH) and our hooks merged into ~/.claude/settings.json."""
    from task_orchestrator.installer.catalog import Env, load_clients
    from task_orchestrator.installer.setup import install

    environ = {**claude_env(), "HOME": str(home)}
    environ["PATH"] = f"{claude.parent}{os.pathsep}{environ.get('PATH', '')}"
    env = Env(os="linux", environ=environ, home=home, project=project)
    [server, hooks] = install(
        [load_clients()["claude-code"]], "user", env, dry_run=False, hooks=True
    )
    assert server.action == "installed" and server.via == "claude mcp", server.message
    assert hooks.action == "installed", hooks.message


def claude_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env.update(
        ANTHROPIC_API_KEY="sk-ant-test-not-a-real-key",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
        DISABLE_AUTOUPDATER="1",
    )
    return env


def run_claude(
    claude: Path, model: FakeModel, cwd: Path, env: dict[str, str], tools: str
) -> dict[str, object]:
    env = {**env, "ANTHROPIC_BASE_URL": model.url}
    start = time.monotonic()
    proc = subprocess.run(
        # --dangerously-skip-permissions is refused as root; allowing the tools is enough.
        [str(claude), "-p", PROMPT, "--output-format", "json", "--allowedTools", tools],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: dict[str, object] = json.loads(proc.stdout)
    assert result["is_error"] is False and "All done" in str(result["result"])
    assert elapsed < 60
    return result


def test_claude_code_session_is_planned_mirrored_and_completed(
    isolated_home: Path, workspace_dir: Path
) -> None:
    claude = claude_binary()
    register_with_installer(isolated_home, claude, workspace_dir)
    with FakeModel(SCRIPT) as model:
        result = run_claude(
            claude, model, workspace_dir, claude_env(), "TaskCreate TaskUpdate TaskList TaskGet"
        )
    # The main requests carried Claude's tools, and our hook context reached the model.
    assert model.main_requests and "TaskCreate" in tool_names(model.main_requests[0])
    texts = model.system_texts()
    assert any(
        t.startswith("SessionStart hook additional context: task-orchestrator") for t in texts
    )
    assert any(
        "UserPromptSubmit hook additional context: " in t and "tracked as task" in t for t in texts
    )

    with TaskStore.open(default_paths().db) as store:
        session = store.find_session("claude-code", str(result["session_id"]))
        assert session is not None and session.status == "closed"  # SessionEnd ran
        assert session.active_task_id is not None
        parent = store.get_task(session.active_task_id)
        assert parent.description == PROMPT and parent.title.startswith("Implement a REST API")
        assert parent.workspace_id == store.workspace(workspace_dir).id
        kids = store.children(parent.id)
        assert [(k.title, k.status) for k in kids] == [
            ("Design the API", Status.COMPLETED),
            ("Write the tests", Status.COMPLETED),
        ]
        assert store.find_external("claude-code", str(result["session_id"]), "2") == kids[1].id
        assert parent.status == Status.COMPLETED
        assert parent.summary == "All done: the API is designed and its tests are written."
        synthesis = [a for a in store.artifacts(parent.id) if a.artifact_type.value == "synthesis"]
        assert synthesis and "2 of 2 subtasks complete" in synthesis[0].summary
    log = default_paths().logs / "hooks.log"
    assert "ERROR" not in (log.read_text(encoding="utf-8") if log.exists() else "")


MCP_TOOL = "mcp__task-orchestrator__orchestrator_get_status"


def test_model_sees_the_hooks_work_through_our_mcp_server(
    isolated_home: Path, workspace_dir: Path
) -> None:
    """The same session with our MCP server registered by the installer (through
    ``claude mcp add-json``): mid-way the model calls orchestrator_get_status, and the answer
    must show the subtask the hooks mirrored, read from the same store."""
    claude = claude_binary()
    register_with_installer(isolated_home, claude, workspace_dir)
    env = claude_env()
    steps = [*SCRIPT[:3], [("tool_use", MCP_TOOL, {})], *SCRIPT[3:]]
    with FakeModel(steps) as model:
        run_claude(
            claude, model, workspace_dir, env, f"TaskCreate TaskUpdate TaskList TaskGet {MCP_TOOL}"
        )
    assert MCP_TOOL in tool_names(model.main_requests[-1])
    results = model.tool_results()
    # The server's answer (not Claude's own "Task #1 created" results) shows the subtask the
    # hooks mirrored, in progress, in this workspace.
    status = [r for r in results if "Design the API" in r and "in_progress" in r]
    assert status, results
    assert str(workspace_dir) in status[0] and PROMPT[:40] in status[0]


def test_a_server_still_connecting_is_waited_for(isolated_home: Path, workspace_dir: Path) -> None:
    """Claude Code starts MCP servers in the background; a tool call to one still pending
    fails with "Call WaitForMcpServers". The scripted model waits as a real one does (see
    hooks_fake_model.FakeModel.answer), so a slow start, as under coverage on a loaded CI
    machine, cannot fail the end-to-end tests. Here the server takes 4 s to start."""
    claude = claude_binary()
    program = Path(sys.executable).parent / "task-orchestrator"
    env = {**claude_env(), "HOME": str(isolated_home)}
    subprocess.run(
        [
            str(claude),
            "mcp",
            "add",
            "-s",
            "user",
            "slow",
            "--",
            "sh",
            "-c",
            f'sleep 4; exec "{program}" serve',
        ],
        env=env,
        cwd=workspace_dir,
        check=True,
        capture_output=True,
        timeout=60,
    )
    tool = "mcp__slow__orchestrator_get_status"
    with FakeModel([[("tool_use", tool, {})], [("text", "All done: status read.")]]) as model:
        run_claude(claude, model, workspace_dir, env, tool)
    assert model.waits >= 1 and not model.errors
    results = model.tool_results()
    assert results[0].startswith("ready: true"), results
    assert "No such tool" not in results[-1] and str(workspace_dir) in results[-1], results
