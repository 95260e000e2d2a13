"""``task-orchestrator hook EVENT`` (help only: the real dispatch happens in __main__ before
click loads) and ``task-orchestrator config``."""

from __future__ import annotations

import json

import click


@click.command("hook", context_settings={"ignore_unknown_options": True})
@click.argument("event")
def hook_command(event: str) -> None:
    """Handle one Claude Code hook EVENT: JSON on stdin, answer on stdout.

    Claude Code runs this; the installer registers it in ~/.claude/settings.json. Events:
    SessionStart, UserPromptSubmit, PostToolUse, TaskCreated, TaskCompleted, Stop,
    SubagentStop, PreCompact, SessionEnd. It always exits 0; trouble goes to logs/hooks.log.
    """
    from ..hooks.runner import run

    raise SystemExit(run([event]))


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
def config_command(as_json: bool) -> None:
    """Show the effective settings: the config file, each value and where it came from.

    \b
    Settings live in the [hooks] table of the config file, e.g.
      [hooks]
      auto_plan = "suggest"     # auto | suggest | off
      mirror = "on"             # on | off
      auto_complete = "strict"  # on | strict | off
      health_check = "on"       # on | off
      capture_prompts = "on"    # on | title (keep only a short title of a prompt)
      stale_hours = 24
      context_chars = 4000
    """
    from ..hooks.log import log_path
    from ..hooks.settings import CHOICES, NUMBERS, load_settings

    settings = load_settings()
    if as_json:
        data = {
            "config_file": settings.path,
            "exists": _exists(settings.path),
            "hooks": {
                k: {"value": v, "source": settings.sources[k]} for k, v in settings.values.items()
            },
            "problems": settings.problems,
            "log_file": log_path(),
        }
        click.echo(json.dumps(data, indent=2))
        return
    state = "" if _exists(settings.path) else " (not present: all defaults)"
    click.echo(f"config file: {settings.path}{state}")
    click.echo("[hooks]")
    for key, value in settings.values.items():
        help_text = CHOICES[key][2] if key in CHOICES else NUMBERS[key][3]
        shown = json.dumps(value)
        source = f"({settings.sources[key]})"
        click.echo(f"  {key:<13} = {shown:<9} {source:<9} {help_text}")
    for problem in settings.problems:
        click.echo(f"problem: {problem}", err=True)
    click.echo(f"hook log: {log_path()}")


def _exists(path: str) -> bool:
    import os

    return os.path.exists(path)
