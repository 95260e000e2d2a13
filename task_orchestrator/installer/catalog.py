"""The client catalog: one JSON data file per client in ``client_configs/``, validated here.

Path templates are resolved for an OS, an environment and a home folder passed in (never
read from the running machine here), so macOS and Windows layouts are tested on Linux.

Template language, kept tiny on purpose:
- ``{home}`` the home folder, ``{project}`` the project root (project and local scopes);
- ``{NAME}`` (upper case) an environment variable. XDG_CONFIG_HOME, APPDATA and LOCALAPPDATA
  fall back to their documented defaults; any other variable (CLAUDE_CONFIG_DIR, CODEX_HOME)
  has no default: the candidate is skipped when it is unset and wins when it is set, because
  the client itself then reads only that place;
- ``*`` a glob, taken only when it matches (the Windows Store build of Claude Desktop lives
  under ``Packages\\Claude_<publisher id>``; when that folder exists the app reads only it).
Otherwise the first candidate that exists wins, else the first one.
"""

from __future__ import annotations

import glob
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

OSName = Literal["linux", "macos", "windows"]
OS_NAMES: tuple[OSName, ...] = ("linux", "macos", "windows")
SERVER_NAME = "task-orchestrator"

_DEFAULTS = {
    "XDG_CONFIG_HOME": "{home}/.config",
    "APPDATA": "{home}/AppData/Roaming",
    "LOCALAPPDATA": "{home}/AppData/Local",
}
_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PerOS = dict[Literal["all", "linux", "macos", "windows"], list[str]]


class ScopeSpec(_Model):
    paths: PerOS
    key: list[str] = Field(min_length=1)  # the container that holds NAME: entry


class EntrySpec(_Model):
    type: str | None = None  # "stdio" where the client wants it (VS Code, Claude Code)
    #: The key that holds the program: ``cmd`` for Goose, ``command`` elsewhere.
    command_key: str = "command"
    #: The program and its arguments as one list under ``command_key`` (opencode), rather
    #: than a program string and an ``args`` list.
    argv: bool = False
    extra: dict[str, Any] = Field(default_factory=dict)


#: Placeholders of a remote entry (client_configs/*.json ``remote.entry``), filled in by
#: :meth:`ClientSpec.remote_entry`: the team server's MCP URL, the name of the variable that
#: holds the member's token (never the token), and the machine's name.
REMOTE_PLACEHOLDERS = ("<url>", "<token_env>", "<machine>")


class RemoteSpec(_Model):
    """How this client reaches a remote (streamable HTTP) MCP server with headers: the entry,
    with the token as a reference to an environment variable in the client's own syntax."""

    entry: dict[str, Any]
    #: Where the format and the variable syntax were checked (the CLI and its version, or
    #: the documentation).
    checked: str


class DetectSpec(_Model):
    dirs: PerOS = Field(default_factory=dict)
    apps: PerOS = Field(default_factory=dict)
    executables: list[str] = Field(default_factory=list)
    processes: list[str] = Field(default_factory=list)


class ClientSpec(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    format: Literal["json", "jsonc", "toml", "yaml-own-file", "yaml-block"]
    scopes: dict[Literal["user", "project", "local"], ScopeSpec]
    entry: EntrySpec = Field(default_factory=EntrySpec)
    detect: DetectSpec = Field(default_factory=DetectSpec)
    cli: str | None = None  # a CLI that edits its own config (Claude Code)
    restart: str
    docs: str
    verified: Literal["real-cli", "documented"]
    #: Where the path and the entry's format were checked: the client's own CLI (which
    #: version, which command), its source, or its documentation.
    checked: str = ""
    notes: str = ""
    #: None: the client runs local commands only, as far as a config file goes; ``local_only``
    #: says why, for setup's ``--team`` listing.
    remote: RemoteSpec | None = None
    local_only: str = ""

    def remote_entry(self, url: str, token_env: str, machine: str) -> dict[str, Any] | None:
        """Our entry pointing at the team server ``url`` (its base, without ``/mcp``)."""
        if self.remote is None:
            return None
        filled = (url.rstrip("/") + "/mcp", token_env, machine)
        values = dict(zip(REMOTE_PLACEHOLDERS, filled, strict=True))

        def fill(value: Any) -> Any:
            if isinstance(value, str):
                for key, text in values.items():
                    value = value.replace(key, text)
                return value
            if isinstance(value, dict):
                return {k: fill(v) for k, v in value.items()}
            if isinstance(value, list):
                return [fill(v) for v in value]
            return value

        return dict(fill(self.remote.entry))

    def own_keys(self) -> set[str]:
        """The keys of either form of our entry (local command or remote): switching from
        one to the other drops the other's, and keeps only what the user added."""
        keys = set(self.entry_for("x", []))
        if self.remote is not None:
            keys |= set(self.remote.entry)
        return keys

    def entry_for(self, command: str, args: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.entry.type:
            out["type"] = self.entry.type
        if self.entry.argv:
            out[self.entry.command_key] = [command, *args]
        else:
            out[self.entry.command_key] = command
            out["args"] = list(args)
        out.update(self.entry.extra)
        return out

    def command_of(self, entry: dict[str, Any]) -> tuple[str, list[str]]:
        """The program and arguments an entry of this client's shape starts."""
        value = entry.get(self.entry.command_key)
        if self.entry.argv:
            parts = [str(v) for v in value] if isinstance(value, list) else []
            return (parts[0] if parts else ""), parts[1:]
        args = entry.get("args", [])
        return str(value or ""), [str(a) for a in args] if isinstance(args, list) else []


class Where(_Model):
    """Where to write for one client and scope."""

    path: Path
    key: list[str]
    scope: str


class Env(_Model):
    """The outside world path resolution needs: OS, environment, home, project root."""

    os: OSName
    environ: Mapping[str, str]
    home: Path
    project: Path


def _expand(template: str, env: Env) -> str | None:
    """The template with variables filled in, or None when a default-less variable is unset."""
    out = template
    for _ in range(3):  # defaults may reference {home}
        missing = False

        def sub(m: re.Match[str]) -> str:
            nonlocal missing
            name = m.group(1)
            if name == "home":
                return str(env.home)
            if name == "project":
                return str(env.project)
            value = env.environ.get(name)
            if value:
                return value
            if name in _DEFAULTS:
                return _DEFAULTS[name]
            missing = True
            return ""

        out = _VAR.sub(sub, out)
        if missing:
            return None
        if not _VAR.search(out):
            break
    # Windows values use backslashes; we build paths with forward slashes on every host.
    return out.replace("\\", "/") if env.os == "windows" else out


def _has_override(template: str, env: Env) -> bool:
    return any(
        n not in ("home", "project") and n not in _DEFAULTS and env.environ.get(n)
        for n in _VAR.findall(template)
    )


def candidates(spec: PerOS, env: Env) -> list[str]:
    return [*spec.get("all", []), *spec.get(env.os, [])]


def resolve_path(templates: list[str], env: Env) -> Path | None:
    expanded: list[tuple[str, Path]] = []
    for t in templates:
        value = _expand(t, env)
        if value is None:
            continue
        if "*" in value:
            matches = sorted(glob.glob(value))
            if matches:
                return Path(matches[0])
            continue
        if _has_override(t, env):
            return Path(value)
        expanded.append((t, Path(value)))
    for _, p in expanded:
        if p.exists():
            return p
    return expanded[0][1] if expanded else None


def resolve(client: ClientSpec, scope: str, env: Env) -> Where | None:
    spec = client.scopes.get(scope)  # type: ignore[call-overload]
    if spec is None:
        return None
    path = resolve_path(candidates(spec.paths, env), env)
    if path is None:
        return None
    key = [str(env.project) if k == "{project}" else k for k in spec.key]
    return Where(path=path, key=key, scope=scope)


def existing_paths(spec: PerOS, env: Env) -> list[Path]:
    out: list[Path] = []
    for t in candidates(spec, env):
        value = _expand(t, env)
        if value is None:
            continue
        out += [Path(m) for m in sorted(glob.glob(value))] if "*" in value else [Path(value)]
    return [p for p in out if p.exists()]


@lru_cache(maxsize=1)
def load_clients() -> dict[str, ClientSpec]:
    """Every client data file, in the order of their ids' first appearance in ORDER."""
    folder = resources.files("task_orchestrator.client_configs")
    clients: dict[str, ClientSpec] = {}
    for item in folder.iterdir():
        if item.name.endswith(".json"):
            data = json.loads(item.read_text(encoding="utf-8"))
            spec = ClientSpec.model_validate(data)
            if item.name != f"{spec.id}.json":
                raise ValueError(f"{item.name}: id {spec.id!r} does not match the file name")
            clients[spec.id] = spec
    ordered = [c for c in ORDER if c in clients] + sorted(set(clients) - set(ORDER))
    return {c: clients[c] for c in ordered}


ORDER = (
    "claude-desktop",
    "claude-code",
    "cursor",
    "windsurf",
    "vscode",
    "vscode-insiders",
    "codex",
    "gemini",
    "zed",
    "cline",
    "roo-code",
    "lm-studio",
    "junie",
    "continue",
    "opencode",
    "copilot-cli",
    "qwen-code",
    "auggie",
    "amp",
    "crush",
    "factory-droid",
    "kimi-cli",
    "amazon-q",
    "kiro",
    "goose",
)
