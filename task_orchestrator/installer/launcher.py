"""The absolute command that clients and hooks start.

GUI clients get a minimal PATH, so a bare ``task-orchestrator`` or ``python`` is not found
(DESIGN.md section 8): we always register an absolute path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import UserError

SCRIPT = "task-orchestrator"


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def registered_program() -> Path:
    """The program to register: the console script of this environment, or in a frozen build
    the binary's stable installed location."""
    if is_frozen():
        from .selfinstall import stable_executable

        return stable_executable()
    # Not resolved on purpose: in a pipx venv sys.executable is a symlink to the base
    # interpreter, and the console script lives beside the link, not beside its target.
    bindir = Path(sys.executable).absolute().parent
    name = SCRIPT + (".exe" if os.name == "nt" else "")
    candidate = bindir / name
    if candidate.is_file():
        return candidate
    raise UserError(
        f"cannot find the {SCRIPT} console script beside {sys.executable}; install with "
        "`pipx install task-orchestrator` (or pip into a virtual environment) and run "
        "orchestrator-setup from there"
    )


def server_args() -> list[str]:
    return ["serve"]
