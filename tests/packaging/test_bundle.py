"""The Claude Desktop bundle (packaging/bundle.py): built, checked and packed by the pinned
mcpb CLI; its manifest lists exactly the server's tools; and the server inside the packed
bundle, started the way the manifest tells Claude Desktop to (``mcp_config`` with
``${__dirname}`` and the user's setting substituted, over stdio, uv offline), answers
initialize and lists the sixteen tools."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from uv_support import stdio_tools, uv_env

from task_orchestrator import __version__
from task_orchestrator.server.app import build_server

ROOT = Path(__file__).resolve().parents[2]
MCPB = ROOT / ".cache" / "mcpb" / "node_modules" / ".bin" / "mcpb"
UV = shutil.which("uv", path=str(Path(sys.executable).parent))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not MCPB.exists(), reason="the mcpb CLI is missing: bash packaging/install-mcpb"
    ),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    subprocess.run(
        [sys.executable, ROOT / "packaging" / "bundle.py", "--out", out, "--stage", out / "stage"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    target = out / f"task-orchestrator-{__version__}.mcpb"
    assert target.is_file()
    return target


def unpack(bundle: Path, dest: Path) -> dict[str, Any]:
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(dest)
    manifest: dict[str, Any] = json.loads((dest / "manifest.json").read_text("utf-8"))
    return manifest


def substitute(value: str, values: dict[str, str]) -> str:
    for key, text in values.items():
        value = value.replace("${" + key + "}", text)
    return value


def test_manifest_lists_the_servers_tools(bundle: Path, tmp_path: Path) -> None:
    manifest = unpack(bundle, tmp_path / "unpacked")

    async def listed() -> list[str]:
        async with Client(build_server(), mode="legacy") as client:
            return [t.name for t in (await client.list_tools()).tools]

    assert [t["name"] for t in manifest["tools"]] == anyio.run(listed)
    assert len(manifest["tools"]) == 16
    assert all(t["description"] for t in manifest["tools"])
    assert manifest["version"] == __version__
    assert manifest["server"]["type"] == "uv"
    assert manifest["server"]["mcp_config"]["env"] == {
        "TASK_ORCHESTRATOR_HOME": "${user_config.data_root}"
    }
    assert manifest["user_config"]["data_root"]["type"] == "directory"
    # What `uv run` needs and nothing of a checkout's environment.
    names = set(zipfile.ZipFile(bundle).namelist())
    assert {"manifest.json", "pyproject.toml", "server/main.py"} <= names
    assert "server/task_orchestrator/__init__.py" in names
    assert not any("__pycache__" in n or n.startswith(".venv") for n in names)


def test_mcpb_validates_the_packed_bundle(bundle: Path) -> None:
    info = subprocess.run([MCPB, "info", bundle], capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stdout + info.stderr
    assert "task-orchestrator" in info.stdout


@pytest.mark.skipif(UV is None, reason="uv is in the dev extra")
def test_the_bundled_server_starts_as_claude_desktop_starts_it(
    bundle: Path, tmp_path: Path, wheelhouse: Path
) -> None:
    installed = tmp_path / "Claude Extensions" / "task-orchestrator"  # a space, as on macOS
    manifest = unpack(bundle, installed)
    data = tmp_path / "chosen data folder"
    values = {"__dirname": str(installed), "user_config.data_root": str(data)}
    config = manifest["server"]["mcp_config"]
    assert config["command"] == "uv"
    args = [substitute(a, values) for a in config["args"]]
    env = uv_env(tmp_path, wheelhouse)
    env.pop("TASK_ORCHESTRATOR_HOME")
    env.update({k: substitute(v, values) for k, v in config["env"].items()})
    assert UV is not None
    # The working directory is not the bundle's: the host starts servers elsewhere.
    name, tools = stdio_tools(UV, args, env, cwd=tmp_path)
    assert name == "task-orchestrator"
    assert len(tools) == 16
    assert (data / "data" / "tasks.db").is_file()  # the setting chose the data root
    assert not (installed / ".venv").exists()  # uv keeps the environment in its cache
