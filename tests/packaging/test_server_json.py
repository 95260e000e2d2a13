"""server.json, the entry for the official MCP Registry: the fields the 2025-12-11 schema
and the registry's PyPI check want, one version with the package, and the ownership marker
in the README that PyPI shows as the package's description."""

from __future__ import annotations

import json
import re
from pathlib import Path

from task_orchestrator import SERVER_NAME, __version__
from task_orchestrator.installer.launcher import server_args
from task_orchestrator.installer.links import UVX_ARGS

ROOT = Path(__file__).resolve().parents[2]
SERVER = json.loads((ROOT / "server.json").read_text("utf-8"))
NAME = "io.github.task-orchestrator/task-orchestrator"


def test_server_json_fields() -> None:
    assert SERVER["$schema"] == (
        "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
    )
    assert SERVER["name"] == NAME
    assert re.fullmatch(r"[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+", SERVER["name"])
    assert 1 <= len(SERVER["description"]) <= 100
    (package,) = SERVER["packages"]
    assert package["registryType"] == "pypi"
    assert package["identifier"] == SERVER_NAME == "task-orchestrator"
    assert package["transport"] == {"type": "stdio"}
    assert package["runtimeHint"] == "uvx"
    # The arguments after the package's command are the ones setup registers, and what the
    # install links run after `uvx task-orchestrator`.
    args = [a["value"] for a in package["packageArguments"]]
    assert all(a["type"] == "positional" for a in package["packageArguments"])
    assert args == server_args() == UVX_ARGS[1:]


def test_versions_are_the_package_version() -> None:
    assert SERVER["version"] == __version__
    assert [p["version"] for p in SERVER["packages"]] == [__version__]


def test_readme_carries_the_mcp_name_marker_as_a_comment() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f"<!-- mcp-name: {NAME} -->" in readme
    # PyPI's description is the README (pyproject.toml: readme = "README.md").
    assert 'readme = "README.md"' in (ROOT / "pyproject.toml").read_text("utf-8")
