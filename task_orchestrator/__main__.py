"""Entry points. ``hook`` is dispatched before click is imported: hooks run on every Claude
Code event and must not pay for the CLI framework (docs/ARCHITECTURE.md, "The hook
path")."""

from __future__ import annotations

import gc
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["hook"] and not {"-h", "--help"} & set(args[1:]):
        # A hook process lives for milliseconds and makes hardly any reference cycles, so
        # the cyclic collector only costs time: collections while our modules load, and a
        # full pass over every object at exit (freeze() leaves it nothing to scan). About
        # 2 ms of a hook's 30 (bench/bench_hooks.py); memory is freed by reference counts.
        gc.disable()
        from .hooks.runner import run

        code = run(args[1:], detach=True)
        gc.freeze()
        return code
    from .cli import run_cli

    return run_cli(args, prog_name="task-orchestrator")


def setup_main(argv: list[str] | None = None) -> int:
    """``orchestrator-setup ...`` is ``task-orchestrator setup ...``."""
    args = sys.argv[1:] if argv is None else list(argv)
    from .cli import run_cli

    return run_cli(["setup", *args], prog_name="orchestrator-setup")


if __name__ == "__main__":
    sys.exit(main())
