"""The absolute command that clients and hooks start.

GUI clients get a minimal PATH, so a bare ``task-orchestrator`` or ``python`` is not found:
we always register an absolute path (docs/ARCHITECTURE.md, "Registered commands and PATH").
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

from ..errors import UserError
from .selfinstall import is_frozen, stable_executable

SCRIPT = "task-orchestrator"


def registered_program() -> Path:
    """The program to register: the console script of this environment, or in a frozen build
    the binary's stable installed location."""
    if is_frozen():
        return stable_executable()
    # Not resolved on purpose: in a pipx venv sys.executable is a symlink to the base
    # interpreter, and the console script lives beside the link, not beside its target.
    if uv_environment(Path(sys.prefix)) == "temporary":
        raise UserError(
            f"this is a temporary uvx environment ({sys.prefix}, in uv's cache): `uv cache "
            "clean` deletes it, and every client registered with it would fail to start the "
            "server. Install the tool for good and run its setup: `uv tool install "
            "task-orchestrator && ~/.local/bin/orchestrator-setup` (`task-orchestrator links` "
            "prints the `uvx task-orchestrator serve` entry to paste into a client instead)"
        )
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


def uv_environment(prefix: Path) -> Literal["tool", "temporary"] | None:
    """Whether ``prefix`` is an environment uv made, and which kind.

    ``uv tool install`` makes a lasting one under ``uv tool dir`` with a ``uv-receipt.toml``
    in it: its console script is registered like pipx's. ``uvx`` (``uv tool run``) runs in
    an environment inside uv's cache (a folder marked with ``CACHEDIR.TAG``), which ``uv
    cache clean`` or ``prune`` removes: registering a path there is refused
    (docs/ARCHITECTURE.md, "Registered commands and PATH").
    """
    try:
        cfg = (prefix / "pyvenv.cfg").read_text("utf-8", errors="replace")
    except OSError:
        return None
    if not any(line.split("=")[0].strip() == "uv" for line in cfg.splitlines()):
        return None
    if (prefix / "uv-receipt.toml").is_file():
        return "tool"
    if any((parent / "CACHEDIR.TAG").is_file() for parent in prefix.parents):
        return "temporary"
    return None


#: What the hook command runs. ``-I`` (isolated): the project folder Claude Code runs hooks
#: in is not on sys.path (a ``json.py`` there must not replace ours) and PYTHON* variables
#: do not apply.
HOOK_CODE = "import sys; from task_orchestrator.__main__ import main; sys.exit(main())"


def hook_command(program: str, *, frozen: bool | None = None) -> list[str]:
    """The command registered for hooks, before ``hook EVENT``.

    A frozen build registers the binary itself. A pip or pipx install registers the
    interpreter beside the console script with :data:`HOOK_CODE`, not the console script:
    pip's wrapper imports ``re``, which with enum, functools and collections costs about
    8 ms, more than half of Python's start-up and a third of a hook's whole budget
    (docs/ARCHITECTURE.md, "The hook path"; bench/bench_hooks.py). Both
    live in the venv's bin folder, so the path is as stable as the console script's.
    """
    if is_frozen() if frozen is None else frozen:
        return [program]
    python = Path(program).with_name(Path(sys.executable).name)
    return [str(python), "-I", "-c", HOOK_CODE]


def server_args() -> list[str]:
    return ["serve"]
