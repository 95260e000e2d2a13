"""The store file deleted, overwritten or replaced under a running server.

SQLite itself carries on in each case (on the deleted inode, or on its cached pages), so
without a check every write would be answered and then lost. The next tool call must say
what happened, name the file and ``task-orchestrator doctor``, and write nothing anywhere;
doctor must explain it; orchestrator_restart_server must pick the file up once it is back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from task_orchestrator.__main__ import main
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.server.app import build_server

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def text(r: Any) -> str:
    return "\n".join(getattr(b, "text", "") for b in r.content)


async def ok(c: Client, tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    r = await c.call_tool(tool, args or {})
    assert not r.is_error, text(r)
    assert r.structured_content is not None
    return r.structured_content


def doctor_store_check(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    main(["doctor", "--json"])
    checks = json.loads(capsys.readouterr().out)["checks"]
    [store] = [c for c in checks if c["check"] == "store healthy"]
    return dict(store)


def delete(db: Path, tmp_path: Path) -> None:
    os.link(db, tmp_path / "kept.db")  # the same file, to put back later
    db.unlink()


def overwrite(db: Path, tmp_path: Path) -> None:
    # In place (same inode), as `cat junk > tasks.db` or a bad sync tool would.
    with open(db, "r+b") as fh:
        fh.write(b"\x00garbage" * (db.stat().st_size // 8))


def replace(db: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with TaskStore.open(other) as s:
        s.create_tree(s.workspace(tmp_path).id, NewTask("from the other file"))
        s.checkpoint()
    os.replace(other, db)


CASES: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "deleted": (delete, "was deleted while this server was running"),
    "overwritten": (overwrite, "was overwritten while this server was running"),
    "replaced": (replace, "was replaced by another file while this server was running"),
}


@pytest.mark.fault(
    "the store file deleted, overwritten with garbage, or replaced by another file under a "
    "running server",
    "the next tool call: a clear error naming the file and `task-orchestrator doctor`; "
    "nothing written, no store created in its place; doctor explains; restart_server "
    "recovers once the file is back",
)
@pytest.mark.parametrize("case", CASES)
async def test_store_lost_under_a_running_server(
    case: str, workspace_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damage, said = CASES[case]
    db = default_paths().db
    async with Client(build_server(), mode="legacy") as c:
        await ok(c, "orchestrator_initialize_session", {"working_directory": str(workspace_dir)})
        before = await ok(c, "orchestrator_plan_task", {"title": "written before"})
        damage(db, tmp_path)
        on_disk = db.read_bytes() if db.exists() else None

        for tool, args in [
            ("orchestrator_plan_task", {"title": "written after"}),
            ("orchestrator_get_status", {}),
            ("orchestrator_restart_status", {}),
        ]:
            r = await c.call_tool(tool, args)
            assert r.is_error, (tool, text(r))
            assert said in text(r) and str(db) in text(r), text(r)
            assert "task-orchestrator doctor" in text(r), text(r)
        health = await ok(c, "orchestrator_health_check")
        assert health["status"] == "unhealthy" and said in " ".join(health["reasons"])
        reconnect = await ok(c, "orchestrator_reconnect_test")
        assert reconnect["ok"] is False and said in reconnect["error"]
        # Nothing written, nothing created: the path holds exactly what the damage left.
        assert (db.read_bytes() if db.exists() else None) == on_disk

        doctor = doctor_store_check(capsys)
        assert (db.read_bytes() if db.exists() else None) == on_disk  # doctor only looks
        if case == "deleted":
            assert not doctor["ok"] and "deleted or moved" in doctor["detail"]
            assert "put the file back" in doctor["fix"]
            r = await c.call_tool("orchestrator_restart_server", {})
            assert r.is_error and "does not exist" in text(r)
            assert not db.exists()  # a restart does not re-create it either
            os.replace(tmp_path / "kept.db", db)  # put back, as the message says
        elif case == "overwritten":
            assert not doctor["ok"] and "not a SQLite database" in doctor["detail"]
            r = await c.call_tool("orchestrator_restart_server", {})
            assert r.is_error and "cannot be opened" in text(r)
            assert db.read_bytes() == on_disk
            return  # what was overwritten is gone; recovering is the user's (doctor's fix)
        else:
            # The file now at the path is a sound store: doctor rightly says so, and the
            # server's message says to check it, then restart onto it.
            assert doctor["ok"], doctor
        await ok(c, "orchestrator_restart_server")
        status = await ok(c, "orchestrator_query_tasks")
        titles = {t["title"] for t in status["tasks"]}
        if case == "deleted":
            assert before["task"]["title"] in titles
        await ok(c, "orchestrator_plan_task", {"title": "written after recovery"})
    with TaskStore.open(db, create=False) as store:
        found = {r[0] for r in store.conn.execute("SELECT title FROM tasks")}
    assert "written after recovery" in found and "written after" not in found
    if case == "replaced":
        assert "from the other file" in found and "written before" not in found
