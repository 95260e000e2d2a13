"""Health and lifecycle tools: maintenance, health check, in-place restart, shutdown
preparation, reconnect test and restart status."""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from ..core.db import quick_check
from ..core.errors import StoreError, StoreUnavailable
from ..core.models import now_iso
from ..core.store import TaskStore
from .budget import STRUCTURED_BUDGET, clip, fit
from .context import Ctx, Tool, client_of, result, session_for, state_of, tool_errors
from .maintenance import bounded, run_maintenance
from .models import (
    HealthOut,
    MaintenanceOut,
    ReconnectOut,
    RestartEvent,
    RestartOut,
    RestartStatusOut,
    ShutdownOut,
    TaskBrief,
)

MAX_PROBLEMS = 20
# Thresholds for "degraded": enough room to keep working, but someone should look.
LOW_DISK_BYTES = 200 * 1024 * 1024
BIG_WAL_BYTES = 64 * 1024 * 1024
BIG_RSS_BYTES = 1024 * 1024 * 1024


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


async def maintenance_coordinator(
    ctx: Ctx,
    action: Literal[
        "scan_cleanup",
        "validate_structure",
        "update_documentation",
        "prepare_handover",
        "archive_completed",
    ],
    scope: Literal["workspace", "all"] = "workspace",
    dry_run: Annotated[
        bool, Field(description="Report without changing anything (default).")
    ] = True,
    stale_hours: Annotated[
        float | None, Field(gt=0, le=24 * 365, description="Default: config, else 24.")
    ] = None,
    path: Annotated[
        str | None,
        Field(
            max_length=1_024,
            description="update_documentation: a file inside the workspace (default "
            "TASKS.md); a new file, or the report this tool wrote there before.",
        ),
    ] = None,
    offset: Annotated[
        int, Field(ge=0, le=1_000_000, description="Skip this many findings (paging).")
    ] = 0,
) -> Annotated[CallToolResult, MaintenanceOut]:
    """Keep the store tidy. scan_cleanup finds stale in-progress tasks and orphaned
    subtasks (and resets/archives them when dry_run=false); validate_structure checks
    integrity, dangling dependencies and cycles; update_documentation writes a task report
    into the workspace; prepare_handover summarizes what the next session needs;
    archive_completed archives finished top-level plans. Changes need dry_run=false."""
    state, ws, session = await session_for(ctx)
    with tool_errors():
        found = run_maintenance(
            state.store,
            action=action,
            workspace=ws,
            all_workspaces=scope == "all",
            dry_run=dry_run,
            stale_hours=stale_hours or state.stale_hours,
            path=path,
            session_id=session.id,
        )
    out = bounded(found, offset)
    head = f"{action} ({'dry run' if out.dry_run else 'applied'}): "
    body = "; ".join(out.findings[:20]) or "nothing found"
    return result(out, head + body + (f"\n\n{out.report[:3_000]}" if out.report else ""))


async def health_check(ctx: Ctx) -> Annotated[CallToolResult, HealthOut]:
    """Check that the server and its store are sound: store reachable, SQLite quick
    check, schema version, database and WAL size, free disk, process memory and uptime.
    Answers healthy, degraded or unhealthy with the reasons. Use it when something seems
    wrong or at the start of long work."""
    import psutil

    state, client = client_of(ctx)
    # store_or_none: state.store refuses a lost file, which the SQLite path reports below.
    if getattr(state.store_or_none, "engine", "sqlite") != "sqlite":
        return _postgres_health(state, client, psutil.Process().memory_info().rss)
    reasons: list[str] = []
    reachable, integrity_ok, version = True, True, None
    counts: dict[str, int] = {}
    try:
        # SQLite's quick check only (0.1 s at 100,000 tasks); the store's own invariants
        # (dangling references, cycles: about 1 s there) are validate_structure's job.
        problems = quick_check(state.store.conn)
        version = state.store.schema_version()
        counts = state.store.counts_by_status(client.workspace.id if client.workspace else None)
        if problems:
            integrity_ok = False
            reasons += [f"integrity: {clip(p, 500)}" for p in problems[:10]]
    except (sqlite3.Error, StoreError) as exc:
        reachable = integrity_ok = False
        reasons.append(clip(f"store unreachable: {exc}", 2_000))
    db_path = state.paths.db
    wal = _file_size(db_path.with_name(db_path.name + "-wal"))
    free = psutil.disk_usage(str(db_path.parent)).free if db_path.parent.exists() else 0
    rss = int(psutil.Process().memory_info().rss)
    if not reachable or not integrity_ok:
        status = "unhealthy"
    else:
        if free < LOW_DISK_BYTES:
            reasons.append(f"low disk space: {free // (1024 * 1024)} MB free")
        if wal > BIG_WAL_BYTES:
            reasons.append(f"large WAL ({wal // (1024 * 1024)} MB): run restart_server")
        if rss > BIG_RSS_BYTES:
            reasons.append(f"high memory use: {rss // (1024 * 1024)} MB")
        if state.catalog.problems or state.config_problem:
            reasons.append("some config files were ignored; see restart_server problems")
        status = "degraded" if reasons else "healthy"
    out = HealthOut(
        status=status,
        reasons=reasons,
        store_path=str(db_path),
        store_reachable=reachable,
        integrity_ok=integrity_ok,
        schema_version=version,
        db_bytes=_file_size(db_path),
        wal_bytes=wal,
        disk_free_bytes=free,
        process_rss_bytes=rss,
        uptime_s=round(state.uptime_s, 3),
        counts=counts,
    )
    return result(out, f"{status}" + (": " + "; ".join(reasons) if reasons else ""))


#: What health_check says of a PostgreSQL store's backups: there is no file here to copy.
PG_BACKUPS = (
    "backups of a PostgreSQL store are its database operator's (pg_dump, or the server's own "
    "backups); this server copies no file of it"
)


def _postgres_health(state: Any, client: Any, rss: int) -> CallToolResult:
    """health_check on a PostgreSQL store: reachable, its schema version, the store's
    invariants (PostgreSQL keeps its own pages, so there is no file check), the database's
    size; no file, WAL or local disk to measure, and backups are the operator's."""
    reasons: list[str] = []
    reachable, integrity_ok, version, size = True, True, None, 0
    counts: dict[str, int] = {}
    try:
        version = state.store.schema_version()
        problems = state.store.integrity_problems()
        size = state.store.database_bytes()
        counts = state.store.counts_by_status(client.workspace.id if client.workspace else None)
        if problems:
            integrity_ok = False
            reasons += [f"integrity: {clip(p, 500)}" for p in problems[:10]]
    except (StoreError, OSError) as exc:
        reachable = integrity_ok = False
        reasons.append(clip(f"store unreachable: {exc}", 2_000))
    if reachable and integrity_ok:
        if rss > BIG_RSS_BYTES:
            reasons.append(f"high memory use: {rss // (1024 * 1024)} MB")
        if state.catalog.problems or state.config_problem:
            reasons.append("some config files were ignored; see restart_server problems")
        status = "degraded" if reasons else "healthy"
    else:
        status = "unhealthy"
    out = HealthOut(
        status=status,
        reasons=reasons,
        store_path=state.store.file,
        store_reachable=reachable,
        integrity_ok=integrity_ok,
        schema_version=version,
        db_bytes=size,
        wal_bytes=0,
        disk_free_bytes=0,
        process_rss_bytes=rss,
        uptime_s=round(state.uptime_s, 3),
        counts=counts,
        engine="postgres",
        backups=PG_BACKUPS,
    )
    head = f"{status}" + (": " + "; ".join(reasons) if reasons else "")
    return result(
        out,
        f"{head}\nPostgreSQL store {state.store.file}, schema version {version}, "
        f"{size // (1024 * 1024)} MB; {PG_BACKUPS}.",
    )


async def restart_server(ctx: Ctx) -> Annotated[CallToolResult, RestartOut]:
    """Reload the server in place without dropping the connection (over stdio the client
    owns the process, so this is what restart means): checkpoint the WAL, close and
    reopen the store, reload config, templates and specialists. Use it after editing
    templates or specialists, when health_check reports a large WAL, or when the store
    file was put back or replaced. A store file that is gone is never re-created here."""
    state, client = client_of(ctx)
    timings: dict[str, float] = {}
    total = time.perf_counter()
    with tool_errors():
        t = time.perf_counter()
        # A reader in another process may hold the WAL; reopening is still fine. Not into
        # a file that changed under us: our pages do not belong in it.
        if state.store_or_none is not None and state.store_file_problem() is None:
            with suppress(sqlite3.OperationalError):
                state.store_or_none.checkpoint()
        timings["checkpoint"] = _ms(t)
        t = time.perf_counter()
        state.reopen()
        timings["reopen_store"] = _ms(t)
        t = time.perf_counter()
        state.reload_config()
        timings["reload_config"] = _ms(t)
        state.restarts += 1
        timings["total"] = _ms(total)
        problems = [clip(p, 400) for p in state.catalog.problems[:MAX_PROBLEMS]]
        if state.config_problem:
            problems.append(clip(state.config_problem, 400))
        state.store.record_event(
            "server.restart",
            workspace_id=client.workspace.id if client.workspace else None,
            session_id=client.session.id if client.session else None,
            data={
                "pid": os.getpid(),
                "timings_ms": timings,
                "restarts": state.restarts,
                "ok": True,
                "problems": problems,
            },
        )
    out = RestartOut(
        reloaded=["store connection", "config", "templates", "specialists"],
        timings_ms=timings,
        restarts=state.restarts,
        specialists=len(state.catalog.specialists),
        templates=len(state.catalog.templates),
        problems=problems,
        note="Reloaded in place; the connection and session are unchanged.",
    )
    return result(out, f"Reloaded in {timings['total']} ms; problems: {len(problems)}.")


async def shutdown_prepare(ctx: Ctx) -> Annotated[CallToolResult, ShutdownOut]:
    """Before closing the client or stopping the server: says whether it is safe to stop
    now and what stands in the way (tasks in progress in this workspace, an open write),
    after folding the WAL into the store file. Nothing is lost by stopping; in-progress
    tasks simply stay in progress for the next session."""
    state, ws, _ = await session_for(ctx)
    blockers: list[str] = []
    with tool_errors():
        open_tx = state.store.conn.in_transaction
        if open_tx:
            blockers.append("a write is in progress")
        checkpoint = True
        try:
            state.store.checkpoint()
        except sqlite3.OperationalError as exc:
            checkpoint = False
            blockers.append(clip(f"checkpoint not done ({exc}); another process is writing", 500))
        busy = state.store.in_progress(ws.id, limit=20)
    if busy:
        blockers.append(
            f"{len(busy)} task(s) in progress: complete them, or set them back to pending"
        )
    out = ShutdownOut(
        safe_to_stop=not blockers,
        blockers=blockers,
        in_progress=[TaskBrief.of(t) for t in busy],
        checkpoint_done=checkpoint,
        open_transaction=open_tx,
    )
    verdict = "Safe to stop." if not blockers else "Not yet: " + "; ".join(blockers)
    return result(out, verdict)


async def reconnect_test(ctx: Ctx) -> Annotated[CallToolResult, ReconnectOut]:
    """Check the store connection from scratch: open a fresh connection, write and read
    back a value in a scratch area (no task is touched), and report the latencies and
    this client session's state. Use it when calls fail with store errors."""
    state, client = client_of(ctx)
    # A file that changed under this server is not opened here: the problem is this
    # server's connection, and a second one to the path would only add to it.
    error = state.store_file_problem()
    connect_ms = roundtrip_ms = 0.0
    t = time.perf_counter()
    try:
        if error is not None:
            raise StoreUnavailable(error)
        fresh = TaskStore.open(state.location or state.paths.db, create=False)
        connect_ms = _ms(t)
        try:
            t = time.perf_counter()
            token = f"{os.getpid()}-{now_iso()}"
            if fresh.scratch_roundtrip(f"reconnect-{os.getpid()}", token) != token:
                error = "the value read back differs from the value written"
            roundtrip_ms = _ms(t)
        finally:
            fresh.close()
    except (sqlite3.Error, StoreError) as exc:
        error = clip(str(exc), 4_000)
    session = {
        "session_id": client.session.id if client.session else None,
        "workspace": client.workspace.path if client.workspace else None,
        "client": client.name,
        "uptime_s": round(state.uptime_s, 3),
        "restarts": state.restarts,
    }
    out = ReconnectOut(
        ok=error is None,
        connect_ms=connect_ms,
        roundtrip_ms=roundtrip_ms,
        error=error,
        session=session,
    )
    verdict = "ok" if error is None else f"failed: {error}"
    return result(
        out, f"Reconnect test {verdict}: connect {connect_ms} ms, round trip {roundtrip_ms} ms."
    )


async def restart_status(
    ctx: Ctx,
    limit: Annotated[int, Field(ge=1, le=50)] = 10,
) -> Annotated[CallToolResult, RestartStatusOut]:
    """Uptime of this server process, how often it reloaded, and the restart history
    from the event log (all server processes on this store), newest first, with the last
    restart's result and timings."""
    state = state_of(ctx)
    with tool_errors():
        events = state.store.events(kind="server.restart", limit=limit)
    everything = [RestartEvent(at=e["at"], data=e["data"]) for e in events]
    history = fit(everything, STRUCTURED_BUDGET // 2)
    out = RestartStatusOut(
        uptime_s=round(state.uptime_s, 3),
        restarts_this_process=state.restarts,
        history=history,
        history_omitted=len(everything) - len(history),
        last=history[0] if history else None,
    )
    last = f"last at {history[0].at}" if history else "no restart recorded"
    return result(out, f"Up {out.uptime_s} s, {state.restarts} reload(s) here; {last}.")


TOOLS = [
    Tool(
        maintenance_coordinator,
        "orchestrator_maintenance_coordinator",
        ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False),
    ),
    Tool(
        health_check,
        "orchestrator_health_check",
        ToolAnnotations(read_only_hint=True, idempotent_hint=True),
    ),
    Tool(
        restart_server,
        "orchestrator_restart_server",
        ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True),
    ),
    Tool(
        shutdown_prepare,
        "orchestrator_shutdown_prepare",
        ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True),
    ),
    Tool(
        reconnect_test,
        "orchestrator_reconnect_test",
        ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True),
    ),
    Tool(
        restart_status,
        "orchestrator_restart_status",
        ToolAnnotations(read_only_hint=True, idempotent_hint=True),
    ),
]
