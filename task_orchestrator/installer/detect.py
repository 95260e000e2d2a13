"""Is a client on this machine, and why we think so: its config folder, its app bundle or
executable, a running process. A running GUI client must be restarted to see a change."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from .catalog import ClientSpec, Env, existing_paths, resolve


@dataclass
class Detection:
    client: str
    found: bool
    reasons: list[str] = field(default_factory=list)
    running: bool = False


def running_process_names() -> set[str]:
    """Names of running processes (psutil imported here: it costs about 40 ms)."""
    import psutil

    names: set[str] = set()
    for proc in psutil.process_iter(["name"]):
        name = proc.info.get("name")
        if name:
            names.add(str(name))
            names.add(str(name).removesuffix(".exe"))
    return names


def detect(client: ClientSpec, env: Env, processes: set[str] | None) -> Detection:
    d = Detection(client.id, False)
    where = resolve(client, "user", env)
    if where is not None and where.path.exists():
        d.reasons.append(f"config file {where.path}")
    for p in existing_paths(client.detect.dirs, env):
        d.reasons.append(f"folder {p}")
    for p in existing_paths(client.detect.apps, env):
        d.reasons.append(f"app {p}")
    for exe in client.detect.executables:
        found = shutil.which(exe, path=env.environ.get("PATH", ""))
        if found:
            d.reasons.append(f"executable {found}")
    if processes is not None:
        hits = sorted(set(client.detect.processes) & processes)
        if hits:
            d.running = True
            d.reasons.append(f"running process {hits[0]}")
    d.found = bool(d.reasons)
    return d
