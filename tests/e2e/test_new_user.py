"""End to end, as a new user would (issue 7, items 1-4).

One wheel built from the checkout is pipx-installed into a temporary PIPX_HOME, for a
temporary HOME that looks like a real user's machine: Claude Code, Cursor, Windsurf, Claude
Desktop, Codex and Gemini configs that already hold other servers, comments and a hook of the
user's, and the real claude, codex and gemini CLIs (from npm) on PATH. Then, in this order
(the tests of this module share that machine and run top to bottom, like a user would):

1. ``orchestrator-setup --yes`` configures every client and the hooks; ``doctor`` is green.
2. The real CLIs list the server; ``claude mcp list`` shows it connected.
3. A scripted-model ``claude -p`` session works a feature request through all sixteen tools
   and the hooks (auto-plan, mirroring of Claude's own tasks, completion and synthesis).
4. ``orchestrator-setup uninstall --yes`` puts every client file back as it was.

The whole sequence runs once per Claude Code version the tests pin (tests/claude_versions.py:
the pinned one and the newest release), each on a machine of its own with the same wheel;
test ids carry the version. TASK_ORCHESTRATOR_CLIENTS names the folder with the client
binaries, TASK_ORCHESTRATOR_CLIENTS_NEWEST the newest claude's (scripts/test sets both).
Unset: skipped. Set but a binary missing: a failure, so CI cannot pass by skipping.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from claude_versions import PARAMS as CLAUDE_CODE_VERSIONS
from claude_versions import ClaudeCode, claude_code_for
from e2e_support import (
    NAME,
    Machine,
    run,
    user_env,
    user_files,
)
from hooks_fake_model import TOOL_SEARCH, FakeModel, Step, Turn, tool_names

from task_orchestrator.core.enums import ArtifactType, Specialist, Status
from task_orchestrator.core.errors import NotFound
from task_orchestrator.core.store import TaskStore
from task_orchestrator.installer.launcher import HOOK_CODE

pytestmark = [pytest.mark.slow, pytest.mark.realclient]

CLIENT_IDS = ["claude-code", "claude-desktop", "codex", "cursor", "gemini", "windsurf"]
M = f"mcp__{NAME}__"
TOOLS = [
    "orchestrator_initialize_session",
    "orchestrator_get_status",
    "orchestrator_synthesize_results",
    "orchestrator_plan_task",
    "orchestrator_execute_task",
    "orchestrator_complete_task",
    "orchestrator_query_tasks",
    "orchestrator_update_task",
    "orchestrator_cancel_task",
    "orchestrator_delete_task",
    "orchestrator_maintenance_coordinator",
    "orchestrator_health_check",
    "orchestrator_restart_server",
    "orchestrator_shutdown_prepare",
    "orchestrator_reconnect_test",
    "orchestrator_restart_status",
]
PROMPT = (
    "Implement a GET /health endpoint for the API that reports the database status, "
    "with tests and documentation"
)
PRIVATE = [".claude.json", ".codex/config.toml"]
FINAL = "All done: the health endpoint is designed, implemented, tested and documented."


def clients_folder(claude: ClaudeCode, base: Path) -> Path:
    """A folder with this version's claude and the pinned codex and gemini."""
    value = os.environ.get("TASK_ORCHESTRATOR_CLIENTS")
    if not value:
        pytest.skip("TASK_ORCHESTRATOR_CLIENTS is not set (scripts/test sets it)")
    folder = Path(value)
    for exe in ("codex", "gemini"):
        path = folder / exe
        if not (path.is_file() and os.access(path, os.X_OK)):
            pytest.fail(f"TASK_ORCHESTRATOR_CLIENTS={folder} but {exe} is missing there")
    clients = base / "clients"
    clients.mkdir()
    for exe, path in (
        ("claude", claude.path),
        ("codex", folder / "codex"),
        ("gemini", folder / "gemini"),
    ):
        (clients / exe).symlink_to(path.absolute())
    return clients


@pytest.fixture(scope="module", params=CLAUDE_CODE_VERSIONS)
def claude_code(request: pytest.FixtureRequest) -> ClaudeCode:
    """Module-scoped here: the tests of one machine run top to bottom with one version."""
    return claude_code_for(request.param)


@pytest.fixture(scope="module")
def machine(
    claude_code: ClaudeCode,
    pipx_install: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Machine]:
    # A space and a non-ASCII letter in every path (HOME, PIPX_HOME, the project), as on
    # many real machines: every command we register must survive them.
    base = tmp_path_factory.mktemp("e2e user ü")
    clients = clients_folder(claude_code, base)
    pipx_home, pipx_bin = pipx_install
    home = base / "home"
    project = home / "src" / "shop-api"
    (project / ".git").mkdir(parents=True)
    (project / "README.md").write_text("# shop-api\n", encoding="utf-8")
    for path, text in user_files(home, project).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    # Files that hold secrets are often private; their mode must survive our edits.
    for private in PRIVATE:
        (home / private).chmod(0o600)
    yield Machine(
        home=home,
        project=project,
        pipx_home=pipx_home,
        pipx_bin=pipx_bin,
        clients=clients,
        env=user_env(home, pipx_bin, clients),
    )


@pytest.fixture(scope="module")
def snapshot(machine: Machine) -> dict[Path, bytes]:
    """Every client file's bytes before setup ran."""
    return {p: p.read_bytes() for p in user_files(machine.home, machine.project)}


def assert_private_modes_kept(home: Path) -> None:
    for private in PRIVATE:
        mode = (home / private).stat().st_mode & 0o777
        assert mode == 0o600, f"{private} is now {oct(mode)}"


@pytest.fixture(scope="module")
def setup_report(machine: Machine, snapshot: dict[Path, bytes]) -> str:
    # The settings.json route; tests/hooks/test_plugin_e2e_claude.py takes the plugin's.
    return run(
        [machine.script("orchestrator-setup"), "--yes", "--no-plugin"], machine.env, machine.home
    )


# -- 1. setup and doctor -------------------------------------------------------------------


def test_setup_configures_every_client_and_the_hooks(
    machine: Machine, snapshot: dict[Path, bytes], setup_report: str
) -> None:
    program = str(machine.venv_script)
    for client in CLIENT_IDS:
        assert re.search(rf"^{client} +user +installed ", setup_report, re.M), setup_report
    assert re.search(r"^claude-code-hooks +user +installed .* 11 hook events", setup_report, re.M)
    # Every file we write now names the console script inside the pipx venv, absolute.
    for path in snapshot:
        if path.name == "settings.json" and path.parent.name == ".claude":
            continue
        text = path.read_text(encoding="utf-8")
        assert NAME in text and program in text, (path, text)
    # Nothing of the user's was lost on the way.
    claude_json = json.loads((machine.home / ".claude.json").read_text(encoding="utf-8"))
    assert {"filesystem", NAME} <= set(claude_json["mcpServers"])
    assert claude_json["projects"][str(machine.project)]["mcpServers"]["postgres"]
    cursor = (machine.home / ".cursor" / "mcp.json").read_text(encoding="utf-8")
    assert "// Cursor MCP servers (my notes stay here)" in cursor and "// mine" in cursor
    codex = (machine.home / ".codex" / "config.toml").read_text(encoding="utf-8")
    assert "# My Codex settings -- keep these comments" in codex and "quiet please" in codex
    settings = json.loads((machine.home / ".claude" / "settings.json").read_text(encoding="utf-8"))
    assert settings["cleanupPeriodDays"] == 60
    assert settings["hooks"]["Notification"][0]["hooks"][0]["command"] == "notify-send Claude"
    # Hooks run the venv's python beside the console script with our entry point (launcher.py
    # says why); the path is as stable as the console script's.
    hook_python = str(machine.venv_script.parent / "python")
    for event in ("SessionStart", "UserPromptSubmit", "PostToolUse", "Stop"):
        commands = json.dumps(settings["hooks"].get(event, []), ensure_ascii=False)
        assert hook_python in commands and HOOK_CODE in commands, (event, settings["hooks"])

    status = json.loads(
        run([machine.script("orchestrator-setup"), "status", "--json"], machine.env, machine.home)
    )
    state = {row["client"]: (row["found"], row["state"]) for row in status}
    for client in CLIENT_IDS:
        assert state.get(client) == (True, "current"), (client, status)

    doctor = json.loads(
        run([machine.script(NAME), "doctor", "--json"], machine.env, machine.project)
    )
    names = [c["check"] for c in doctor["checks"]]
    for client in CLIENT_IDS:
        assert f"{client}: entry current" in names, names
    assert "hooks (user)" in names and "store healthy" in names
    assert any(n.startswith("MCP handshake") for n in names), names
    bad = [c for c in doctor["checks"] if c["ok"] is not True]
    assert doctor["ok"] is True and not bad, json.dumps(bad, indent=2)
    assert_private_modes_kept(machine.home)

    # Setup again: nothing to do, not a byte changed.
    configured = {p: p.read_bytes() for p in snapshot}
    again = run(
        [machine.script("orchestrator-setup"), "--yes", "--no-plugin"], machine.env, machine.home
    )
    for client in CLIENT_IDS:
        assert re.search(rf"^{client} +user +unchanged ", again, re.M), again
    assert {p: p.read_bytes() for p in snapshot} == configured


# -- 2. the real CLIs list it ----------------------------------------------------------------


def test_real_clis_list_the_server(
    claude_code: ClaudeCode, machine: Machine, setup_report: str
) -> None:
    clients, env, cwd = machine.clients, machine.env, machine.home
    program = str(machine.venv_script)
    listed = run([clients / "claude", "mcp", "list"], env, cwd)
    assert f"{NAME}: {program} serve - \u2714 Connected" in listed, f"{claude_code}: {listed}"
    got = run([clients / "claude", "mcp", "get", NAME], env, cwd)
    assert program in got and "serve" in got, f"{claude_code}: {got}"
    codex = run([clients / "codex", "mcp", "list"], env, cwd)
    line = next((ln for ln in codex.splitlines() if ln.startswith(NAME)), "")
    assert program in line and "enabled" in line, codex
    # Gemini prints its list on stderr; in an untrusted folder (HOME is one) it shows the
    # server as Disabled, which still proves it read our entry.
    gemini = run([clients / "gemini", "mcp", "list"], env, cwd, stderr=True)
    assert f"{NAME}: {program} serve" in gemini, gemini


# -- 3. a scripted Claude Code session through the sixteen tools and the hooks ---------------


def tool_calls(body: dict[str, Any]) -> list[tuple[str, dict[str, Any], str, bool]]:
    """(tool name, input, result text, is_error) for every tool call in the conversation."""
    uses: dict[str, tuple[str, dict[str, Any]]] = {}
    out: list[tuple[str, dict[str, Any], str, bool]] = []
    for m in body.get("messages", []):
        content = m.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_use":
                uses[block["id"]] = (block["name"], block.get("input") or {})
            elif block.get("type") == "tool_result":
                inner = block.get("content")
                if isinstance(inner, list):
                    inner = "".join(b.get("text", "") for b in inner if isinstance(b, dict))
                name, args = uses.get(block.get("tool_use_id", ""), ("?", {}))
                out.append((name, args, str(inner or ""), bool(block.get("is_error"))))
    return out


def last_result(body: dict[str, Any], tool: str) -> str:
    found = [text for name, _, text, _ in tool_calls(body) if name == M + tool]
    assert found, f"no result of {tool} yet"
    return found[-1]


def parent_id(body: dict[str, Any]) -> str:
    """The task the UserPromptSubmit hook made from the prompt, read from its context."""
    match = re.search(r"tracked as task ([A-Za-z0-9_-]+)", json.dumps(body))
    assert match, "no UserPromptSubmit context in the request"
    return match.group(1)


def planned(body: dict[str, Any], title: str) -> tuple[str, list[str]]:
    """(root id, subtask ids) from the plan_task answer whose root is ``title``. Claude Code
    hands the model a tool's structured content (our pydantic output) as JSON text."""
    for name, args, text, _ in reversed(tool_calls(body)):
        if name == M + "orchestrator_plan_task" and args.get("title") == title:
            try:
                out = json.loads(text)
            except ValueError:
                raise AssertionError(f"plan_task answered with no JSON: {text!r}") from None
            return out["task"]["id"], [sub["id"] for sub in out["subtasks"]]
    raise AssertionError(f"no plan named {title!r} yet")


FEATURE = "Add the health endpoint"
SCRATCH = "Scratch: spike a metrics endpoint"
STEPS = [
    ("Design the health endpoint", "architect", "design", "docs/health-design.md"),
    ("Implement the health endpoint", "implementer", "code", "app/health.py"),
    ("Test the health endpoint", "tester", "test", "tests/test_health.py"),
]


def call(tool: str, args: dict[str, Any] | None = None) -> Turn:
    return [("tool_use", M + tool, args or {})]


def script(project: Path) -> list[Step]:
    def plan(body: dict[str, Any]) -> Turn:
        subtasks: list[dict[str, Any]] = [
            {
                "title": title,
                "description": f"{title} for GET /health",
                "specialist": spec,
                "estimated_effort": "1h",
                "depends_on": [i - 1] if i else [],
            }
            for i, (title, spec, _, _) in enumerate(STEPS)
        ]
        return call(
            "orchestrator_plan_task",
            {
                "title": FEATURE,
                "description": PROMPT,
                "complexity": "moderate",
                "parent_task_id": parent_id(body),
                "subtasks": subtasks,
            },
        )

    def execute(i: int) -> Step:
        return lambda body: call(
            "orchestrator_execute_task", {"task_id": planned(body, FEATURE)[1][i]}
        )

    def complete(i: int) -> Step:
        title, _, kind, path = STEPS[i]
        return lambda body: call(
            "orchestrator_complete_task",
            {
                "task_id": planned(body, FEATURE)[1][i],
                "summary": f"Done: {title.lower()}",
                "detailed_work": f"## {title}\n\nThe full work for {path}.",
                "next_action": "complete",
                "file_paths": [path],
                "artifact_type": kind,
            },
        )

    def on_feature(tool: str, **args: Any) -> Step:
        return lambda body: call(tool, {**args, "task_id": planned(body, FEATURE)[0]})

    def on_scratch(tool: str, **args: Any) -> Step:
        return lambda body: call(tool, {**args, "task_id": planned(body, SCRATCH)[0]})

    return [
        # Claude's own task list, mirrored by the hooks under the prompt's task.
        [
            (
                "tool_use",
                "TaskCreate",
                {
                    "subject": "Check the API conventions",
                    "description": "Read how the other endpoints are written",
                    "activeForm": "Checking the API conventions",
                },
            )
        ],
        [("tool_use", "TaskUpdate", {"taskId": "1", "status": "in_progress"})],
        call("orchestrator_initialize_session", {"working_directory": str(project)}),
        plan,
        execute(0),
        complete(0),
        execute(1),
        complete(1),
        execute(2),
        complete(2),
        on_feature("orchestrator_update_task", estimated_effort="3h", context={"ticket": "API-42"}),
        lambda body: call(
            "orchestrator_query_tasks", {"parent_task_id": planned(body, FEATURE)[0]}
        ),
        lambda body: call(
            "orchestrator_synthesize_results",
            {"parent_task_id": planned(body, FEATURE)[0], "write_to": "docs/health-endpoint.md"},
        ),
        on_feature(
            "orchestrator_complete_task",
            summary="GET /health designed, implemented and tested",
            detailed_work="See the synthesis.",
            next_action="complete",
            artifact_type="documentation",
        ),
        [("tool_use", "TaskUpdate", {"taskId": "1", "status": "completed"})],
        # A scratch plan, cancelled then deleted.
        call(
            "orchestrator_plan_task",
            {"title": SCRATCH, "subtasks": [{"title": "Try a Prometheus exporter"}]},
        ),
        on_scratch("orchestrator_cancel_task", reason="Out of scope for this request"),
        on_scratch("orchestrator_delete_task", force=True, archive_instead=False),
        call("orchestrator_get_status"),
        call("orchestrator_health_check"),
        call("orchestrator_maintenance_coordinator", {"action": "validate_structure"}),
        call("orchestrator_restart_server"),
        call("orchestrator_restart_status"),
        call("orchestrator_reconnect_test"),
        call("orchestrator_shutdown_prepare"),
        [("text", FINAL)],
    ]


def test_scripted_claude_session_through_every_tool_and_the_hooks(
    claude_code: ClaudeCode, machine: Machine, setup_report: str
) -> None:
    cc = claude_code
    claude = machine.clients / "claude"
    allowed = " ".join(["TaskCreate", "TaskUpdate", "TaskList", "TaskGet", *(M + t for t in TOOLS)])
    scripted = script(machine.project)
    with FakeModel(scripted) as model:
        env = {
            **machine.env,
            "ANTHROPIC_BASE_URL": model.url,
            "ANTHROPIC_API_KEY": "sk-ant-test-not-a-real-key",
        }
        start = time.monotonic()
        proc = subprocess.run(
            # --dangerously-skip-permissions is refused as root; allowing the tools is enough.
            [str(claude), "-p", PROMPT, "--output-format", "json", "--allowedTools", allowed],
            cwd=machine.project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        elapsed = time.monotonic() - start
    assert not model.errors, f"{cc}: the scripted model failed: {model.errors}"
    assert proc.returncode == 0, f"{cc}: " + proc.stderr[-3000:] + proc.stdout[-3000:]
    result = json.loads(proc.stdout)
    assert result["is_error"] is False and result["result"] == FINAL, f"{cc}: {result}"
    assert elapsed < 200, f"{cc}: the session took {elapsed:.0f} s"

    body = model.main_requests[-1]
    # Our server was connected in that session: its sixteen tools were offered to the model
    # (2.1.332: deferred, then loaded through ToolSearch, then carried in the request).
    offered = set(tool_names(body))
    assert {M + t for t in TOOLS} <= offered, (
        f"{cc}: our tools never reached the model: {sorted({M + t for t in TOOLS} - offered)}"
    )
    calls = [c for c in tool_calls(body) if c[0] != TOOL_SEARCH]
    # every scripted call was made and answered
    assert len(calls) == len(scripted) - 1, f"{cc}: {[c[0] for c in calls]}"
    errors = [(name, text) for name, _, text, err in calls if err]
    assert not errors, f"{cc}: tool calls failed: {errors}"
    answered = {name.removeprefix(M) for name, _, _, _ in calls if name.startswith(M)}
    assert answered == set(TOOLS), f"{cc}: unanswered: {set(TOOLS) - answered}"
    # The plan offered only its first step as ready; each execute got the right specialist.
    _, step_ids = planned(body, FEATURE)
    plans = [json.loads(t) for n, a, t, _ in calls if n == M + "orchestrator_plan_task"]
    assert plans[0]["task"]["parent_id"] == parent_id(body)
    assert plans[0]["ready"] == step_ids[:1]
    executes = [json.loads(t) for n, _, t, _ in calls if n == M + "orchestrator_execute_task"]
    assert [(e["task"]["id"], e["specialist"]["name"]) for e in executes] == [
        (i, spec) for i, (_, spec, _, _) in zip(step_ids, STEPS, strict=True)
    ]
    # Each step after the first received the result of the step it depends on.
    for e, (dep_title, _, _, _) in zip(executes[1:], STEPS[:-1], strict=True):
        assert [d["summary"] for d in e["dependency_results"]] == [f"Done: {dep_title.lower()}"]
    synthesis = json.loads(last_result(body, "orchestrator_synthesize_results"))
    assert synthesis["all_complete"] is True and len(synthesis["completed"]) == 3

    # The session and health tools, as the model saw them.
    def answer(tool: str) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(last_result(body, tool))
        return out

    prompt_task = parent_id(body)
    status = answer("orchestrator_get_status")
    assert status["workspace"] == str(machine.project)
    assert [t["id"] for t in status["in_progress"]] == [prompt_task]  # until Stop completes it
    health = answer("orchestrator_health_check")
    assert health["status"] == "healthy" and health["integrity_ok"] is True, health
    assert health["store_path"] == str(machine.db)
    maintenance = answer("orchestrator_maintenance_coordinator")
    assert maintenance["findings"] == [
        "structure ok: integrity, dependencies and parents are consistent"
    ]
    restart = answer("orchestrator_restart_server")
    assert restart["restarts"] == 1 and restart["problems"] == [], restart
    restarts = answer("orchestrator_restart_status")
    assert restarts["restarts_this_process"] == 1 and restarts["last"]["data"]["ok"] is True
    reconnect = answer("orchestrator_reconnect_test")
    assert reconnect["ok"] is True and reconnect["session"]["client"] == "claude-code"
    assert reconnect["session"]["session_id"] == status["session_id"]  # same session after restart
    shutdown = answer("orchestrator_shutdown_prepare")
    # The prompt's task is still in progress (the Stop hook completes it after this turn), so
    # the server honestly says it is not a clean point to stop, after checkpointing.
    assert shutdown["checkpoint_done"] is True and shutdown["safe_to_stop"] is False
    assert [t["id"] for t in shutdown["in_progress"]] == [prompt_task]

    # Hook context reached the model.
    texts = model.system_texts()
    assert any(
        t.startswith("SessionStart hook additional context: task-orchestrator") for t in texts
    ), f"{cc}: the SessionStart hook's context did not reach the model"
    assert any("UserPromptSubmit hook additional context: " in t for t in texts), (
        f"{cc}: the UserPromptSubmit hook's context did not reach the model"
    )

    assert machine.db.is_file()  # the default data root under HOME, not created by us here
    with TaskStore.open(machine.db) as store:
        session = store.find_session("claude-code", str(result["session_id"]))
        assert session is not None and session.active_task_id is not None
        parent = store.get_task(session.active_task_id)
        assert parent.id == parent_id(body)
        assert parent.description == PROMPT
        assert parent.workspace_id == store.workspace(machine.project).id
        kids = {k.title: k for k in store.children(parent.id)}
        assert set(kids) == {"Check the API conventions", FEATURE}, f"{cc}: {kids}"
        # Claude's TaskCreate/TaskUpdate, mirrored.
        mirrored = kids["Check the API conventions"]
        assert mirrored.status == Status.COMPLETED, (
            f"{cc}: the hooks did not mirror TaskUpdate to completed: {mirrored}"
        )
        sid = str(result["session_id"])
        assert store.find_external("claude-code", sid, "1") == mirrored.id
        # The plan: specialists, a dependency chain, executed and completed in that order.
        feature = kids[FEATURE]
        assert feature.status == Status.COMPLETED
        assert feature.estimated_effort == "3h" and feature.context.get("ticket") == "API-42"
        steps = store.children(feature.id)
        assert [(s.title, s.specialist, s.status) for s in steps] == [
            (t, Specialist(spec), Status.COMPLETED) for t, spec, _, _ in STEPS
        ]
        assert [list(s.depends_on) for s in steps] == [[], [steps[0].id], [steps[1].id]]
        for before, after in itertools.pairwise(steps):
            assert before.completed_at is not None and after.started_at is not None
            assert before.completed_at <= after.started_at
        for step, (_, _, kind, path) in zip(steps, STEPS, strict=True):
            arts = store.artifacts(step.id)
            assert [(a.artifact_type, list(a.file_paths)) for a in arts] == [
                (ArtifactType(kind), [path])
            ], arts
        feature_arts = [a.artifact_type for a in store.artifacts(feature.id)]
        assert ArtifactType.SYNTHESIS in feature_arts
        assert (machine.project / "docs" / "health-endpoint.md").is_file()
        # The Stop hook completed and synthesized the prompt's task.
        assert parent.status == Status.COMPLETED and parent.summary == FINAL, (
            f"{cc}: the Stop hook did not complete the prompt's task: {parent}"
        )
        syn = [a for a in store.artifacts(parent.id) if a.artifact_type == ArtifactType.SYNTHESIS]
        assert syn and "2 of 2 subtasks complete" in syn[0].summary
        # The scratch plan is gone.
        with pytest.raises(NotFound):
            store.get_task(planned(body, SCRATCH)[0])
    # After real use, the doctor is still all green.
    doctor = json.loads(
        run([machine.script(NAME), "doctor", "--json"], machine.env, machine.project)
    )
    assert doctor["ok"] is True, doctor
    # The person's own view of that work, from the same pipx install: the tasks commands.
    listed = json.loads(
        run(
            [machine.script(NAME), "tasks", "list", "--all", "--json"], machine.env, machine.project
        )
    )
    plans = {p["title"]: p for p in listed["plans"]}
    assert plans[parent.title]["status"] == "completed", f"{cc}: {sorted(plans)}"
    shown = json.loads(
        run(
            [machine.script(NAME), "tasks", "show", feature.id, "--json"],
            machine.env,
            machine.project,
        )
    )
    assert [s["status"] for s in shown["subtasks"]] == ["completed"] * len(STEPS)
    assert shown["artifacts"] and shown["task"]["id"] == feature.id
    log = machine.home / ".local" / "share" / NAME / "logs" / "hooks.log"
    logged = log.read_text(encoding="utf-8") if log.exists() else ""
    assert "ERROR" not in logged, f"{cc}: the hooks logged errors: {logged[-2000:]}"


# -- 4. uninstall puts every file back ----------------------------------------------------


def _without_keys_added(before: Any, after: Any) -> Any:
    """``after`` without the keys (at any depth) that ``before`` does not have."""
    if isinstance(before, dict) and isinstance(after, dict):
        return {k: _without_keys_added(before[k], v) for k, v in after.items() if k in before}
    return after


def test_uninstall_leaves_every_client_file_as_it_was(
    claude_code: ClaudeCode, machine: Machine, snapshot: dict[Path, bytes], setup_report: str
) -> None:
    # No client flag needed: uninstall works on every client it finds, as setup did.
    out = run(
        [machine.script("orchestrator-setup"), "uninstall", "--yes"], machine.env, machine.home
    )
    for client in [*CLIENT_IDS, "claude-code-hooks"]:
        assert re.search(rf"^{client} +user +removed ", out, re.M), out
    for path, before in snapshot.items():
        after = path.read_bytes()
        if path.name == ".claude.json":
            # Claude Code rewrites ~/.claude.json itself whenever it runs, and the claude
            # commands above ran: it adds keys of its own (2.1.197 adds machineID and userID
            # here; other versions add caches, counters, per-project stats). Those are not
            # ours to remove, so this file is compared parsed, minus keys that were absent
            # before; every key the user had must be back with its exact value, and nothing
            # of ours may be left anywhere in it.
            # Its migration counter is its own too: a newer Claude Code runs more of its
            # one-time migrations (2.1.332 takes it from 13 to 15); we never write it.
            old, new = json.loads(before), json.loads(after)
            assert NAME not in after.decode("utf-8"), after.decode("utf-8")
            assert new.pop("migrationVersion") >= old.pop("migrationVersion")
            assert _without_keys_added(old, new) == old, claude_code
        else:
            assert after == before, (path, before.decode("utf-8"), after.decode("utf-8"))
    assert_private_modes_kept(machine.home)
    # Nothing anywhere in HOME still points at our program, except our own data root (the
    # user's tasks stay: uninstall is not purge) and Claude Code's session transcripts
    # (~/.claude/projects), which record the tool results of the session above.
    needle = str(machine.venv_script).encode("utf-8")
    kept = (machine.db.parent.parent, machine.home / ".claude" / "projects")
    left = [
        p
        for p in machine.home.rglob("*")
        if p.is_file() and not any(k in p.parents for k in kept) and needle in p.read_bytes()
    ]
    assert not left, left
