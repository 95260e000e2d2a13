"""Where our files live.

One root holds everything (data, config, logs, backups). By default it is the platformdirs
user data dir; ``TASK_ORCHESTRATOR_HOME`` moves all of it, which is what every test uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "TASK_ORCHESTRATOR_HOME"
APP_NAME = "task-orchestrator"


@dataclass(frozen=True)
class Paths:
    root: Path

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
    environ = os.environ if env is None else env
    override = environ.get(ENV_HOME)
    if override:
        return Paths(Path(override).expanduser().absolute())
    # Imported here, not at module level: platformdirs is only needed without the override,
    # and the hooks (which tests run with the override) then skip its import entirely.
    import platformdirs

    return Paths(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))
