"""Where our files live.

One root holds everything (data, config, logs, backups). By default it is the OS user data
dir (core/root.py, same rules as platformdirs); ``TASK_ORCHESTRATOR_HOME`` moves all of it, which is what every test uses.
"""

from __future__ import annotations

from pathlib import Path

from .recordtype import FrozenRecord
from .root import APP_NAME, ENV_HOME, data_root

__all__ = ["APP_NAME", "ENV_HOME", "ENV_STORE_URL", "Paths", "default_paths", "store_url"]

#: A PostgreSQL store for the server, the CLI and the board, instead of the SQLite file;
#: wins over ``[store] url`` in config.toml (docs/ARCHITECTURE.md, "Two engines").
ENV_STORE_URL = "TASK_ORCHESTRATOR_STORE_URL"


class Paths(FrozenRecord):
    __slots__ = ("root",)
    root: Path

    def __init__(self, root: Path) -> None:
        super().__init__(root=root)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def db(self) -> Path:
        return self.data / "tasks.db"

    def store(self, env: dict[str, str] | None = None) -> str:
        """Where the task store is: the PostgreSQL URL configured (:func:`store_url`), or
        the SQLite file."""
        return store_url(self, env) or str(self.db)

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"


def default_paths(env: dict[str, str] | None = None) -> Paths:
    """The root for this user, honouring ``TASK_ORCHESTRATOR_HOME``."""
    return Paths(Path(data_root(env)))


def store_url(paths: Paths, env: dict[str, str] | None = None) -> str | None:
    """The PostgreSQL URL of the store, when one is configured: ``TASK_ORCHESTRATOR_STORE_URL``,
    else ``[store] url`` in config.toml; None for the SQLite file. Anything else than a
    ``postgresql://`` URL there is refused, rather than silently using the file."""
    import os

    from .errors import StoreUnavailable

    environ = os.environ if env is None else env
    value: object = environ.get(ENV_STORE_URL) or None
    where = ENV_STORE_URL
    if value is None:
        value = _configured_url(paths.config_file)
        where = f"[store] url in {paths.config_file}"
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("postgresql://", "postgres://")):
        raise StoreUnavailable(
            f"{where} must be a postgresql://user@host/database URL, not {value!r}; "
            "remove it to use the local SQLite store"
        )
    return value


def _configured_url(config_file: Path) -> object:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        with open(config_file, "rb") as fh:
            doc = tomllib.load(fh)
    except (OSError, ValueError):
        return None  # no config, or one the server reports as unreadable itself
    section = doc.get("store")
    return section.get("url") if isinstance(section, dict) else None
