"""Make the plugin's private venv, once: the plugin came from a marketplace (a checkout of
task-orchestrator) and orchestrator-setup never ran on this machine. Run by bin/task-orchestrator
as ``python3 bootstrap.py VENV``; standard library only, any Python 3.10+.

The package comes from the checkout the plugin folder sits in (Claude Code runs a directory
marketplace's plugin in place), else from the marketplace's folder as Claude Code recorded it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

NAME = "task-orchestrator"


def _is_checkout(folder: Path) -> bool:
    try:
        text = (folder / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return False
    return f'name = "{NAME}"' in text


def source() -> Path | None:
    here = Path(__file__).resolve().parent
    for folder in here.parents:
        if _is_checkout(folder):
            return folder
    config = Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude")
    try:
        known = json.loads((config / "plugins" / "known_marketplaces.json").read_text("utf-8"))
        folder = Path(known[NAME]["installLocation"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return folder if _is_checkout(folder) else None


def main(target: str) -> int:
    root = Path(target)
    lock = root.with_name(root.name + ".lock")
    root.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + 600
    while True:
        try:
            lock.mkdir()
            break
        except FileExistsError:
            if time.monotonic() > deadline:
                print(f"{NAME}: {lock} is held; remove it if no install runs", file=sys.stderr)
                return 1
            time.sleep(0.5)
    try:
        bindir = root / ("Scripts" if os.name == "nt" else "bin")
        if (bindir / (NAME + (".exe" if os.name == "nt" else ""))).exists():
            return 0
        src = source()
        if src is None:
            print(
                f"{NAME}: the plugin cannot find its program. Install it "
                "(`pipx install task-orchestrator`) and run `orchestrator-setup`.",
                file=sys.stderr,
            )
            return 1
        venv.create(root, with_pip=True, clear=True)
        python = bindir / ("python.exe" if os.name == "nt" else "python")
        return subprocess.call([str(python), "-m", "pip", "install", "-q", str(src)])
    finally:
        lock.rmdir()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
