"""The Claude Code plugin, end to end with the real Claude Code (both pinned versions), offline.

Two routes in (docs/ARCHITECTURE.md, "The Claude Code plugin"): setup installs it (a
marketplace folder of its own under the data root, launcher pointing at this install), or a
user adds this checkout as a marketplace and installs it with ``claude plugin``. Either way a
scripted-model session must see our hooks fire once per event (one SessionStart context, one
UserPromptSubmit context, one task for the prompt), our MCP tools, and our agent types; and
nothing of ours may stay in settings.json or in ``claude mcp`` (an earlier settings.json
install included), or it would run twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from claude_versions import ClaudeCode
from hooks_fake_model import FakeModel, tool_names
from test_hooks_e2e_claude import (
    PROMPT,
    SCRIPT,
    assert_tools_loaded,
    claude_env,
    register_with_installer,
    run_claude,
)

from task_orchestrator.core.enums import Specialist, Status
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.installer import hookreg, plugin, plugin_install
from task_orchestrator.installer.catalog import Env, load_clients
from task_orchestrator.installer.doctor import run_doctor
from task_orchestrator.installer.setup import install, uninstall

pytestmark = [pytest.mark.slow, pytest.mark.realclient]

CHECKOUT = Path(__file__).resolve().parents[2]
MCP_TOOL = "mcp__plugin_task-orchestrator_task-orchestrator__orchestrator_get_status"
TOOLS = f"TaskCreate TaskUpdate TaskList TaskGet {MCP_TOOL}"


def _env(home: Path, claude: Path, project: Path) -> Env:
    environ = {**claude_env(), "HOME": str(home)}
    environ["PATH"] = f"{claude.parent}{os.pathsep}{environ.get('PATH', '')}"
    return Env(os="linux", environ=environ, home=home, project=project)


def _claude(cc: ClaudeCode, home: Path, cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        [str(cc.path), *args],
        env={**claude_env(), "HOME": str(home)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"{cc}: claude {' '.join(args)}: {proc.stderr or proc.stdout}"
    return proc.stdout


def _ours(cc: ClaudeCode, home: Path, cwd: Path) -> dict[str, object]:
    rows = json.loads(_claude(cc, home, cwd, "plugin", "list", "--json"))
    ours = [r for r in rows if r.get("id") == plugin.PLUGIN_ID]
    assert len(ours) == 1, f"{cc}: claude plugin list: {rows}"
    return dict(ours[0])


def _setup_cli(cc: ClaudeCode, env: Env, *more: str) -> dict[str, str]:
    """``orchestrator-setup install --client claude-code``; the action per row."""
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "orchestrator-setup"),
            "install",
            "--client",
            "claude-code",
            "--yes",
            "--json",
            *more,
        ],
        env=env.environ,
        cwd=env.project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"{cc}: {proc.stdout}{proc.stderr}"
    return {c["client"]: c["action"] for c in json.loads(proc.stdout)["changes"]}


def _no_settings_hooks(cc: ClaudeCode, home: Path) -> None:
    settings = home / ".claude" / "settings.json"
    text = settings.read_text(encoding="utf-8") if settings.exists() else ""
    assert not any(hookreg.registered_events(text).values()), (
        f"{cc}: hooks of ours are still in settings.json: {text}"
    )


def _session_fires_once(cc: ClaudeCode, home: Path, project: Path) -> FakeModel:
    """The plan-and-mirror session of test_hooks_e2e_claude, with a call of the plugin's
    server in the middle; every hook fired once."""
    steps = [*SCRIPT[:3], [("tool_use", MCP_TOOL, {})], *SCRIPT[3:]]
    with FakeModel(steps) as model:
        result = run_claude(cc, model, project, {**claude_env(), "HOME": str(home)}, TOOLS)
    assert_tools_loaded(cc, model, ["TaskCreate", "TaskUpdate", MCP_TOOL])
    # Each hook's context is in the conversation once: a second registration would add a
    # second copy (plugin and settings.json hooks both run, and are not de-duplicated).
    last = json.dumps(model.main_requests[-1])
    assert last.count("SessionStart hook additional context: task-orchestrator") == 1, (
        f"{cc}: SessionStart's context is not there exactly once"
    )
    assert last.count("UserPromptSubmit hook additional context: ") == 1, (
        f"{cc}: UserPromptSubmit's context is not there exactly once"
    )
    status = [r for r in model.tool_results() if "Design the API" in r and "in_progress" in r]
    assert status, f"{cc}: the plugin's server did not answer with the mirrored subtask"
    # The plugin's agents are offered to the model (in the system prompt in 2.1.197, in the
    # Agent tool's description or a system message in later versions).
    every = json.dumps(model.main_requests)
    for name in ("orchestrator-implementer", "orchestrator-reviewer", "orchestrator-tester"):
        assert f"task-orchestrator:{name}" in every, f"{cc}: agent type {name} not offered"
    assert "Agent" in tool_names(model.main_requests[0])
    with TaskStore.open(default_paths().db) as store:
        session = store.find_session("claude-code", str(result["session_id"]))
        assert session is not None and session.active_task_id is not None
        parent = store.get_task(session.active_task_id)
        assert parent.description == PROMPT and parent.status == Status.COMPLETED
        roots = store.conn.execute("SELECT COUNT(*) FROM tasks WHERE parent_id IS NULL")
        count = roots.fetchone()[0]
        assert count == 1, f"{cc}: one prompt made {count} tasks"
        kids = store.children(parent.id)
        assert [(k.title, k.status) for k in kids] == [
            ("Design the API", Status.COMPLETED),
            ("Write the tests", Status.COMPLETED),
        ], f"{cc}: {kids}"
    log = default_paths().logs / "hooks.log"
    errors = log.read_text(encoding="utf-8") if log.exists() else ""
    assert "ERROR" not in errors, f"{cc}: the hooks logged errors: {errors[-2000:]}"
    return model


def test_setup_installs_the_plugin_and_migrates_a_settings_install(
    claude_code: ClaudeCode, isolated_home: Path, workspace_dir: Path
) -> None:
    """An earlier version's install (settings.json hooks, a ``claude mcp`` entry), then setup
    with the plugin: the plugin is installed and enabled, and nothing of ours is left to run
    a second time. Uninstall then removes the plugin and its marketplace."""
    cc = claude_code
    register_with_installer(isolated_home, cc.path, workspace_dir)
    assert "task-orchestrator" in _claude(cc, isolated_home, workspace_dir, "mcp", "list")
    env = _env(isolated_home, cc.path, workspace_dir)
    client = load_clients()["claude-code"]

    # The real command, as a user runs it.
    actions = _setup_cli(cc, env)
    assert actions == {
        "claude-code-plugin": "installed",
        "claude-code": "removed",
        "claude-code-hooks": "removed",
    }, f"{cc}: {actions}"
    row = _ours(cc, isolated_home, workspace_dir)
    assert row["enabled"] is True and row["scope"] == "user", f"{cc}: {row}"
    _no_settings_hooks(cc, isolated_home)
    # The server is registered once: by the plugin, not by a `claude mcp` user entry.
    listed = _claude(cc, isolated_home, workspace_dir, "mcp", "list")
    ours = [line for line in listed.splitlines() if "task-orchestrator" in line]
    assert len(ours) == 1 and "plugin:" in ours[0], f"{cc}: claude mcp list: {listed}"
    report = run_doctor(env)
    checks = {c.name: c for c in report.checks}
    for name in ("claude-code plugin enabled", "claude-code plugin hooks run once"):
        assert checks[name].ok, f"{cc}: doctor: {checks[name]}"
    launched = [c for n, c in checks.items() if n.startswith("MCP handshake") and "plugin" in n]
    assert launched and all(c.ok for c in launched), f"{cc}: doctor: {report.checks}"
    # Setup again: nothing to do.
    assert _setup_cli(cc, env)["claude-code-plugin"] == "unchanged"

    _session_fires_once(cc, isolated_home, workspace_dir)

    gone = uninstall([client], "user", env, dry_run=False, hooks=True)
    assert {c.client: c.action for c in gone}["claude-code-plugin"] == "removed"
    rows = json.loads(_claude(cc, isolated_home, workspace_dir, "plugin", "list", "--json"))
    assert not [r for r in rows if r.get("id") == plugin.PLUGIN_ID], f"{cc}: {rows}"
    known = _claude(cc, isolated_home, workspace_dir, "plugin", "marketplace", "list")
    assert "task-orchestrator" not in known, f"{cc}: marketplace left: {known}"

    # Back from the plugin to settings.json: --no-plugin takes setup's plugin away.
    assert _setup_cli(cc, env)["claude-code-plugin"] == "installed"
    actions = _setup_cli(cc, env, "--no-plugin")
    # ("updated": settings.json names task-orchestrator already, in enabledPlugins.)
    assert actions["claude-code"] == "installed" and actions["claude-code-plugin"] == "removed"
    assert actions["claude-code-hooks"] in ("installed", "updated"), f"{cc}: {actions}"
    settings = (isolated_home / ".claude" / "settings.json").read_text(encoding="utf-8")
    assert all(hookreg.registered_events(settings).values()), f"{cc}: {settings}"
    rows = json.loads(_claude(cc, isolated_home, workspace_dir, "plugin", "list", "--json"))
    assert not [r for r in rows if r.get("id") == plugin.PLUGIN_ID], f"{cc}: {rows}"


def test_a_project_scope_plugin_replaces_a_user_scope_settings_install(
    claude_code: ClaudeCode, isolated_home: Path, workspace_dir: Path
) -> None:
    """An earlier settings.json install at user scope, then setup with ``--scope project``:
    the plugin is enabled for the project and nothing of ours is left at user scope, so the
    hooks fire once there; ``status`` says Claude Code is served by the plugin. And the other
    way round: hooks in the project's settings.json, then the plugin at user scope: the
    project's hooks go."""
    cc = claude_code
    register_with_installer(isolated_home, cc.path, workspace_dir)
    env = _env(isolated_home, cc.path, workspace_dir)
    actions = _setup_cli(cc, env, "--scope", "project")
    assert actions["claude-code-plugin"] == "installed", f"{cc}: {actions}"
    row = _ours(cc, isolated_home, workspace_dir)
    assert row["enabled"] is True and row["scope"] == "project", f"{cc}: {row}"
    _no_settings_hooks(cc, isolated_home)
    listed = _claude(cc, isolated_home, workspace_dir, "mcp", "list")
    ours = [line for line in listed.splitlines() if "task-orchestrator" in line]
    assert len(ours) == 1 and "plugin:" in ours[0], f"{cc}: claude mcp list: {listed}"
    status = subprocess.run(
        [str(Path(sys.executable).parent / "orchestrator-setup"), "status", "--json"],
        env=env.environ,
        cwd=workspace_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    claude_row = {r["client"]: r for r in json.loads(status.stdout)}["claude-code"]
    assert claude_row["state"] == "plugin" and claude_row["via"] == "plugin", f"{cc}: {claude_row}"
    assert "project scope" in claude_row["detail"]

    _session_fires_once(cc, isolated_home, workspace_dir)

    # Vice versa: the project's own settings.json hooks, then the plugin for the user.
    _setup_cli(cc, env, "--scope", "project", "--no-plugin")
    project_settings = workspace_dir / ".claude" / "settings.json"
    assert all(hookreg.registered_events(project_settings.read_text(encoding="utf-8")).values())
    _setup_cli(cc, env)
    assert _ours(cc, isolated_home, workspace_dir)["scope"] == "user"
    left = hookreg.registered_events(project_settings.read_text(encoding="utf-8"))
    assert not any(left.values()), f"{cc}: hooks left in {project_settings}: {left}"


def test_the_checkout_as_a_marketplace(
    claude_code: ClaudeCode, isolated_home: Path, workspace_dir: Path
) -> None:
    """``claude plugin marketplace add <checkout>`` and ``claude plugin install``, by hand,
    after setup ran without the plugin's Claude Code part (``--no-plugin`` would leave hooks
    in settings.json, so here: setup for another client only, which records the program):
    the launcher finds the program through ``<data root>/program``."""
    cc = claude_code
    env = _env(isolated_home, cc.path, workspace_dir)
    install([load_clients()["cursor"]], "user", env, dry_run=False, hooks=True, plugin=True)
    assert (default_paths().root / "program").is_file()
    _claude(cc, isolated_home, workspace_dir, "plugin", "validate", "--strict", str(CHECKOUT))
    _claude(cc, isolated_home, workspace_dir, "plugin", "marketplace", "add", str(CHECKOUT))
    _claude(cc, isolated_home, workspace_dir, "plugin", "install", plugin.PLUGIN_ID)
    assert _ours(cc, isolated_home, workspace_dir)["enabled"] is True
    _no_settings_hooks(cc, isolated_home)
    _session_fires_once(cc, isolated_home, workspace_dir)


EXECUTE = "mcp__plugin_task-orchestrator_task-orchestrator__orchestrator_execute_task"
IMPLEMENTER = "task-orchestrator:orchestrator-implementer"
AGENT_SAYS = "Implemented the export in export.py; tests pass."


class DelegatingModel(FakeModel):
    """The main conversation follows the script; a request whose system prompt is the
    implementer agent's is the subagent, which answers with its final message."""

    def __init__(self, script: list[Any]) -> None:
        super().__init__(script)
        self.agent_requests = 0

    def answer(self, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
        if body.get("tools") and "You are the implementer" in json.dumps(body.get("system")):
            self.agent_requests += 1
            return [{"type": "text", "text": AGENT_SAYS}], "end_turn"
        return super().answer(body)


def _delegate(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Delegate to the agent orchestrator_execute_task named, with the task id."""
    answer = next(r for r in _results(body) if '"agent"' in r)
    data = json.loads(answer[answer.index("{") :]) if "{" in answer else {}
    agent = data.get("agent") or IMPLEMENTER
    task_id = data["task"]["id"]
    prompt = f"Do task {task_id}: add the CSV export."
    return [
        (
            "tool_use",
            "Agent",
            {"description": "CSV export", "prompt": prompt, "subagent_type": agent},
        )
    ]


def _results(body: dict[str, Any]) -> list[str]:
    out = []
    for m in body.get("messages", []):
        for block in m.get("content") if isinstance(m.get("content"), list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                inner = block.get("content")
                if isinstance(inner, list):
                    inner = "".join(b.get("text", "") for b in inner if isinstance(b, dict))
                out.append(str(inner))
    return out


def test_a_subtask_delegated_to_its_agent_is_completed_by_subagent_stop(
    claude_code: ClaudeCode, isolated_home: Path, workspace_dir: Path
) -> None:
    """orchestrator_execute_task names the implementer agent; the model delegates with the
    Agent tool; SubagentStart links the agent to the subtask, and SubagentStop completes it
    with the agent's final message (2.1.332 runs the agent in the background)."""
    cc = claude_code
    env = _env(isolated_home, cc.path, workspace_dir)
    install([load_clients()["claude-code"]], "user", env, dry_run=False, hooks=True, plugin=True)
    with TaskStore.open(default_paths().db) as store:
        ws = store.workspace(workspace_dir)
        _root, sub = store.create_tree(
            ws.id,
            NewTask(
                title="CSV export",
                subtasks=[NewTask(title="Write the export", specialist=Specialist.IMPLEMENTER)],
            ),
        )
    script = [
        [("tool_use", EXECUTE, {"task_id": sub.id})],
        _delegate,
        [("text", "All done: delegated.")],
    ]
    with DelegatingModel(script) as model:
        environ = {**claude_env(), "HOME": str(isolated_home), "ANTHROPIC_BASE_URL": model.url}
        proc = subprocess.run(
            [
                str(cc.path),
                "-p",
                "Do the CSV export subtask",
                "--output-format",
                "json",
                "--allowedTools",
                f"{EXECUTE} Agent",
            ],
            cwd=workspace_dir,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, f"{cc}: {proc.stderr[-2000:]}"
    assert not model.errors, f"{cc}: {model.errors}"
    assert model.agent_requests >= 1, f"{cc}: the implementer agent never ran"
    assert any(f'"agent":"{IMPLEMENTER}"' in r.replace(" ", "") for r in model.tool_results()), (
        f"{cc}: orchestrator_execute_task did not name the agent: {model.tool_results()}"
    )
    log = default_paths().logs / "hooks.log"
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    with TaskStore.open(default_paths().db) as store:
        done = store.get_task(sub.id)
        assert done.status == Status.COMPLETED and done.summary == AGENT_SAYS, (
            f"{cc}: {done}; hooks.log: {text[-3000:]}"
        )
        titles = [r[0] for r in store.conn.execute("SELECT title FROM tasks ORDER BY created_at")]
        # 2.1.332 hands the agent's result back as a prompt (<task-notification>): no task.
        assert not [t for t in titles if "task-notification" in t], f"{cc}: {titles}"
        assert titles[:2] == ["CSV export", "Write the export"], f"{cc}: {titles}"
    assert f"SubagentStart: {IMPLEMENTER} works on {sub.id}" in text, f"{cc}: {text[-2000:]}"


def test_slash_commands_run_our_program(
    claude_code: ClaudeCode, isolated_home: Path, workspace_dir: Path
) -> None:
    """``/task-orchestrator:tasks`` runs ``tasks list`` through the launcher
    (``${CLAUDE_PLUGIN_ROOT}`` is substituted in a command's ``!`` line) and the model gets
    its output."""
    cc = claude_code
    env = _env(isolated_home, cc.path, workspace_dir)
    install([load_clients()["claude-code"]], "user", env, dry_run=False, hooks=True, plugin=True)
    with TaskStore.open(default_paths().db) as store:
        store.create_tree(store.workspace(workspace_dir).id, NewTask(title="Fix the login bug"))
    with FakeModel([[("text", "All done: listed.")]]) as model:
        environ = {**claude_env(), "HOME": str(isolated_home), "ANTHROPIC_BASE_URL": model.url}
        proc = subprocess.run(
            [str(cc.path), "-p", "/task-orchestrator:tasks", "--output-format", "json"],
            cwd=workspace_dir,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, f"{cc}: {proc.stderr[-2000:]}"
    first = json.dumps(model.main_requests[0]["messages"])
    assert "The open work of this project" in first and "Fix the login bug" in first, (
        f"{cc}: the command's output did not reach the model: {first[-2000:]}"
    )


def _turn(proc: subprocess.Popen[str], text: str) -> dict[str, Any]:
    """Send one user message to a ``--input-format stream-json`` session; its result."""
    assert proc.stdin is not None and proc.stdout is not None
    message = {"type": "user", "message": {"role": "user", "content": text}}
    proc.stdin.write(json.dumps(message) + "\n")
    proc.stdin.flush()
    for line in proc.stdout:
        event = json.loads(line) if line.startswith("{") else {}
        if event.get("type") == "result":
            return dict(event)
    raise AssertionError(f"the session ended before answering {text!r}")


def test_the_active_plan_reaches_the_model_after_compaction(
    claude_code: ClaudeCode, isolated_home: Path, workspace_dir: Path
) -> None:
    """One session: a work prompt makes the active task, subtasks are added, ``/compact``
    summarizes the conversation, and the next request the model gets carries the plan with
    its subtasks' statuses. It arrives through SessionStart (source ``compact``), which
    Claude Code runs after every compaction and whose context joins the new conversation; a
    PostCompact hook's output is only shown to the user (both versions), so we register none.
    """
    cc = claude_code
    env = _env(isolated_home, cc.path, workspace_dir)
    install([load_clients()["claude-code"]], "user", env, dry_run=False, hooks=True, plugin=True)
    with FakeModel([]) as model:
        environ = {**claude_env(), "HOME": str(isolated_home), "ANTHROPIC_BASE_URL": model.url}
        command = [str(cc.path), "-p", "--input-format", "stream-json"]
        command += ["--output-format", "stream-json", "--verbose"]
        with subprocess.Popen(
            command,
            cwd=workspace_dir,
            env=environ,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as proc:
            first = _turn(proc, PROMPT)
            with TaskStore.open(default_paths().db) as store:
                session = store.find_session("claude-code", str(first["session_id"]))
                assert session is not None and session.active_task_id, f"{cc}: no active task"
                task_id = session.active_task_id
                ws = session.workspace_id
                done = store.create_tree(ws, NewTask(title="Wire the exporter"), parent_id=task_id)
                store.start_task(done[0].id)
                store.set_status(done[0].id, Status.COMPLETED)
                doing = store.create_tree(ws, NewTask(title="Check the totals"), parent_id=task_id)
                store.start_task(doing[0].id)
            # Claude Code refuses to compact a conversation of one exchange.
            for more in ("which files matter?", "and the tests?", "fine, continue"):
                _turn(proc, more)
            before = len(model.main_requests)
            compacted = _turn(proc, "/compact")
            assert not compacted.get("is_error"), f"{cc}: /compact failed: {compacted}"
            _turn(proc, "go on")
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=60)
    after = json.dumps(model.main_requests[-1]["messages"])
    assert len(model.main_requests) > before
    # The first prompt's own hook context (which names its task) was summarized away.
    assert "UserPromptSubmit hook additional context" not in after.split("go on")[0], (
        f"{cc}: the conversation was not compacted: {after[:3000]}"
    )
    assert "Your active plan (restored after compaction" in after, f"{cc}: {after[-3000:]}"
    # Each subtask with its status: [x] completed, [~] in progress.
    assert "[x] Wire the exporter" in after, f"{cc}: {after[-3000:]}"
    assert "[~] Check the totals" in after, f"{cc}: {after[-3000:]}"


def _json_line(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def test_the_board_command_starts_the_board(
    claude_code: ClaudeCode, isolated_home: Path, workspace_dir: Path
) -> None:
    """``/task-orchestrator:board``: the model gets the launcher's absolute path in the line
    to run (``${CLAUDE_PLUGIN_ROOT}`` substituted), and the command's allowed tools let it run
    that line with Bash in the background without asking. The same line, run here, prints
    the board's address as JSON and the address answers. (Reading a background command's
    output differs between the versions; the scripted model does not do it.)"""
    import signal
    import urllib.request

    cc = claude_code
    env = _env(isolated_home, cc.path, workspace_dir)
    install([load_clients()["claude-code"]], "user", env, dry_run=False, hooks=True, plugin=True)
    launcher_path = plugin_install.marketplace_dir(default_paths()) / "plugin" / "bin"
    lines: list[str] = []

    def run_it(body: dict[str, Any]) -> list[tuple[Any, ...]]:
        found = next(
            m for m in reversed(body["messages"]) if "board --no-open --json" in json.dumps(m)
        )
        content = found["content"]
        if not isinstance(content, str):
            content = "\n".join(b.get("text", "") for b in content if isinstance(b, dict))
        line = next(x for x in content.splitlines() if "board --no-open --json" in x).strip()
        lines.append(line)
        args = {"command": line, "description": "Start the board", "run_in_background": True}
        return [("tool_use", "Bash", args)]

    with FakeModel([run_it, [("text", "The board is starting.")]]) as model:
        environ = {**claude_env(), "HOME": str(isolated_home), "ANTHROPIC_BASE_URL": model.url}
        command = [str(cc.path), "-p", "/task-orchestrator:board"]
        with subprocess.Popen(
            [*command, "--output-format", "stream-json", "--verbose"],
            cwd=workspace_dir,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # the background board is ours to stop, with its group
        ) as proc:
            # 2.1.332 stays until its background commands end (the board never does), so
            # the session's result is read and then the whole group stopped.
            try:
                assert proc.stdout is not None
                result = next(
                    (e for e in map(_json_line, proc.stdout) if e.get("type") == "result"), {}
                )
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
    assert result and not result.get("is_error"), f"{cc}: {result}"
    assert not model.errors, f"{cc}: {model.errors}"
    assert lines and lines[0].startswith(f'"{launcher_path}/task-orchestrator" board'), (
        f"{cc}: the line to run: {lines}"
    )
    results = [r for r in model.tool_results() if r]
    assert results and not any("permission" in r.lower() for r in results), f"{cc}: {results}"
    # The same line, as the model's Bash would run it.
    with subprocess.Popen(
        ["/bin/sh", "-c", lines[0]],
        cwd=workspace_dir,
        env=env.environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as board:
        try:
            assert board.stdout is not None
            url = json.loads(board.stdout.readline())["url"]
            assert url.startswith("http://127.0.0.1:"), url
            # The address is a one-time key that the board swaps for a cookie.
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
            with browser.open(url, timeout=10) as page:
                assert page.status == 200
        finally:
            os.killpg(board.pid, signal.SIGINT)
            board.communicate(timeout=20)
