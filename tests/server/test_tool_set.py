"""``[server] tools = "all" | "core"`` in config.toml, seen by a real server process: tools/list
under each setting, and a bad value reported (stderr, log, health_check) while the server
serves all tools."""

from __future__ import annotations

import os
import sys

import pytest
from mcp import Client, StdioServerParameters

from task_orchestrator.core.paths import default_paths
from task_orchestrator.logs import log_file
from task_orchestrator.server.state import CORE_TOOLS, tool_set

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def write_config(text: str) -> None:
    path = default_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


async def tools_and_health() -> tuple[list[str], dict[str, object]]:
    # -I: the test's cwd must not shadow a dependency (docs/ARCHITECTURE.md).
    params = StdioServerParameters(
        command=sys.executable,
        args=["-I", "-m", "task_orchestrator", "serve"],
        env=dict(os.environ),
    )
    async with Client(params, mode="legacy") as client:
        names = [t.name for t in (await client.list_tools()).tools]
        if "orchestrator_health_check" not in names:
            return names, {}
        health = await client.call_tool("orchestrator_health_check", {})
    assert not health.is_error
    assert isinstance(health.structured_content, dict)
    return names, health.structured_content


@pytest.mark.parametrize(
    ("config", "expected"),
    [("", 16), ('[server]\ntools = "all"\n', 16), ('[server]\ntools = "core"\n', len(CORE_TOOLS))],
)
async def test_tools_list_under_each_setting(config: str, expected: int) -> None:
    write_config(config)
    names, health = await tools_and_health()
    assert len(names) == expected
    if expected == len(CORE_TOOLS):
        assert set(names) == set(CORE_TOOLS)
    else:
        assert health["status"] == "healthy", health


async def test_a_bad_value_is_reported_and_all_tools_are_served() -> None:
    write_config('[server]\ntools = "minimal"\n')
    names, health = await tools_and_health()
    assert len(names) == 16
    message = "[server] tools = 'minimal' is not one of 'all', 'core'; serving all tools"
    assert message in log_file().read_text("utf-8")  # and on stderr, which the client shows
    assert health["status"] == "degraded"
    assert any("config" in str(r) for r in health["reasons"]), health  # type: ignore[attr-defined]


def test_tool_set_values() -> None:
    assert tool_set({}) == ("all", None)
    assert tool_set({"server": {"tools": "core"}}) == ("core", None)
    assert tool_set({"server": "core"}) == ("all", None)
    selected, problem = tool_set({"server": {"tools": 3}})
    assert selected == "all" and problem and "3" in problem
