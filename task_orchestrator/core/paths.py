"""Where our files live.

One root holds everything (data, config, logs, backups). By default it is the OS user data
dir (core/root.py, same rules as platformdirs); ``TASK_ORCHESTRATOR_HOME`` moves all of it, which is what every test uses.
"""

from __future__ import annotations

from pathlib import Path

from .recordtype import FrozenRecord
from .root import APP_NAME, ENV_HOME, data_root

__all__ = ["APP_NAME", "ENV_HOME", "Paths", "default_paths"]


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
