"""``pipx install`` of the wheel gives console scripts that work the way clients start them:
an absolute path, a bare PATH, and a working directory whose ``click.py`` and ``mcp/`` would
break an import that looked there first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXE = ".exe" if os.name == "nt" else ""
BIN = "Scripts" if os.name == "nt" else "bin"
# Captured at import, before the autouse fixture moves HOME: pip and pipx keep their
# download cache in the real one, or every run would fetch mcp, pydantic, ... again.
TOOL_ENV = dict(os.environ)

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class PipxInstall:
    home: Path  # PIPX_HOME
    bin_dir: Path  # PIPX_BIN_DIR: the links on the user's PATH

    @property
    def venv(self) -> Path:
        return self.home / "venvs" / "task-orchestrator"

    def script(self, name: str) -> Path:
        return self.bin_dir / (name + EXE)


def _run(cmd: list[str | Path], env: dict[str, str], cwd: Path | None = None) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, env=env, cwd=cwd, timeout=600
    )
    assert proc.returncode == 0, f"{cmd} exit {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def pipx_install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipxInstall]:
    base = tmp_path_factory.mktemp("pipx")
    tools = base / "tools"
    _run([sys.executable, "-m", "venv", tools], TOOL_ENV)
    tool_python = tools / BIN / ("python" + EXE)
    _run([tool_python, "-m", "pip", "install", "--quiet", "pipx"], TOOL_ENV)
    wheels = base / "wheels"
    _run([tool_python, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, ROOT], TOOL_ENV)
    (wheel,) = wheels.glob("task_orchestrator-*.whl")
    install = PipxInstall(home=base / "pipx-home", bin_dir=base / "pipx-bin")
    env = {
        **TOOL_ENV,
        "PIPX_HOME": str(install.home),
        "PIPX_BIN_DIR": str(install.bin_dir),
        "PIPX_MAN_DIR": str(base / "pipx-man"),
    }
    _run([tool_python, "-m", "pipx", "install", wheel], env)
    yield install


def test_console_scripts_run_from_a_shadowing_project(
    pipx_install: PipxInstall, shadowing_project: Path, client_env: dict[str, str]
) -> None:
    out = _run(
        [pipx_install.script("task-orchestrator"), "--version"], client_env, shadowing_project
    )
    assert "task-orchestrator" in out
    out = _run([pipx_install.script("orchestrator-setup"), "--help"], client_env, shadowing_project)
    assert "Usage" in out


def test_hook_runs_from_a_shadowing_project(
    pipx_install: PipxInstall,
    shadowing_project: Path,
    client_env: dict[str, str],
    session_start_payload: dict[str, object],
) -> None:
    payload = {**session_start_payload}
    payload["cwd"] = str(shadowing_project)
    proc = subprocess.run(
        [str(pipx_install.script("task-orchestrator")), "hook", "SessionStart"],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=client_env,
        cwd=shadowing_project,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    if proc.stdout.strip():
        assert isinstance(json.loads(proc.stdout), dict)


def test_the_registered_command_is_the_venv_console_script(
    pipx_install: PipxInstall, shadowing_project: Path, client_env: dict[str, str]
) -> None:
    # What setup registers, asked of the pipx venv itself (-I: the cwd must not matter).
    python = pipx_install.venv / BIN / ("python" + EXE)
    code = "from task_orchestrator.installer.launcher import registered_program as r; print(r())"
    registered = Path(_run([python, "-I", "-c", code], client_env, shadowing_project).strip())
    # The console script beside the venv's python, not beside the base interpreter it links
    # to, and still inside the venv after `pipx upgrade` (which rebuilds the venv in place).
    assert registered == pipx_install.venv / BIN / ("task-orchestrator" + EXE)
    assert "task-orchestrator" in _run([registered, "--version"], client_env, shadowing_project)
