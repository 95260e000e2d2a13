"""The click commands of ``task-orchestrator``, one module per command group. Each parses
its options and calls one function of the package that does the work (hooks/, server/,
installer/); cli.py assembles them. Kept out of those packages because the hook path must
never import click (docs/ARCHITECTURE.md, "A hook event, end to end")."""
