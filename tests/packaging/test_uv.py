"""uv, offline against a locally built wheel: ``uvx task-orchestrator serve`` answers as an MCP
server; ``uv tool install`` gives a setup that registers the tool environment's console
script; setup run from uvx's temporary environment refuses, saying what to do instead."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from uv_support import stdio_tools, uv_env

from task_orchestrator.installer.launcher import uv_environment

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name == "nt", reason="POSIX paths")]

UV_BIN = Path(sys.executable).parent
UV = shutil.which("uv", path=str(UV_BIN)) or "uv"
UVX = shutil.which("uvx", path=str(UV_BIN)) or "uvx"
SIXTEEN = 16


def run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def test_uvx_task_orchestrator_serve(tmp_path: Path, wheelhouse: Path) -> None:
    env = uv_env(tmp_path, wheelhouse)
    name, tools = stdio_tools(UVX, ["task-orchestrator", "serve"], env)
    assert name == "task-orchestrator"
    assert len(tools) == SIXTEEN


def test_setup_from_uvx_refuses_and_says_why(tmp_path: Path, wheelhouse: Path) -> None:
    env = uv_env(tmp_path, wheelhouse)
    proc = run([UVX, "--from", "task-orchestrator", "orchestrator-setup", "--yes"], env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "temporary uvx environment" in proc.stderr
    assert "uv tool install task-orchestrator" in proc.stderr
    assert not (tmp_path / "root" / "manifest.json").exists()


def test_uv_tool_install_registers_the_tool_environment(tmp_path: Path, wheelhouse: Path) -> None:
    env = uv_env(tmp_path, wheelhouse)
    proc = run([UV, "tool", "install", "task-orchestrator"], env)
    assert proc.returncode == 0, proc.stderr
    tool_dir = Path(run([UV, "tool", "dir"], env).stdout.strip())
    venv = tool_dir / "task-orchestrator"
    assert uv_environment(venv) == "tool"
    # Claude Code's config file exists: setup registers the server there.
    home = Path(env["HOME"])
    (home / ".claude.json").write_text("{}\n", "utf-8")
    setup = home / ".local" / "bin" / "orchestrator-setup"
    proc = run([str(setup), "install", "--client", "claude-code", "--no-hooks"], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    entry = json.loads((home / ".claude.json").read_text("utf-8"))["mcpServers"][
        "task-orchestrator"
    ]
    assert entry["command"] == str(venv / "bin" / "task-orchestrator")
    assert entry["args"] == ["serve"]
    version = run([entry["command"], "version"], env)
    assert version.returncode == 0 and "task-orchestrator" in version.stdout
    _name, tools = stdio_tools(entry["command"], entry["args"], env)
    assert len(tools) == SIXTEEN


def test_uv_environment_kinds(tmp_path: Path) -> None:
    def venv(path: Path, *, uv: bool = True) -> Path:
        path.mkdir(parents=True)
        (path / "pyvenv.cfg").write_text(
            "home = /usr/bin\n" + ("uv = 0.9.0\n" if uv else ""), "utf-8"
        )
        return path

    tool = venv(tmp_path / "tools" / "task-orchestrator")
    (tool / "uv-receipt.toml").write_text("", "utf-8")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n", "utf-8")
    assert uv_environment(tool) == "tool"
    assert uv_environment(venv(cache / "archive-v0" / "abc")) == "temporary"
    assert uv_environment(venv(tmp_path / "project" / ".venv")) is None  # uv venv / uv run
    assert uv_environment(venv(tmp_path / "plain", uv=False)) is None  # python -m venv, pipx
    assert uv_environment(tmp_path / "missing") is None
