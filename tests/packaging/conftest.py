"""Helpers for running installed programs the way clients run them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def minimal_env(home: Path, root: Path) -> dict[str, str]:
    """What a GUI client passes to a program it starts: little more than HOME and a bare
    PATH. Built from nothing, so nothing of the test runner's environment helps."""
    env = {
        "HOME": str(home),
        "USERPROFILE": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "APPDATA": str(home / "AppData" / "Roaming"),
        "LOCALAPPDATA": str(home / "AppData" / "Local"),
        "TASK_ORCHESTRATOR_HOME": str(root),
        "PATH": "/usr/bin:/bin",
    }
    if os.name == "nt":
        for var in ("SYSTEMROOT", "WINDIR", "COMSPEC", "TEMP", "TMP"):
            if var in os.environ:
                env[var] = os.environ[var]
        env["PATH"] = os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32")
    return env


@pytest.fixture
def shadowing_project(tmp_path: Path) -> Path:
    """A project folder whose ``click.py`` and ``mcp/`` break any import that looks in the
    working directory first (as ``python -m`` does)."""
    project = tmp_path / "shadowing-project"
    (project / "mcp").mkdir(parents=True)
    (project / "click.py").write_text("raise ImportError('shadowed click')\n", "utf-8")
    (project / "mcp" / "__init__.py").write_text("raise ImportError('shadowed mcp')\n", "utf-8")
    return project


@pytest.fixture
def client_env(tmp_path: Path) -> dict[str, str]:
    """A GUI client's environment, with HOME and our data root under tmp_path."""
    return minimal_env(tmp_path / "client-home", tmp_path / "client-root")


@pytest.fixture
def session_start_payload() -> dict[str, object]:
    """A real SessionStart payload captured from Claude Code 2.1.197 (tests/packaging/fixtures)."""
    payload: dict[str, object] = json.loads((FIXTURES / "SessionStart.json").read_text("utf-8"))
    return payload


# Captured at import, before the autouse fixture moves HOME: pip's download cache.
_REAL_ENV = dict(os.environ)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our wheel and every dependency as wheels, for uv to install from with no index."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("wheelhouse")
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "-w", str(out), str(root)],
        check=True,
        env=_REAL_ENV,
        timeout=600,
    )
    return out


def uv_env(base: Path, wheelhouse: Path) -> dict[str, str]:
    """uv with no network and no index: everything comes from ``wheelhouse``; the Python
    is this one (no downloads)."""
    import sys

    env = minimal_env(base / "home", base / "root")
    env.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]]),
        UV_CACHE_DIR=str(base / "uv-cache"),
        UV_OFFLINE="1",
        UV_NO_INDEX="1",
        UV_FIND_LINKS=str(wheelhouse),
        UV_PYTHON=sys.executable,
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_CONFIG="1",
    )
    return env


def stdio_tools(
    command: str, args: list[str], env: dict[str, str], cwd: Path | None = None
) -> tuple[str, list[str]]:
    """Start a server as a client does (stdio), shake hands, list the tools: the server's
    name and the tool names."""
    import anyio
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=command, args=args, env=env, cwd=str(cwd) if cwd else None
    )

    async def talk() -> tuple[str, list[str]]:
        async with Client(params, mode="legacy") as client:
            assert client.server_info is not None
            tools = (await client.list_tools()).tools
            return client.server_info.name, [t.name for t in tools]

    return anyio.run(talk)
