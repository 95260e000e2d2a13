"""``task-orchestrator doctor``: is everything we set up still sound? Each problem names the
command that fixes it."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..core.paths import Paths, default_paths
from ..errors import UserError
from . import fileops, hookreg, launcher
from .catalog import Env, load_clients, resolve
from .writers import writer_for

EXPECTED_TOOLS = 16
HANDSHAKE_TIMEOUT = 20.0
# What a GUI app gives its children: our registered command must work with only this.
MINIMAL_PATH = "/usr/bin:/bin"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str = "", fix: str = "") -> Check:
        c = Check(name, ok, detail, "" if ok else fix)
        self.checks.append(c)
        return c


async def _handshake(
    command: str, args: list[str], env: dict[str, str], errlog: TextIO
) -> list[str]:
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=command, args=args, env=env)
    async with (
        stdio_client(params, errlog=errlog) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.list_tools()
        return [t.name for t in result.tools]


def handshake(
    command: str,
    args: list[str],
    timeout: float = HANDSHAKE_TIMEOUT,
    *,
    data_root: str | None = None,
) -> list[str]:
    """Spawn the server as a GUI client would (minimal PATH), initialize, list the tools.
    ``data_root``: the server's TASK_ORCHESTRATOR_HOME instead of ours."""
    import anyio

    env = {"PATH": MINIMAL_PATH}
    for var in ("HOME", "USERPROFILE", "TASK_ORCHESTRATOR_HOME", "SYSTEMROOT", "TMPDIR"):
        if os.environ.get(var):
            env[var] = os.environ[var]
    if data_root is not None:
        env["TASK_ORCHESTRATOR_HOME"] = data_root

    # The server's stderr is kept, not shown: it is the best clue when the handshake fails.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errlog:

        async def run() -> list[str]:
            with anyio.fail_after(timeout):
                return await _handshake(command, args, env, errlog)

        try:
            return anyio.run(run)
        except TimeoutError:
            raise UserError(f"no MCP answer from {command} within {timeout:.0f} s") from None
        except BaseException as exc:  # the SDK wraps failures in exception groups
            if isinstance(exc, KeyboardInterrupt):
                raise
            errlog.seek(0)
            tail = " ".join(errlog.read().split())[-300:]
            said = f"; it said: {tail}" if tail else ""
            raise UserError(f"MCP handshake with {command} failed: {_first(exc)}{said}") from None


def _first(exc: BaseException) -> str:
    # ExceptionGroup is 3.11+; duck-type it so 3.10 works.
    while getattr(exc, "exceptions", None):
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    return f"{type(exc).__name__}: {exc}"


def run_doctor(
    env: Env, paths: Paths | None = None, *, expected_tools: int = EXPECTED_TOOLS
) -> Report:
    paths = paths or default_paths()
    report = Report()
    program = str(launcher.registered_program())
    args = launcher.server_args()
    manifest = fileops.Manifest(paths)
    configured: list[tuple[str, str]] = sorted(
        {
            (e["client"], e["scope"])
            for rec in manifest.files.values()
            for e in rec["entries"].values()
        }
    )
    catalog = load_clients()
    commands: set[tuple[str, tuple[str, ...]]] = set()
    for client_id, scope in configured:
        if client_id not in catalog:
            continue
        client = catalog[client_id]
        where = resolve(client, scope, env)
        if where is None:
            continue
        fix = f"orchestrator-setup install --client {client_id} --scope {scope}"
        writer = writer_for(client.format)
        try:
            text = fileops.read_text(where.path)
            writer.check(text or "", str(where.path))
        except UserError as exc:
            report.add(
                f"{client_id}: file parses",
                False,
                str(exc),
                f"orchestrator-setup restore {where.path}",
            )
            continue
        report.add(f"{client_id}: file parses", True, str(where.path))
        entry = writer.read_entry(text or "", where.key, "task-orchestrator")
        if not isinstance(entry, dict):
            report.add(f"{client_id}: entry present", False, "our entry is missing", fix)
            continue
        desired = client.entry_for(program, args)
        current = all(entry.get(k) == v for k, v in desired.items())
        cmd, entry_args = client.command_of(entry)
        report.add(f"{client_id}: entry current", current, f"command {cmd}", fix)
        runnable = os.path.isabs(cmd) and os.path.isfile(cmd) and os.access(cmd, os.X_OK)
        report.add(f"{client_id}: command executable", runnable, cmd, fix)
        if runnable:
            commands.add((cmd, tuple(entry_args)))
    # A server creates the store when there is none: a handshake must not put an empty one
    # where the user's was deleted or moved. Those handshakes get a data root of their own.
    lost = _store_url(paths) is None and store_lost(paths)
    with tempfile.TemporaryDirectory(prefix="doctor-") as scratch:
        for cmd, cargs in sorted(commands):
            _check_handshake(report, cmd, list(cargs), expected_tools, scratch if lost else None)
    via_plugin = _check_plugin(report, env, paths, expected_tools, scratch_root=lost)
    if not via_plugin and (
        ("claude-code", "user") in configured
        or any(c == "claude-code-hooks" for c, _ in configured)
    ):
        _check_hooks(report, configured, env, program)
    url = _store_url(paths)
    if url is None:
        _check_store(report, paths, lost)
    else:
        _check_postgres(report, url)
    if not configured:
        report.add("clients configured", False, "no client is configured yet", "orchestrator-setup")
    return report


def _check_handshake(
    report: Report, cmd: str, args: list[str], expected_tools: int, data_root: str | None
) -> None:
    try:
        tools = handshake(cmd, args, data_root=data_root)
    except UserError as exc:
        report.add(
            f"MCP handshake: {cmd}", False, str(exc), f"run `{cmd} serve` by hand to see the error"
        )
        return
    report.add(
        f"MCP handshake: {cmd}",
        len(tools) == expected_tools,
        f"{len(tools)} tools (expected {expected_tools})",
        "reinstall: pipx install --force task-orchestrator",
    )


def _check_plugin(
    report: Report, env: Env, paths: Paths, expected_tools: int, *, scratch_root: bool
) -> bool:
    """Where setup installed our Claude Code plugin: it is enabled, its hooks would run
    once (none of ours left in settings.json), and its launcher's server answers. Returns
    whether the plugin route is in use."""
    from . import plugin, plugin_install

    folder = plugin_install.marketplace_dir(paths)
    if not (folder / plugin.FOLDER).is_dir():
        return False
    cli = plugin_install.claude_cli(env)
    fix = "orchestrator-setup install --client claude-code"
    if cli is None:
        report.add("claude-code plugin", False, "`claude` is not on PATH to ask", fix)
        return True
    rows = plugin_install.installed(cli, env)
    enabled = [r for r in rows if r.get("enabled")]
    report.add(
        "claude-code plugin enabled",
        bool(enabled),
        ", ".join(
            f"{r.get('scope')}: {'enabled' if r.get('enabled') else 'disabled'}" for r in rows
        )
        or "not installed",
        fix,
    )
    twice = []
    for scope in ("user", "project", "local"):
        path = hookreg.settings_path(scope, env)
        try:
            state = hookreg.registered_events(fileops.read_text(path) or "")
        except UserError:
            continue
        if any(state.values()):
            twice.append(str(path))
    report.add(
        "claude-code plugin hooks run once",
        not twice,
        "no hooks of ours in settings.json"
        if not twice
        else "our hooks are also in " + ", ".join(twice) + ": every event would run twice",
        fix,
    )
    launcher_path = folder / plugin.FOLDER / "bin" / "task-orchestrator"
    with tempfile.TemporaryDirectory(prefix="doctor-") as scratch:
        _check_handshake(
            report, str(launcher_path), ["serve"], expected_tools, scratch if scratch_root else None
        )
    return True


def _check_hooks(report: Report, configured: list[tuple[str, str]], env: Env, program: str) -> None:
    scopes = [s for c, s in configured if c == "claude-code-hooks"] or ["user"]
    for scope in scopes:
        path = hookreg.settings_path(scope, env)
        try:
            state = hookreg.registered_events(fileops.read_text(path) or "", program)
        except UserError as exc:
            report.add(f"hooks ({scope})", False, str(exc), f"orchestrator-setup restore {path}")
            continue
        missing = [e for e, ok in state.items() if not ok]
        report.add(
            f"hooks ({scope})",
            not missing,
            f"{path}: "
            + ("all registered" if not missing else "missing or stale: " + ", ".join(missing)),
            f"orchestrator-setup install --client claude-code --scope {scope}",
        )


def store_lost(paths: Paths) -> bool:
    """The store file is gone but its folder is not: it was deleted or moved (its folder is
    made together with it, so a store never created leaves no folder)."""
    return not paths.db.exists() and paths.data.is_dir()


def _store_url(paths: Paths) -> str | None:
    """The PostgreSQL store configured (or a bad URL's refusal, prefixed ``!``, which
    _check_postgres reports), or None for the SQLite file."""
    from ..core.db import is_url
    from ..core.errors import StoreUnavailable

    try:
        where = paths.store()
    except StoreUnavailable as exc:
        return f"!{exc}"
    return where if is_url(where) else None


def _check_postgres(report: Report, url: str) -> None:
    """A PostgreSQL store: reachable, its schema version, the store's invariants, its team;
    and what is true of its backups. Doctor only looks: it never migrates (the first server
    start does) and never creates anything."""
    if url.startswith("!"):
        report.add(
            "store configured", False, url[1:], "fix [store] url or TASK_ORCHESTRATOR_STORE_URL"
        )
        return
    from ..core import pg
    from ..core.migrations import SCHEMA_VERSION
    from ..core.store import TaskStore

    try:
        conn = pg.connect(url, busy_timeout=5)
    except Exception as exc:  # any failure to connect is what doctor exists to report
        report.add(
            "store reachable",
            False,
            str(exc),
            "check the database server is up and the URL (user, host, database) is right",
        )
        return
    store = TaskStore(conn, conn.where)  # type: ignore[arg-type]
    try:
        report.add("store reachable", True, f"PostgreSQL {conn.where}")
        version = store.schema_version()
        if version > SCHEMA_VERSION:
            report.add(
                "store schema",
                False,
                f"schema version {version} is newer than this program's {SCHEMA_VERSION}",
                "upgrade task-orchestrator",
            )
            return
        detail = f"schema version {version}"
        if version < SCHEMA_VERSION:
            detail += f" (this program's is {SCHEMA_VERSION}: the first server start migrates it)"
        report.add("store schema", True, detail)
        if version == 0:
            return  # no tables yet: nothing else to check
        problems = store.integrity_problems()
        report.add(
            "store healthy",
            not problems,
            "the store's invariants hold (PostgreSQL keeps its own pages)"
            if not problems
            else "; ".join(problems[:3]),
            "orchestrator_maintenance_coordinator validate_structure lists them",
        )
        if version >= 7:
            team = store.team()
            live = sum(1 for m in store.members() if m.revoked_at is None)
            report.add(
                "store team",
                True,
                f"team {team.name}, {live} live member(s)"
                if team
                else "no team yet (task-orchestrator team init NAME makes it one)",
            )
        report.add(
            "store backups",
            True,
            "a PostgreSQL store is backed up by its database's operator (pg_dump, or the "
            "server's own backups); task-orchestrator copies no file of it",
        )
    except Exception as exc:
        report.add("store healthy", False, str(exc), "run again; check the database server's log")
    finally:
        store.close()


def _check_store(report: Report, paths: Paths, lost: bool) -> None:
    from ..core.db import looks_like_sqlite
    from ..core.store import TaskStore

    db: Path = paths.db
    restart = "restart your MCP clients to start with an empty store"
    if lost:
        report.add(
            "store healthy",
            False,
            f"{db} does not exist, but its folder does: the store was deleted or moved; "
            "a server still running on it refuses every call",
            f"put the file back at {db} and call orchestrator_restart_server, or {restart}",
        )
        return
    if not db.exists():
        report.add("store healthy", True, f"{db}: not created yet (the first server start does)")
        return
    if not looks_like_sqlite(db):
        report.add(
            "store healthy",
            False,
            f"{db} is not a SQLite database: it was overwritten, or another file took its place",
            f"move {db} aside (keep it if it may hold your tasks), then {restart}",
        )
        return
    try:
        # Never create it here: that is the server's job, and doctor only looks.
        store = TaskStore.open(db, create=False)
        try:
            problems = store.integrity_problems()
        finally:
            store.close()
    except Exception as exc:  # any failure to open is what doctor exists to report
        report.add("store healthy", False, f"{db}: {exc}", f"move {db} away and start again")
        return
    report.add(
        "store healthy",
        not problems,
        f"{db}" + ("" if not problems else ": " + "; ".join(problems[:3])),
        f"back up {db}, then run `sqlite3 {db} .recover`",
    )
