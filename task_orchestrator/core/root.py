"""The data root as a plain string, with nothing but ``os`` and ``sys``.

Every hook needs it, and the obvious ways cost more than a hook's whole budget: platformdirs
imports pathlib, tempfile and random (about 12 ms), pathlib alone about 4 ms. The rules below
are platformdirs' ``user_data_dir(APP, appauthor=False)`` for each OS; a test checks that
both agree on this machine.
"""

from __future__ import annotations

import os
import sys

ENV_HOME = "TASK_ORCHESTRATOR_HOME"
APP_NAME = "task-orchestrator"

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def data_root(env: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """Where everything of ours lives: ``TASK_ORCHESTRATOR_HOME``, or the OS's user data dir."""
    environ = os.environ if env is None else env
    override = environ.get(ENV_HOME, "").strip()
    if override:
        return os.path.abspath(os.path.expanduser(override))
    system = sys.platform if platform is None else platform
    home = environ.get("HOME") or os.path.expanduser("~")
    if system == "darwin":
        return os.path.join(home, "Library", "Application Support", APP_NAME)
    if system.startswith("win"):
        base = environ.get("LOCALAPPDATA", "").strip() or os.path.join(home, "AppData", "Local")
        return os.path.join(base, APP_NAME)
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    return os.path.join(xdg or os.path.join(home, ".local", "share"), APP_NAME)


def team_store(env: Mapping[str, str] | None = None) -> str | None:
    """Where a PostgreSQL store is configured (``TASK_ORCHESTRATOR_STORE_URL``, or
    ``[store] url`` in config.toml), or None: the hooks' cheap question, which parses TOML
    only for a config file that has a ``[store]`` table at all (core/paths.py has the rule
    the server follows, with the URL's checks)."""
    environ = os.environ if env is None else env
    if environ.get("TASK_ORCHESTRATOR_STORE_URL"):
        return "TASK_ORCHESTRATOR_STORE_URL"
    config = os.path.join(data_root(env), "config", "config.toml")
    try:
        with open(config, "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    if b"[store]" not in raw:
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        section = tomllib.loads(raw.decode("utf-8")).get("store")
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(section, dict) and section.get("url"):
        return f"[store] url in {config}"
    return None


def db_file(env: Mapping[str, str] | None = None) -> str:
    """The task store's file; the same as ``core.paths.default_paths().db``."""
    return os.path.join(data_root(env), "data", "tasks.db")


# ---- [team]: a member's machine that talks to a team server (docs/ARCHITECTURE.md, "The
# team"). The one home of its keys, defaults and checks: the hooks, setup and doctor read it
# here. Only ``os`` and ``sys``, like the rest of this module: the hooks ask on every event.

TEAM_TOKEN_ENV = "TASK_ORCHESTRATOR_TEAM_TOKEN"
#: The whole of one request to the team server, connect to last byte, in seconds.
TEAM_TIMEOUT_S = 2.0
TEAM_TIMEOUT_RANGE = (0.1, 30.0)
TEAM_KEYS = ("url", "token_env", "machine", "timeout", "hooks")
#: ``[team] hooks``: how setup registered Claude Code's hooks (a later install keeps it).
TEAM_HOOK_MODES = ("command", "http")
#: ``[team]`` keys a team server reads on its own machine (server/, not the hooks).
SERVER_TEAM_KEYS = ("hook_rate",)


class TeamConfig:
    """``[team]`` read and checked. ``url`` has no trailing slash."""

    __slots__ = ("url", "token_env", "machine", "timeout", "hooks")

    def __init__(
        self,
        url: str,
        token_env: str = TEAM_TOKEN_ENV,
        machine: str = "",
        timeout: float = 0,
        hooks: str = "command",
    ) -> None:
        self.url = url.rstrip("/")
        self.token_env = token_env or TEAM_TOKEN_ENV
        self.machine = machine or _host_name()
        self.timeout = float(timeout) if timeout else TEAM_TIMEOUT_S
        self.hooks = hooks if hooks in TEAM_HOOK_MODES else "command"

    def as_table(self) -> dict[str, object]:
        return {
            "url": self.url,
            "token_env": self.token_env,
            "machine": self.machine,
            "timeout": self.timeout,
            "hooks": self.hooks,
        }


def _host_name() -> str:
    from .actor import local_machine

    return local_machine()


def team_url_problem(url: object) -> str | None:
    """Why ``url`` cannot be a team server's address, or None: ``http://`` or ``https://``,
    a host, no user or password (a token must never sit in a URL), no query or fragment."""
    if not isinstance(url, str) or not url.strip():
        return "the team server's URL is empty"
    lowered = url.lower()
    if not lowered.startswith(("http://", "https://")):
        return f"{url!r} is not an http:// or https:// URL"
    rest = url.split("://", 1)[1]
    host = rest.split("/", 1)[0]
    if "@" in host:
        return f"{url!r} has a user or password in it; the token goes in an environment variable"
    if not host or host.startswith(":") or any(ch in rest for ch in "?# \t\r\n"):
        return f"{url!r} must be scheme://host[:port][/path] with no query, fragment or space"
    port = (
        host.rsplit("]", 1)[-1].partition(":")[2]
        if host.startswith("[")
        else host.partition(":")[2]
    )
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        return f"{url!r} has a bad port {port!r}"
    return None


def env_var_problem(name: object) -> str | None:
    """Why ``name`` cannot name the token's environment variable, or None: letters, digits
    and ``_``, not starting with a digit (what every shell and every client's ``${VAR}``
    syntax accepts)."""
    if not isinstance(name, str) or not name:
        return "the token's environment variable has no name"
    ok = name[0].isascii() and (name[0].isalpha() or name[0] == "_")
    ok = ok and all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name)
    if not ok:
        return f"{name!r} is not an environment variable name (letters, digits and _)"
    return None


def machine_problem(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "the machine name is empty"
    if len(name) > 128 or not all(ch.isascii() and ch.isprintable() for ch in name):
        return f"{name!r} is not a machine name (printable ASCII, at most 128 characters)"
    return None


def team_from_table(table: object) -> tuple[TeamConfig | None, list[str]]:
    """``[team]`` as parsed TOML: the config, or None with what is wrong with it."""
    if not isinstance(table, dict):
        return None, ["[team] is not a table"]
    problems = [
        f"team.{key} is not a setting (ignored)"
        for key in table
        if key not in TEAM_KEYS and key not in SERVER_TEAM_KEYS
    ]
    url = table.get("url")
    token_env = table.get("token_env", TEAM_TOKEN_ENV)
    machine = table.get("machine") or _host_name()
    timeout = table.get("timeout", TEAM_TIMEOUT_S)
    fatal = [
        p
        for p in (team_url_problem(url), env_var_problem(token_env), machine_problem(machine))
        if p
    ]
    low, high = TEAM_TIMEOUT_RANGE
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not low <= timeout <= high
    ):
        problems.append(
            f"team.timeout = {timeout!r} is not a number in {low}..{high}; using {TEAM_TIMEOUT_S}"
        )
        timeout = TEAM_TIMEOUT_S
    hooks = table.get("hooks", "command")
    if hooks not in TEAM_HOOK_MODES:
        problems.append(f"team.hooks = {hooks!r} is not one of {TEAM_HOOK_MODES}; using 'command'")
        hooks = "command"
    if fatal:
        return None, fatal + problems
    config = TeamConfig(str(url), str(token_env), str(machine), float(timeout), str(hooks))
    return config, problems


def has_team_table(raw: bytes) -> bool:
    """The cheap test before any TOML parsing: a ``[team]`` header somewhere in the file."""
    return b"[team]" in raw


def team_config(env: Mapping[str, str] | None = None) -> tuple[TeamConfig | None, list[str]]:
    """``[team]`` of config.toml: (None, []) when there is none. Setup and doctor call this;
    the hooks read the same table through their settings cache (hooks/settings.py), which
    spares them tomllib."""
    config = os.path.join(data_root(env), "config", "config.toml")
    try:
        with open(config, "rb") as fh:
            raw = fh.read()
    except OSError:
        return None, []
    if not has_team_table(raw):
        return None, []
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        table = tomllib.loads(raw.decode("utf-8")).get("team")
    except (UnicodeDecodeError, ValueError) as exc:
        return None, [f"{config} is not valid TOML ({exc})"]
    if table is None or (isinstance(table, dict) and "url" not in table):
        return None, []  # none, or a team server's own [team] (hook_rate)
    return team_from_table(table)
