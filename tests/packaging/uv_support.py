"""Helpers for the uv and bundle tests: an offline uv environment and a stdio handshake."""

from __future__ import annotations

import os
from pathlib import Path


def _client_env(home: Path, root: Path) -> dict[str, str]:
    # What a GUI client passes (as conftest.minimal_env, which a helper module cannot
    # import: another folder's conftest would answer to the name).
    return {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "TASK_ORCHESTRATOR_HOME": str(root),
        "PATH": "/usr/bin:/bin",
    }


def uv_env(base: Path, wheelhouse: Path) -> dict[str, str]:
    """uv with no network and no index: everything comes from ``wheelhouse``; the Python
    is this one (no downloads)."""
    import sys

    env = _client_env(base / "home", base / "root")
    env.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]]),
        # One cache for the session: each test still gets its own HOME and tool folder.
        UV_CACHE_DIR=str(wheelhouse.parent / "uv-cache"),
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
