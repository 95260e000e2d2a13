"""The Claude Code plugin's files: generated, checked in, valid, and the launcher's contract
(docs/ARCHITECTURE.md, "The Claude Code plugin")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from claude_versions import ClaudeCode

from task_orchestrator.core.root import data_root
from task_orchestrator.hooks.spec import HOOK_SPECS
from task_orchestrator.installer import launcher, plugin, plugin_install
from task_orchestrator.installer.plugin import plugin_files, write_marketplace

CHECKOUT = Path(__file__).resolve().parents[2]


def test_the_checked_in_plugin_is_what_the_generator_makes() -> None:
    proc = subprocess.run(
        [sys.executable, str(CHECKOUT / "packaging" / "gen_plugin.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, (
        f"plugin/ drifted; run `python packaging/gen_plugin.py`:\n{proc.stdout}{proc.stderr}"
    )
    market = json.loads((CHECKOUT / ".claude-plugin" / "marketplace.json").read_text("utf-8"))
    assert market == plugin.marketplace_manifest()
    assert os.access(CHECKOUT / "plugin" / "bin" / "task-orchestrator", os.X_OK)


def test_one_agent_per_specialist_with_tools_fitting_its_role() -> None:
    files = plugin_files()
    names = sorted(d["name"] for d in plugin.specialists())
    agents = sorted(p for p in files if p.startswith("agents/"))
    assert agents == [f"agents/orchestrator-{n}.md" for n in names]
    for name in names:
        text = files[f"agents/orchestrator-{name}.md"]
        front = text.split("---")[1]
        assert f"name: orchestrator-{name}" in front
        assert "description: " in front and "Use it for" in front
    reviewer = files["agents/orchestrator-reviewer.md"].split("---")[1]
    assert "tools: Read, Grep, Glob\n" in reviewer, "a reviewer reads, it does not edit"
    implementer = files["agents/orchestrator-implementer.md"].split("---")[1]
    assert "Edit" in implementer and "Bash" in implementer


def test_hooks_are_our_events_in_exec_form_through_the_launcher() -> None:
    hooks = json.loads(plugin_files()["hooks/hooks.json"])["hooks"]
    assert list(hooks) == [s.event for s in HOOK_SPECS]
    for spec in HOOK_SPECS:
        [group] = hooks[spec.event]
        assert group.get("matcher") == spec.matcher
        [hook] = group["hooks"]
        assert hook["command"] == plugin.LAUNCHER
        assert hook["args"] == ["hook", spec.event] and hook["timeout"] == spec.timeout
    server = json.loads(plugin_files()[".mcp.json"])["mcpServers"]["task-orchestrator"]
    assert server["command"] == plugin.LAUNCHER and server["args"] == ["serve"]


def test_the_launcher_runs_hooks_as_the_settings_route_does() -> None:
    """The sh launcher's ``-I -c`` code is launcher.HOOK_CODE, so both routes run one thing."""
    text = plugin_files()["bin/task-orchestrator"]
    assert f'-I -c "{launcher.HOOK_CODE}"' in text


def _run_launcher(folder: Path, args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(
        [str(folder / "plugin" / "bin" / "task-orchestrator"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        input="",
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_launcher_runs_the_recorded_program(tmp_path: Path) -> None:
    """Setup's marketplace: the program from the plugin's own record; a checkout's: from
    ``<data root>/program``."""
    program = str(Path(sys.executable).parent / "task-orchestrator")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    ours = tmp_path / "ours"
    write_marketplace(ours, plugin_install.program_record(program))
    assert "task-orchestrator" in _run_launcher(ours, ["--version"], env)
    answer = _run_launcher(ours, ["hook", "SessionEnd"], env)
    assert answer.strip() in ("", "{}")

    checkout = tmp_path / "checkout"
    write_marketplace(checkout)
    root = Path(env["TASK_ORCHESTRATOR_HOME"])
    root.mkdir(parents=True, exist_ok=True)
    (root / "program").write_text(program + "\n", encoding="utf-8")
    assert "task-orchestrator" in _run_launcher(checkout, ["--version"], env)


def test_validate_strict_passes(claude_code: ClaudeCode, isolated_home: Path) -> None:
    for target in (CHECKOUT, CHECKOUT / "plugin"):
        proc = subprocess.run(
            [str(claude_code.path), "plugin", "validate", "--strict", str(target)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HOME": str(isolated_home)},
        )
        assert proc.returncode == 0, f"{claude_code}: {target}: {proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("frozen", [True, False])
def test_program_record(frozen: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher, "is_frozen", lambda: frozen)
    record = plugin_install.program_record("/opt/x/bin/task-orchestrator")
    if frozen:
        assert record == ["/opt/x/bin/task-orchestrator"]
    else:
        assert record[0] == "/opt/x/bin/task-orchestrator" and record[1].startswith("/opt/x/bin/")


@pytest.mark.slow
def test_without_a_recorded_program_the_launcher_makes_a_private_venv(tmp_path: Path) -> None:
    """The checkout added as a marketplace on a machine where setup never ran: the first hook
    starts the bootstrap and exits 0 at once; ``serve`` (here ``--version``) waits for it; then
    hooks run the venv's program. Needs pip to reach an index (or this machine's wheels)."""
    home = tmp_path / "home"
    data = tmp_path / "plugin-data"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COVERAGE_", "TASK_ORCHESTRATOR_", "XDG_", "CLAUDE_"))
    }
    env.update(HOME=str(home), CLAUDE_PLUGIN_DATA=str(data))
    launcher_path = CHECKOUT / "plugin" / "bin" / "task-orchestrator"
    payload = json.dumps({"session_id": "s", "cwd": str(tmp_path), "reason": "other"})
    first = subprocess.run(
        [str(launcher_path), "hook", "SessionEnd"],
        input=payload,
        capture_output=True,
        text=True,
        timeout=10,
        env=env,
    )
    assert first.returncode == 0 and first.stdout == ""
    version = subprocess.run(
        [str(launcher_path), "--version"], capture_output=True, text=True, timeout=600, env=env
    )
    assert version.returncode == 0 and "task-orchestrator" in version.stdout, version.stderr
    assert (data / "venv" / "bin" / "task-orchestrator").is_file()
    assert not (data / "venv.lock").exists()
    hook = subprocess.run(
        [str(launcher_path), "hook", "SessionEnd"],
        input=payload,
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert hook.returncode == 0, hook.stderr


def test_the_windows_launcher_looks_where_the_sh_launcher_and_the_core_do() -> None:
    """bin/task-orchestrator.cmd is not run by any test (no Windows here); its text is held
    to the same order as the sh launcher's, to core/root.py's data root on Windows, and to
    bootstrap.py's venv layout there."""
    cmd = plugin_files()["bin/task-orchestrator.cmd"]
    sh = plugin_files()["bin/task-orchestrator"]
    order = [
        cmd.index(r'"%~dp0..\program"'),
        cmd.index(r'"%root%\program"'),
        cmd.index(r"%CLAUDE_PLUGIN_DATA%\venv"),
    ]
    assert order == sorted(order)
    assert (
        sh.index('"$here/../program"')
        < sh.index("task-orchestrator}/program")
        < sh.index("${CLAUDE_PLUGIN_DATA:-")
    )
    # core/root.py on Windows, with "/" for "\\" (os.path here is POSIX's): the override
    # as it is, else under LOCALAPPDATA, else under the profile.
    assert data_root({"TASK_ORCHESTRATOR_HOME": "/to"}, platform="win32") == "/to"
    assert 'set "root=%TASK_ORCHESTRATOR_HOME%"' in cmd
    for env, root in (
        ({"LOCALAPPDATA": "%LOCALAPPDATA%"}, r"%LOCALAPPDATA%\task-orchestrator"),
        ({"HOME": "%USERPROFILE%"}, r"%USERPROFILE%\AppData\Local\task-orchestrator"),
    ):
        assert data_root(env, platform="win32") == root.replace("\\", "/")
        assert f'set "root={root}"' in cmd
    # bootstrap.py's layout on Windows: Scripts\task-orchestrator.exe.
    boot = plugin_files()["bin/bootstrap.py"]
    assert '"Scripts" if os.name == "nt"' in boot and r"\venv\Scripts\task-orchestrator.exe" in cmd
    # A hook fails open before anything slow, as in the sh launcher.
    assert cmd.index('if "%~1"=="hook" exit /b 0') < cmd.index("bootstrap.py")
    assert cmd.rstrip().endswith('"%prog%" %*')
