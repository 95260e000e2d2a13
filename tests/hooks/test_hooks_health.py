"""SessionStart's "is our server registered" check reads only the ``mcpServers`` objects of
~/.claude.json and .mcp.json, never the whole (often megabytes large) file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from task_orchestrator.core import fastjson
from task_orchestrator.hooks import health

OURS = {"command": "/opt/venv/bin/task-orchestrator", "args": ["serve"]}
HISTORY = [{"display": 'add "mcpServers" to task-orchestrator docs', "pastedContents": {}}]


def claude_json(home: Path, doc: Any) -> None:
    text = doc if isinstance(doc, str) else json.dumps(doc, indent=2)
    (home / ".claude.json").write_text(text, encoding="utf-8")


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home


@pytest.mark.parametrize(
    ("doc", "registered"),
    [
        ({"mcpServers": {"task-orchestrator": OURS}}, True),
        ({"mcpServers": {"tasks": OURS}}, True),  # another name, our command
        ({"projects": {"{project}": {"mcpServers": {"task-orchestrator": OURS}}}}, True),
        ({"mcpServers": {"other": {"command": "x"}}}, False),
        # Our name elsewhere only: history, allowed tools, a string "mcpServers".
        (
            {
                "mcpServers": {},
                "projects": {
                    "{project}": {
                        "history": HISTORY,
                        "allowedTools": ["mcp__task-orchestrator__orchestrator_plan_task"],
                        "notes": ["mcpServers", "task-orchestrator"],
                    }
                },
            },
            False,
        ),
        ('{"mcpServers": {"task-orchestrator": {"command": "/x", "ar', True),  # mid-rewrite
        ("", False),
    ],
    ids=["user", "renamed", "local", "others", "name-elsewhere", "mid-rewrite", "empty"],
)
def test_claude_json(home: Path, workspace_dir: Path, doc: Any, registered: bool) -> None:
    if isinstance(doc, dict):
        doc = json.loads(json.dumps(doc).replace("{project}", str(workspace_dir)))
    claude_json(home, doc)
    assert health.server_registered(str(workspace_dir), str(workspace_dir)) is registered


def test_project_mcp_json(home: Path, workspace_dir: Path) -> None:
    claude_json(home, {"mcpServers": {}})
    assert not health.server_registered(str(workspace_dir), str(workspace_dir))
    (workspace_dir / ".mcp.json").write_text(
        json.dumps({"mcpServers": {"task-orchestrator": OURS}})
    )
    assert health.server_registered(str(workspace_dir), str(workspace_dir))


def test_a_large_claude_json(home: Path, workspace_dir: Path) -> None:
    projects = {f"/home/u/p{i}": {"history": HISTORY * 200, "mcpServers": {}} for i in range(100)}
    claude_json(home, {"projects": projects, "mcpServers": {"task-orchestrator": OURS}})
    assert (home / ".claude.json").stat().st_size > 1_000_000
    assert health.server_registered(str(workspace_dir), str(workspace_dir))


def test_value_at() -> None:
    text = '{"a": [1, {"b": "c"}], "d":   {"e": null}  }'
    assert fastjson.value_at(text, text.index("[")) == ([1, {"b": "c"}], text.index(', "d"'))
    assert fastjson.value_at(text, text.index('"d":') + 4)[0] == {"e": None}
    with pytest.raises(ValueError, match="Expecting value"):
        fastjson.value_at(text, len(text) - 1)


def test_a_hook_of_our_plugin_has_the_server_from_the_plugin(
    home: Path, workspace_dir: Path, monkeypatch: Any
) -> None:
    """The plugin's .mcp.json registers the server (and setup removed the ~/.claude.json
    entry): no "not registered" warning from a hook the plugin runs."""
    assert not health.server_registered(str(workspace_dir), str(workspace_dir))
    monkeypatch.setenv("CLAUDE_PLUGIN_ROOT", str(home / "plugin"))
    assert health.server_registered(str(workspace_dir), str(workspace_dir))
