"""The install links decode to the entry setup writes for the uvx route, and the README
carries the links the command prints."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from task_orchestrator.installer.catalog import load_clients
from task_orchestrator.installer.links import links

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")


def expected(client: str) -> dict[str, object]:
    return load_clients()[client].entry_for("uvx", ["task-orchestrator", "serve"])


def test_cursor_link_decodes_to_the_installer_entry() -> None:
    link = links()["cursor"]["link"]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "cursor",
        "anysphere.cursor-deeplink",
        "/mcp/install",
    )
    query = parse_qs(parts.query)
    assert query["name"] == ["task-orchestrator"]
    config = json.loads(base64.b64decode(query["config"][0]))
    assert (
        config == expected("cursor") == {"command": "uvx", "args": ["task-orchestrator", "serve"]}
    )


def test_vscode_links_decode_to_the_installer_entry() -> None:
    found = links()["vscode"]
    assert found["link"].startswith("vscode:mcp/install?")
    config = json.loads(unquote(found["link"].split("?", 1)[1]))
    assert config.pop("name") == "task-orchestrator"
    assert config == expected("vscode")
    assert config["type"] == "stdio"  # VS Code's own entry shape, as setup writes it
    web = urlsplit(found["web"])
    assert (web.scheme, web.netloc, web.path) == ("https", "vscode.dev", "/redirect")
    assert parse_qs(web.query)["url"] == [found["link"]]


def test_the_readme_carries_the_links() -> None:
    found = links()
    for link in (found["cursor"]["link"], found["vscode"]["link"], found["vscode"]["web"]):
        assert link in README, link


def test_links_command_prints_them() -> None:
    out = subprocess.run(
        [sys.executable, "-I", "-m", "task_orchestrator", "links", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout) == links()
