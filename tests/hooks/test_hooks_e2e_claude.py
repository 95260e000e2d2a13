"""End to end with the real Claude Code CLI (both versions the tests pin, from npm), offline.

A temporary HOME with our hooks registered in ~/.claude/settings.json, a scripted model
server on localhost (hooks_fake_model.py), and a real ``claude -p`` session: a work prompt,
the model creates two tasks with TaskCreate, moves them with TaskUpdate, and stops. The store
must then hold the parent task made from the prompt, the mirrored and completed subtasks, and
the completed, synthesized parent; the model must have received SessionStart's context.

Each test runs once per Claude Code version (the ``claude_code`` fixture, tests/claude_versions.py:
the pinned one from TASK_ORCHESTRATOR_CLIENTS, the newest from TASK_ORCHESTRATOR_CLIENTS_NEWEST;
scripts/test sets both). Unset: skipped (a developer without npm). Set but no ``claude`` in it:
a failure, so CI can never pass by silently skipping this.

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
from claude_versions import ClaudeCode
from hooks_fake_model import TOOL_SEARCH, FakeModel, tool_names

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
    claude: ClaudeCode, model: FakeModel, cwd: Path, env: dict[str, str], tools: str
) -> dict[str, object]:
    env = {**env, "ANTHROPIC_BASE_URL": model.url}
    start = time.monotonic()
    proc = subprocess.run(
        # --dangerously-skip-permissions is refused as root; allowing the tools is enough
        # (and needed: 2.1.332 in -p mode disables TaskCreate unless it is allowed).
        [str(claude.path), "-p", PROMPT, "--output-format", "json", "--allowedTools", tools],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, f"{claude}: claude -p failed: {proc.stderr[-2000:]}"
    assert not model.errors, f"{claude}: the scripted model failed: {model.errors}"
    result: dict[str, object] = json.loads(proc.stdout)
    assert result["is_error"] is False and "All done" in str(result["result"]), (
        f"{claude}: the session did not end with the script's last answer: {result}"
    )
    assert elapsed < 60, f"{claude}: the session took {elapsed:.0f} s"
    return result


def assert_tools_loaded(claude: ClaudeCode, model: FakeModel, names: list[str]) -> None:
    """The tools the script called reached the model: offered from the start (2.1.197), or
    deferred and loaded through ToolSearch (2.1.332), then carried in the request."""
    first, last = tool_names(model.main_requests[0]), tool_names(model.main_requests[-1])
    for name in names:
        assert name in last, f"{claude}: {name} was never among the request's tools: {last}"
        if name not in first:
            assert TOOL_SEARCH in first and any(name in q for q in model.searches), (
                f"{claude}: {name} was neither offered nor loaded through ToolSearch"
            )


def test_claude_code_session_is_planned_mirrored_and_completed(
    claude_code: ClaudeCode, isolated_home: Path, workspace_dir: Path
) -> None:
    cc = claude_code
    register_with_installer(isolated_home, cc.path, workspace_dir)
    with FakeModel(SCRIPT) as model:
        result = run_claude(
            cc, model, workspace_dir, claude_env(), "TaskCreate TaskUpdate TaskList TaskGet"
        )
    # The main requests carried Claude's tools, and our hook context reached the model.
    assert_tools_loaded(cc, model, ["TaskCreate", "TaskUpdate"])
    texts = model.system_texts()
    assert any(
        t.startswith("SessionStart hook additional context: task-orchestrator") for t in texts
    ), f"{cc}: the SessionStart hook's context did not reach the model"
    assert any(
        "UserPromptSubmit hook additional context: " in t and "tracked as task" in t for t in texts
    ), f"{cc}: the UserPromptSubmit hook's context (tracked as task ...) did not reach the model"

    with TaskStore.open(default_paths().db) as store:
        session = store.find_session("claude-code", str(result["session_id"]))
        assert session is not None, f"{cc}: the SessionStart hook recorded no session"
        assert session.status == "closed", f"{cc}: the SessionEnd hook did not close the session"
        assert session.active_task_id is not None, f"{cc}: the prompt made no active task"
        parent = store.get_task(session.active_task_id)
        assert parent.description == PROMPT and parent.title.startswith("Implement a REST API"), (
            f"{cc}: the UserPromptSubmit hook did not make the prompt's task: {parent}"
        )
        assert parent.workspace_id == store.workspace(workspace_dir).id
        kids = store.children(parent.id)
        assert [(k.title, k.status) for k in kids] == [
            ("Design the API", Status.COMPLETED),
            ("Write the tests", Status.COMPLETED),
        ], f"{cc}: the hooks did not mirror TaskCreate/TaskUpdate: {kids}"
        assert store.find_external("claude-code", str(result["session_id"]), "2") == kids[1].id
        assert parent.status == Status.COMPLETED, f"{cc}: the Stop hook did not complete the task"
        assert parent.summary == "All done: the API is designed and its tests are written."
        synthesis = [a for a in store.artifacts(parent.id) if a.artifact_type.value == "synthesis"]
        assert synthesis and "2 of 2 subtasks complete" in synthesis[0].summary, (
            f"{cc}: the Stop hook did not synthesize the task"
        )
    log = default_paths().logs / "hooks.log"
    errors = log.read_text(encoding="utf-8") if log.exists() else ""
    assert "ERROR" not in errors, f"{cc}: the hooks logged errors: {errors[-2000:]}"


MCP_TOOL = "mcp__task-orchestrator__orchestrator_get_status"


def test_model_sees_the_hooks_work_through_our_mcp_server(
    claude_code: ClaudeCode, isolated_home: Path, workspace_dir: Path
) -> None:
    """The same session with our MCP server registered by the installer (through
    ``claude mcp add-json``): mid-way the model calls orchestrator_get_status, and the answer
    must show the subtask the hooks mirrored, read from the same store."""
    cc = claude_code
    register_with_installer(isolated_home, cc.path, workspace_dir)
    env = claude_env()
    steps = [*SCRIPT[:3], [("tool_use", MCP_TOOL, {})], *SCRIPT[3:]]
    with FakeModel(steps) as model:
        run_claude(
            cc, model, workspace_dir, env, f"TaskCreate TaskUpdate TaskList TaskGet {MCP_TOOL}"
        )
    assert_tools_loaded(cc, model, ["TaskCreate", "TaskUpdate", MCP_TOOL])
    results = model.tool_results()
    # The server's answer (not Claude's own "Task #1 created" results) shows the subtask the
    # hooks mirrored, in progress, in this workspace.
    status = [r for r in results if "Design the API" in r and "in_progress" in r]
    assert status, f"{cc}: our server's answer does not show the mirrored subtask: {results}"
    assert str(workspace_dir) in status[0] and PROMPT[:40] in status[0]


def test_a_server_still_connecting_is_waited_for(
    claude_code: ClaudeCode, isolated_home: Path, workspace_dir: Path
) -> None:
    """Claude Code starts MCP servers in the background. 2.1.197 offers WaitForMcpServers
    while one is pending (a call to its tool fails with "Call WaitForMcpServers"); 2.1.332
    does not, and its ToolSearch waits for pending servers before it answers. The scripted
    model does what a real one does in each case (hooks_fake_model.FakeModel.answer), so a
    slow start, as under coverage on a loaded CI machine, cannot fail the end-to-end tests.
    Here the server takes 4 s to start."""
    cc = claude_code
    claude = cc.path
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
        run_claude(cc, model, workspace_dir, env, tool)
    results = model.tool_results()
    if model.waits:
        assert results[0].startswith("ready: true"), f"{cc}: WaitForMcpServers: {results}"
    else:
        assert model.searches == [f"select:{tool}"], (
            f"{cc}: the slow server's tool was neither waited for nor loaded in one "
            f"ToolSearch: {model.searches}"
        )
    assert "No such tool" not in results[-1] and str(workspace_dir) in results[-1], (
        f"{cc}: the slow server's tool did not answer: {results}"
    )


GIT_SCRIPT = [
    SCRIPT[0],
    [("tool_use", "TaskUpdate", {"taskId": "1", "status": "in_progress"})],
    [
        (
            "tool_use",
            "Bash",
            {
                "command": "printf 'GET /tasks\\n' > api.txt && git add api.txt "
                "&& git commit -q -m 'Design the API endpoints'",
                "description": "Commit the API design",
            },
        )
    ],
    [("tool_use", "TaskUpdate", {"taskId": "1", "status": "completed"})],
    [("text", "All done: the API is designed and committed.")],
]


def test_a_commit_through_bash_is_linked_to_the_subtask(
    claude_code: ClaudeCode,
    isolated_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The model commits through its Bash tool while a subtask is in progress: the hooks link
    that commit to the subtask and its plan, and the completions record start..HEAD."""
    from git_support import git, isolate_git, make_repo

    cc = claude_code
    isolate_git(monkeypatch, isolated_home)
    repo = make_repo(tmp_path / "gitproject")
    start = git(repo, "rev-parse", "HEAD")
    register_with_installer(isolated_home, cc.path, repo)
    with FakeModel(GIT_SCRIPT) as model:
        result = run_claude(
            cc, model, repo, claude_env(), "TaskCreate TaskUpdate TaskList TaskGet Bash"
        )
    assert any("Bash" in tool_names(body) for body in model.main_requests)
    sha = git(repo, "rev-parse", "HEAD")
    assert sha != start and git(repo, "log", "-1", "--format=%s") == "Design the API endpoints"
    deadline = time.monotonic() + 20  # the links are written by the hooks' forked children
    while True:
        with TaskStore.open(default_paths().db) as store:
            session = store.find_session("claude-code", str(result["session_id"]))
            assert session is not None and session.active_task_id is not None
            parent = store.get_task(session.active_task_id)
            [step] = store.children(parent.id)
            step_commits = {c["sha"]: c["source"] for c in store.task_commits(step.id)[0]}
            plan_commits = {c["sha"] for c in store.task_commits(parent.id)[0]}
            step_git = store.task_git(step.id)
            parent_git = store.task_git(parent.id)
        done = (
            sha in step_commits
            and sha in plan_commits
            and step_git is not None
            and step_git["completed_for"] is not None
            and parent_git is not None
            and parent_git["completed_for"] is not None
        )
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert sha in step_commits and sha in plan_commits, f"{cc}: the commit was not linked"
    assert step_git is not None and step_git["start_head"] == start and step_git["branch"] == "main"
    assert step_git["end_head"] == sha, f"{cc}: the completion did not record HEAD: {step_git}"
    assert parent.status == Status.COMPLETED and parent_git is not None
    assert parent_git["end_head"] == sha
    with TaskStore.open(default_paths().db) as store:
        files = store.task_files(step.id)[0]
    assert files == [{"path": "api.txt", "added": 1, "deleted": 0}], f"{cc}: {files}"
    log = default_paths().logs / "hooks.log"
    errors = log.read_text(encoding="utf-8") if log.exists() else ""
    assert "ERROR" not in errors, f"{cc}: the hooks logged errors: {errors[-2000:]}"
