"""Hook settings: the ``[hooks]`` table of ``config/config.toml`` under the data root.

Every setting has a default, so no file is needed. A bad value is reported and replaced by its
default; it never stops a hook. ``tomllib`` is imported only when the file exists.

Paths are computed here with ``os.path`` rather than ``core.paths``, which imports pathlib
(about 7 ms, docs/ARCHITECTURE.md, "The hook path") for hooks that may never touch the
store; tests/hooks/test_hooks_settings.py checks both agree.
"""

from __future__ import annotations

import os
import sys

from ..core import fastjson, private
from ..core.root import data_root, has_team_table

# name -> (default, allowed values or a (low, high) range for numbers, what it controls)
CHOICES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "auto_plan": (
        "auto",
        ("auto", "suggest", "off"),
        "UserPromptSubmit: create a task for a work request (auto), only suggest planning "
        "(suggest), or do nothing (off)",
    ),
    "mirror": ("on", ("on", "off"), "mirror Claude Code's TaskCreate/TaskUpdate list as subtasks"),
    "auto_complete": (
        "on",
        ("on", "strict", "off"),
        "Stop: complete the task when all subtasks are done (on); also ask once for the "
        "remaining work before stopping (strict); or leave tasks alone (off)",
    ),
    "health_check": ("on", ("on", "off"), "SessionStart: check the store and registration"),
    "capture_prompts": (
        "on",
        ("on", "title"),
        "UserPromptSubmit: keep a work prompt's text as its task's description (on), or only "
        "a short title, with no prompt text in the store, the spool or the log (title)",
    ),
}
# A setting that keeps data out of the store falls back to its private value, not to its
# default, when the file says something else: `capture_prompts = false` means "less", not "on".
WHEN_INVALID = {"capture_prompts": "title"}
NUMBERS: dict[str, tuple[float, float, float, str]] = {
    "stale_hours": (24.0, 0.1, 24.0 * 365, "in progress this long without change = stale"),
    "context_chars": (4000, 500, 20000, "largest context handed to the model, in characters"),
    "quick_check_hours": (
        24.0,
        0.0,
        24.0 * 365,
        "SessionStart on startup runs the store's quick_check, after its answer, when the "
        "last clean one is older than this (0: every startup)",
    ),
}


def config_file(root: str | None = None) -> str:
    return os.path.join(root or data_root(), "config", "config.toml")


def log_dir(root: str | None = None) -> str:
    return os.path.join(root or data_root(), "logs")


class Settings:
    """The effective settings, where each came from, and what was wrong with the file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.values: dict[str, str | float] = {k: v[0] for k, v in CHOICES.items()}
        self.values.update({k: v[0] for k, v in NUMBERS.items()})
        self.sources: dict[str, str] = dict.fromkeys(self.values, "default")
        self.problems: list[str] = []
        #: ``[team]`` as written (core/root.py ``team_from_table`` checks it), or None: a
        #: member's machine, whose hooks post to the team server instead of a local store.
        self.team: dict[str, object] | None = None

    @property
    def auto_plan(self) -> str:
        return str(self.values["auto_plan"])

    @property
    def mirror(self) -> bool:
        return self.values["mirror"] == "on"

    @property
    def auto_complete(self) -> str:
        return str(self.values["auto_complete"])

    @property
    def health_check(self) -> bool:
        return self.values["health_check"] == "on"

    @property
    def capture_prompts(self) -> bool:
        return self.values["capture_prompts"] == "on"

    @property
    def stale_hours(self) -> float:
        return float(self.values["stale_hours"])

    @property
    def quick_check_hours(self) -> float:
        return float(self.values["quick_check_hours"])

    @property
    def context_chars(self) -> int:
        return int(self.values["context_chars"])

    def apply(self, table: dict[str, object]) -> None:
        for key, value in table.items():
            if key in CHOICES:
                allowed = CHOICES[key][1]
                if isinstance(value, bool):  # TOML true/false for on/off switches
                    value = "on" if value else "off"
                if isinstance(value, str) and value in allowed:
                    self.values[key], self.sources[key] = value, "file"
                elif key in WHEN_INVALID:
                    self.values[key], self.sources[key] = WHEN_INVALID[key], "file"
                    self.problems.append(
                        f"hooks.{key} = {value!r} is not one of {allowed}; "
                        f"using {WHEN_INVALID[key]!r}"
                    )
                else:
                    self.problems.append(f"hooks.{key} = {value!r} is not one of {allowed}")
            elif key in NUMBERS:
                low, high = NUMBERS[key][1], NUMBERS[key][2]
                number = value if isinstance(value, (int, float)) else None
                if number is not None and not isinstance(number, bool) and low <= number <= high:
                    kept = int(number) if key == "context_chars" else float(number)
                    self.values[key], self.sources[key] = kept, "file"
                else:
                    self.problems.append(
                        f"hooks.{key} = {value!r} is not a number in {low}..{high}"
                    )
            else:
                self.problems.append(f"hooks.{key} is not a setting (ignored)")


def load_settings(path: str | None = None) -> Settings:
    if path is None:
        root = data_root()
        # Every hook reads its settings first: the one place that sees the root on each
        # event, so a root an older version left open to others is made private here.
        private.secure_root(root)
        path = config_file(root)
    settings = Settings(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return settings
    except OSError as exc:
        settings.problems.append(f"cannot read {path}: {exc.strerror}")
        return settings
    cache = _cache_file(path)
    if not _from_cache(settings, cache, raw):
        _parse(settings, path, raw)
        _save_cache(settings, cache, raw)
    return settings


def _parse(settings: Settings, path: str, raw: bytes) -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the backport on 3.10
        import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        settings.problems.append(f"{path} is not valid TOML ({exc}); using defaults")
        if has_team_table(raw):
            # A member's machine with a broken file must not fall back to a local store.
            settings.team = {"": "config.toml is not valid TOML"}
        return
    team = doc.get("team")
    if isinstance(team, dict) and "url" in team:
        # Plain values only (the cache is JSON); core/root.py judges them. A [team] with
        # no url is a team server's own ([team] hook_rate), not a member's machine.
        settings.team = {k: v for k, v in team.items() if isinstance(v, (str, int, float))}
    elif team is not None and not isinstance(team, dict):
        settings.team = {"": "not a table"}
    table = doc.get("hooks", {})
    if isinstance(table, dict):
        settings.apply(table)
    else:
        settings.problems.append("[hooks] in the config file is not a table; using defaults")


# ``import tomllib`` costs a hook about 12 ms (re, datetime and typing come with it), as much
# as Python's own start-up. So the settings read from a config file are kept, as JSON, with
# the file's exact bytes: a hook parses TOML only when the file has changed since.
def _cache_file(path: str) -> str:
    root = os.path.dirname(os.path.dirname(path))
    return os.path.join(root, "cache", "hooks-settings.json")


def _from_cache(settings: Settings, cache: str, raw: bytes) -> bool:
    try:
        with open(cache, "rb") as fh:
            kept = fastjson.loads(fh.read())
        if kept["source"] != raw.decode("utf-8", "surrogateescape"):
            return False
        values, sources, problems = kept["values"], kept["sources"], kept["problems"]
        team = kept["team"]
    except (OSError, ValueError, KeyError, TypeError):
        return False  # none yet, or unreadable: parse the file
    settings.values.update(values)
    settings.sources.update(sources)
    settings.problems.extend(problems)
    settings.team = team if isinstance(team, dict) else None
    return True


def _save_cache(settings: Settings, cache: str, raw: bytes) -> None:
    kept = {
        "source": raw.decode("utf-8", "surrogateescape"),
        "values": settings.values,
        "sources": settings.sources,
        "problems": settings.problems,
        "team": settings.team,
    }
    try:
        folder = os.path.dirname(cache)
        private.make_dir(folder, os.path.dirname(folder))
        # Whole or not at all, for the hooks reading it meanwhile.
        private.write_file(cache, fastjson.dumps(kept).encode("utf-8", "surrogateescape"))
    except OSError:
        pass  # a read-only data folder: parse again next time
