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
from .catalog import Env, load_catalog, resolve
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


def handshake(command: str, args: list[str], timeout: float = HANDSHAKE_TIMEOUT) -> list[str]:
    """Spawn the server as a GUI client would (minimal PATH), initialize, list the tools."""
    import anyio

    env = {"PATH": MINIMAL_PATH}
    for var in ("HOME", "USERPROFILE", "TASK_ORCHESTRATOR_HOME", "SYSTEMROOT", "TMPDIR"):
        if os.environ.get(var):
            env[var] = os.environ[var]

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
    catalog = load_catalog()
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
        report.add(f"{client_id}: entry current", current, f"command {entry.get('command')}", fix)
        cmd = str(entry.get("command", ""))
        runnable = os.path.isabs(cmd) and os.path.isfile(cmd) and os.access(cmd, os.X_OK)
        report.add(f"{client_id}: command executable", runnable, cmd, fix)
        if runnable:
            commands.add((cmd, tuple(str(a) for a in entry.get("args", []))))
    for cmd, cargs in sorted(commands):
        try:
            tools = handshake(cmd, list(cargs))
            ok = len(tools) == expected_tools
            report.add(
                f"MCP handshake: {cmd}",
                ok,
                f"{len(tools)} tools (expected {expected_tools})",
                "reinstall: pipx install --force task-orchestrator",
            )
        except UserError as exc:
            report.add(
                f"MCP handshake: {cmd}",
                False,
                str(exc),
                f"run `{cmd} serve` by hand to see the error",
            )
    if ("claude-code", "user") in configured or any(
        c == "claude-code-hooks" for c, _ in configured
    ):
        _check_hooks(report, configured, env, program)
    _check_store(report, paths)
    if not configured:
        report.add("clients configured", False, "no client is configured yet", "orchestrator-setup")
    return report


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


def _check_store(report: Report, paths: Paths) -> None:
    from ..core.store import TaskStore

    db: Path = paths.db
    try:
        store = TaskStore.open(db)
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
