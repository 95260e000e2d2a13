"""What a server process remembers between tool calls.

:class:`ServerState` is the process's: the store connection, the specialist and template
catalog, the config, start and restart times. The lifespan builds it once and every tool
reads it from the SDK's lifespan context. :class:`ClientState` is one client's: the workspace
it works in, its session and its name. Over stdio there is one client per process; over
streamable HTTP each MCP session is one client, so two clients never share a workspace or a
session (:class:`Clients`).

Nothing here imports mcp, so the state can be built and tested without the SDK.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from ..core import private
from ..core.db import looks_like_sqlite
from ..core.errors import InvalidInput, NotFound, StoreError, StoreUnavailable, shown
from ..core.models import Session, Workspace
from ..core.paths import Paths
from ..core.store import TaskStore
from ..core.workspace import find_workspace, unsuitable_workspace
from .planner import Catalog, load_catalog

log = logging.getLogger(__name__)

#: Environment variables that name the project, in order. CLAUDE_PROJECT_DIR is what Claude
#: Code sets for the servers it starts; ours wins so a user can pin a workspace.
WORKSPACE_ENV = ("TASK_ORCHESTRATOR_WORKSPACE", "CLAUDE_PROJECT_DIR")
#: How many clients one process remembers (HTTP sessions); the oldest unused is forgotten.
MAX_CLIENTS = 1_000


def read_config(path: os.PathLike[str]) -> tuple[dict[str, Any], str | None]:
    """The user's config.toml as a dict, and a problem description if it is unreadable."""
    if not os.path.exists(path):
        return {}, None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh), None
    except (OSError, ValueError) as exc:
        return {}, f"{os.fspath(path)}: {exc}"


#: ``[server] tools = "core"``: what a model needs to plan, execute, complete and query, for
#: clients that put every tool's schema into the model's context. Bind the workspace and see
#: the open work (initialize_session), plan a tree (plan_task), take a subtask with its role
#: (execute_task), hand in its result (complete_task), find tasks (query_tasks) and close
#: the parent (synthesize_results). Editing, cancelling and deleting tasks and the health and
#: lifecycle tools are for people and maintenance, and the CLI has them.
CORE_TOOLS = (
    "orchestrator_initialize_session",
    "orchestrator_plan_task",
    "orchestrator_execute_task",
    "orchestrator_complete_task",
    "orchestrator_query_tasks",
    "orchestrator_synthesize_results",
)
TOOL_SETS = ("all", "core")


def tool_set(config: dict[str, Any]) -> tuple[str, str | None]:
    """``[server] tools`` in config.toml: ``"all"`` (the default) or ``"core"``, and a problem
    description for any other value, which then counts as ``"all"``: a typo must not hide
    tools, nor stop the server."""
    section = config.get("server")
    value = section.get("tools", "all") if isinstance(section, dict) else "all"
    if value in TOOL_SETS:
        return str(value), None
    return "all", (
        f"config.toml: [server] tools = {value!r} is not one of {', '.join(map(repr, TOOL_SETS))}; "
        "serving all tools"
    )


def default_directory() -> tuple[str, str]:
    """Where to work when neither an argument nor client roots say: env, then cwd."""
    for var in WORKSPACE_ENV:
        value = os.environ.get(var)
        if value and os.path.isdir(value):
            return value, f"env:{var}"
    return os.getcwd(), "cwd"


@dataclass
class ClientState:
    """One client's workspace and session, resolved on first use by any tool."""

    name: str = "mcp"
    workspace: Workspace | None = None
    workspace_source: str | None = None
    session: Session | None = None
    #: The folder the client works in, inside its workspace (a linked git worktree's, say):
    #: where git is asked about the tasks it starts and completes (core/gitlink.py).
    directory: str | None = None

    def use_workspace(
        self, store: TaskStore, directory: str | os.PathLike[str], source: str
    ) -> Workspace:
        """Work in the project that contains ``directory`` from now on. Refused: a path that
        is relative or missing, and a root that is no project (``/``, the home folder, a
        system folder), with what to pass instead."""
        text = os.fspath(directory)
        path = os.path.expanduser(text)
        if not os.path.isabs(path):
            raise InvalidInput(
                f"working_directory {shown(text)} is relative; give the project's absolute path"
            )
        try:
            is_dir = os.path.isdir(path)
        except (OSError, ValueError):
            is_dir = False
        if not is_dir:
            raise InvalidInput(
                f"working_directory {shown(text)} is not an existing directory; give the "
                "project folder you are working in"
            )
        root = find_workspace(path)
        why = unsuitable_workspace(root)
        if why is not None:
            came_from = "working_directory" if source == "argument" else source
            raise InvalidInput(
                f"{why} (from {came_from}), not a project folder: tasks and documents would "
                "land among unrelated files. Call orchestrator_initialize_session with "
                "working_directory set to the project's own folder, for example "
                "~/code/myproject"
            )
        ws = store.workspace_for_root(root)
        if self.workspace is None or ws.id != self.workspace.id:
            self.session = None  # a session belongs to one workspace
        self.workspace, self.workspace_source = ws, source
        self.directory = path
        return ws

    def ensure_session(self, store: TaskStore) -> tuple[Workspace, Session, bool]:
        """The workspace and session, opening them on first use."""
        if self.workspace is None:
            self.use_workspace(store, *default_directory())
        assert self.workspace is not None
        resumed = False
        if self.session is None:
            self.session, resumed = store.open_session(self.workspace.id, self.name)
        return self.workspace, self.session, resumed

    def rebind(self, store: TaskStore) -> None:
        """After the store was reopened, which may be another file now (a backup put back):
        the workspace and session remembered must exist in it."""
        if self.workspace is not None:
            ws = (
                store.workspace(self.workspace.path)
                if store.engine == "sqlite"  # a backup put back may be another file; on
                # PostgreSQL the same database, whose row names a key, not a folder
                else store.get_workspace(self.workspace.id)
            )
            if ws.id != self.workspace.id:
                self.workspace, self.session = ws, None
        if self.session is not None:
            try:
                store.get_session(self.session.id)
            except NotFound:
                self.session = None


class Clients:
    """The clients of this process by key: the MCP session id over HTTP, one fixed key over
    stdio. Bounded: a long-running HTTP server forgets the least recently used."""

    def __init__(self) -> None:
        self._by_key: OrderedDict[str, ClientState] = OrderedDict()

    def get(self, key: str) -> ClientState:
        state = self._by_key.get(key)
        if state is None:
            state = self._by_key[key] = ClientState()
            while len(self._by_key) > MAX_CLIENTS:
                self._by_key.popitem(last=False)
        else:
            self._by_key.move_to_end(key)
        return state

    def __iter__(self) -> Iterator[ClientState]:
        return iter(list(self._by_key.values()))


@dataclass
class ServerState:
    paths: Paths
    store_or_none: TaskStore | None
    catalog: Catalog
    config: dict[str, Any]
    clients: Clients = field(default_factory=Clients)
    started_monotonic: float = field(default_factory=time.monotonic)
    started_at: float = field(default_factory=time.time)
    restarts: int = 0
    config_problem: str | None = None
    store_error: str | None = None
    #: Where the store is: the SQLite file, or a PostgreSQL URL ([store] url in config.toml
    #: or TASK_ORCHESTRATOR_STORE_URL). Empty: the file at ``paths.db``.
    location: str = ""
    # The store file as opened: (st_dev, st_ino), and (st_mtime_ns, st_size) as last checked.
    _file_id: tuple[int, int] | None = field(default=None, repr=False)
    _file_seen: tuple[int, int] | None = field(default=None, repr=False)
    _wal_released: bool = field(default=False, repr=False)

    @property
    def store(self) -> TaskStore:
        """The open store; a store that could not be opened is reported by every tool (and
        by health_check) instead of killing the server, so the model can tell the user.
        So is a store file deleted, replaced or overwritten since it was opened."""
        if self.store_or_none is None:
            raise StoreUnavailable(
                self.store_error or "the task store is not open; run orchestrator_restart_server"
            )
        problem = self.store_file_problem()
        if problem is not None:
            raise StoreUnavailable(problem)
        return self.store_or_none

    @store.setter
    def store(self, value: TaskStore) -> None:
        self.store_or_none = value
        self.store_error = None
        self._file_id, self._file_seen, self._wal_released = None, None, False
        if value.engine != "sqlite":
            return  # a PostgreSQL store has no file here to watch
        with suppress(OSError):
            st = os.stat(self.paths.db)
            self._file_id, self._file_seen = (st.st_dev, st.st_ino), (st.st_mtime_ns, st.st_size)

    def store_file_problem(self) -> str | None:
        """Why the open store's file can no longer be trusted, if it cannot.

        SQLite keeps working on a file deleted under it, or on its cached pages of a file
        overwritten in place: every write would be answered and then lost. So each use
        compares the path with the file opened (one stat, a few microseconds) and reads the
        header again when the file changed (after any checkpoint, ours or another process's)
        through the descriptor core/db.py keeps for it (docs/ARCHITECTURE.md, "The store
        file": a plain open and close here would drop SQLite's locks).
        """
        if self.store_or_none is None or self._file_id is None:
            return None
        db = self.paths.db
        try:
            st = os.stat(db)
        except FileNotFoundError:
            self._release_wal()
            return (
                f"the task store {db} was deleted while this server was running; nothing was "
                "written. Put the file back and call orchestrator_restart_server, or restart "
                "the MCP client to start with an empty store; `task-orchestrator doctor` "
                "shows what is there"
            )
        except OSError:
            return None  # e.g. a folder we may no longer list: SQLite reports what it can
        if (st.st_dev, st.st_ino) != self._file_id:
            self._release_wal()
            return (
                f"the task store {db} was replaced by another file while this server was "
                "running; nothing was written. Check it with `task-orchestrator doctor`, then "
                "call orchestrator_restart_server to use it"
            )
        if (st.st_mtime_ns, st.st_size) != self._file_seen:
            if not looks_like_sqlite(db):
                return (
                    f"the task store {db} was overwritten while this server was running and is "
                    "no longer a SQLite database; nothing was written. Run "
                    "`task-orchestrator doctor` for what to do"
                )
            self._file_seen = (st.st_mtime_ns, st.st_size)
        return None

    @classmethod
    def open(cls, paths: Paths) -> ServerState:
        private.secure_root(paths.root)
        config, problem = read_config(paths.config_file)
        store, error, location = None, None, str(paths.db)
        try:
            location = paths.store()
            store = TaskStore.open(location)
        except StoreError as exc:
            error = str(exc)
            log.error("store not available: %s", exc)
        state = cls(
            paths=paths,
            store_or_none=None,
            catalog=load_catalog(paths.config_dir),
            config=config,
            location=location,
        )
        if store is not None:
            state.store = store
        state.config_problem = problem or tool_set(config)[1]
        state.store_error = error
        for msg in state.catalog.problems:
            log.warning("catalog: %s", msg)
        return state

    def _release_wal(self) -> None:
        """Our file is no longer at the path, but our write-ahead log (``tasks.db-wal``) still
        is, and SQLite replays a log into whatever file it finds beside it: the next process
        to open the path would get our pages over its file. So fold the log into the file we
        opened (wherever it is now: moved away, or unlinked) and empty it. Once, and without
        waiting on other processes: a log they still use is theirs to fold."""
        if self._wal_released or self.store_or_none is None:
            return
        self._wal_released = True
        with suppress(sqlite3.Error):
            self.store_or_none.checkpoint(wait=False)
        log.warning("store file %s changed under the server; its log was folded", self.paths.db)

    def reopen(self) -> None:
        """Open the store again (restart_server): the new connection first, so a failure
        keeps the old one; a store deleted under a running server is reported, not
        re-created empty. Every client's workspace and session are checked against it."""
        fresh = TaskStore.open(self.location or self.paths.db, create=self.store_or_none is None)
        self.close()
        self.store = fresh
        for client in self.clients:
            client.rebind(fresh)

    def reload_config(self) -> None:
        self.config, self.config_problem = read_config(self.paths.config_file)
        self.config_problem = self.config_problem or tool_set(self.config)[1]
        self.catalog = load_catalog(self.paths.config_dir)

    def close(self) -> None:
        if self.store_or_none is not None:
            self.store_or_none.close()
            self.store_or_none = None

    @property
    def stale_hours(self) -> float:
        """``[server] stale_hours`` in config.toml: after how long without a change an
        in-progress task counts as stale (default 24)."""
        section = self.config.get("server")
        value = section.get("stale_hours") if isinstance(section, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
        return 24.0

    @property
    def uptime_s(self) -> float:
        return time.monotonic() - self.started_monotonic
