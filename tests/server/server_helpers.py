"""Calls and checks shared by the server tests (imported by name: tests/server is on
sys.path in pytest's default import mode)."""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp.types import CallToolResult

from task_orchestrator.core.store import TaskStore


async def ok(c: Client, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    r = await c.call_tool(name, args or {})
    assert not r.is_error, text(r)
    assert r.structured_content is not None
    return r.structured_content


async def err(c: Client, name: str, args: dict[str, Any]) -> str:
    r = await c.call_tool(name, args)
    assert r.is_error, f"{name}({args}) should fail but answered {text(r)}"
    return text(r)


def text(r: CallToolResult) -> str:
    return "\n".join(getattr(b, "text", "") for b in r.content)


def fingerprint(store: TaskStore) -> tuple[Any, ...]:
    """Everything a tool could have written about tasks; equal before and after a refused
    call proves nothing was written."""
    row = store.conn.execute(
        "SELECT (SELECT COUNT(*) FROM tasks), (SELECT COALESCE(SUM(version), 0) FROM tasks), "
        "(SELECT COUNT(*) FROM artifacts), (SELECT COUNT(*) FROM dependencies), "
        "(SELECT COUNT(*) FROM tasks WHERE archived = 1), "
        "(SELECT group_concat(status) FROM (SELECT status FROM tasks ORDER BY id)), "
        "(SELECT COUNT(*) FROM events WHERE kind NOT LIKE 'session.%' "
        " AND kind != 'workspace.created')"
    ).fetchone()
    return tuple(row)
