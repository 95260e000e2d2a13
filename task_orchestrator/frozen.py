"""Entry point of the standalone binary (packaging/entry.py calls :func:`main`).

The binary is the whole product, so it has to act as both console scripts: started as
``orchestrator-setup`` (renamed or linked) or with no arguments at all (a double-click) it
runs setup; otherwise it is ``task-orchestrator``. Before a setup that will register it, it
copies itself to its stable per-user place (installer/selfinstall.py), because the path it
was started from is usually a download folder. Imports stay light: ``hook`` goes through
here on every Claude Code event.
"""

from __future__ import annotations

import os
import sys

from .__main__ import main as task_orchestrator_main
from .__main__ import setup_main

SETUP_PROGRAM = "orchestrator-setup"
_HELP = {"-h", "--help", "-V", "--version"}
# Setup subcommands that only read or remove: they must not copy the binary anywhere. A
# list of exceptions rather than of installing commands on purpose: copying when it was not
# needed costs a folder, registering a path that was never filled breaks every client.
_NOT_INSTALLING = {"uninstall", "remove", "list", "status", "show", "doctor", "check", "help"}


def program_name(argv0: str) -> str:
    """``orchestrator-setup`` from ``/x/orchestrator-setup.exe`` or ``C:\\x\\Orchestrator-Setup.EXE``."""
    name = argv0.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name[: -len(".exe")] if name.endswith(".exe") else name


def setup_args(argv0: str, args: list[str]) -> list[str] | None:
    """The arguments for setup when this start means setup, else None."""
    if program_name(argv0) == SETUP_PROGRAM:
        return args
    if not args:
        return []
    if args[0] == "setup":
        return args[1:]
    return None


def installs(args: list[str]) -> bool:
    """Whether ``setup ARGS`` may register this binary somewhere, so it must first be in its
    stable place: any setup but a dry run, help, or a command that only reads or removes."""
    if _HELP & set(args) or "--dry-run" in args:
        return False
    return not _NOT_INSTALLING & set(args)


def self_install() -> None:
    from .installer.selfinstall import ensure_installed

    path, copied = ensure_installed()
    if copied:
        # stderr: stdout may be a machine-readable report.
        print(f"Installed this binary as {path} (the path registered in clients).", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv0 = sys.argv[0] if sys.argv else sys.executable
    args = sys.argv[1:] if argv is None else list(argv)
    setup = setup_args(argv0, args)
    if setup is not None and installs(setup):
        from .installer.selfinstall import is_frozen

        if is_frozen():
            self_install()
    if program_name(argv0) == SETUP_PROGRAM or not args:
        code = setup_main(args)
    else:
        code = task_orchestrator_main(args)
    if not args and os.name == "nt" and sys.stdin.isatty():
        # A double-clicked console window closes as soon as we exit: keep the report visible.
        input("Press Enter to close this window.")
    return code
