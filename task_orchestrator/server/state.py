"""What one server process remembers between tool calls: the store connection, the resolved
workspace and session, the specialist/template catalog, and its start and restart times.

Nothing here imports mcp, so the state can be built and tested without the SDK.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInput, StoreError, StoreUnavailable
from ..core.models import Session, Workspace
from ..core.paths import Paths
from ..core.planner import Catalog, load_catalog
from ..core.store import TaskStore
from ..core.workspace import resolve_workspace

log = logging.getLogger(__name__)

#: Environment variables that name the project, in order. CLAUDE_PROJECT_DIR is what Claude
#: Code sets for the servers it starts; ours wins so a user can pin a workspace.
WORKSPACE_ENV = ("TASK_ORCHESTRATOR_WORKSPACE", "CLAUDE_PROJECT_DIR")


def read_config(path: Path) -> tuple[dict[str, Any], str | None]:
    """The user's config.toml as a dict, and a problem description if it is unreadable."""
    if not path.exists():
        return {}, None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh), None
    except (OSError, ValueError) as exc:
        return {}, f"{path}: {exc}"


@dataclass
class ServerState:
    paths: Paths
    store_or_none: TaskStore | None
    catalog: Catalog
    config: dict[str, Any]
    started_monotonic: float = field(default_factory=time.monotonic)
    started_at: float = field(default_factory=time.time)
    workspace: Workspace | None = None
    workspace_source: str | None = None
    session: Session | None = None
    client_name: str = "mcp"
    restarts: int = 0
    config_problem: str | None = None
    store_error: str | None = None

    @property
    def store(self) -> TaskStore:
        """The open store; a store that could not be opened is reported by every tool (and
        by health_check) instead of killing the server, so the model can tell the user."""
        if self.store_or_none is None:
            raise StoreUnavailable(
                self.store_error or "the task store is not open; run orchestrator_restart_server"
            )
        return self.store_or_none

    @store.setter
    def store(self, value: TaskStore) -> None:
        self.store_or_none = value
        self.store_error = None

    @classmethod
    def open(cls, paths: Paths) -> ServerState:
        config, problem = read_config(paths.config_file)
        store, error = None, None
        try:
            store = TaskStore.open(paths.db)
        except StoreError as exc:
            error = str(exc)
            log.error("store not available: %s", exc)
        state = cls(
            paths=paths,
            store_or_none=store,
            catalog=load_catalog(paths.config_dir),
            config=config,
        )
        state.config_problem = problem
        state.store_error = error
        for msg in state.catalog.problems:
            log.warning("catalog: %s", msg)
        return state

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

    def use_workspace(self, directory: str | os.PathLike[str], source: str) -> Workspace:
        path = Path(directory).expanduser()
        if not path.is_absolute():
            raise InvalidInput(
                f"working_directory {str(directory)!r} is relative; give an absolute path"
            )
        if not path.is_dir():
            raise InvalidInput(
                f"working_directory {str(directory)!r} is not an existing directory; "
                "give the project folder you are working in"
            )
        root = resolve_workspace(path)
        ws = self.store.workspace(root)
        if self.workspace is None or ws.id != self.workspace.id:
            self.session = None  # a session belongs to one workspace
        self.workspace, self.workspace_source = ws, source
        return ws

    def default_directory(self) -> tuple[str, str]:
        """Where to work when neither an argument nor client roots say: env, then cwd."""
        for var in WORKSPACE_ENV:
            value = os.environ.get(var)
            if value and Path(value).is_dir():
                return value, f"env:{var}"
        return os.getcwd(), "cwd"

    def ensure_session(self) -> tuple[Workspace, Session, bool]:
        """The current workspace and session, opening them on first use."""
        if self.workspace is None:
            directory, source = self.default_directory()
            self.use_workspace(directory, source)
        assert self.workspace is not None
        resumed = False
        if self.session is None:
            self.session, resumed = self.store.open_session(self.workspace.id, self.client_name)
        return self.workspace, self.session, resumed

    @property
    def workspace_id(self) -> str:
        return self.ensure_session()[0].id
