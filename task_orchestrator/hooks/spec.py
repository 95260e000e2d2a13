"""Which Claude Code events we register, with which matchers and timeouts.

The installer writes these into Claude Code's settings (``installer/`` owns the write); the
hooks package owns the choice. Matchers are narrow so that other tool calls start no process.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HookSpec:
    event: str
    matcher: str | None  # None: the event takes no matcher, or we want all of it
    timeout: int  # seconds; Claude Code kills the hook after this


# SessionEnd hooks share a budget of about 1.5 s in Claude Code, hence its short timeout.
HOOK_SPECS: tuple[HookSpec, ...] = (
    HookSpec("SessionStart", None, 10),
    HookSpec("UserPromptSubmit", None, 10),
    # Bash: a command that commits links the new commit to the task in progress
    # (hooks/gitcommit.py); any other command costs one hook start and reads nothing.
    HookSpec("PostToolUse", "TaskCreate|TaskUpdate|Write|Edit|MultiEdit|NotebookEdit|Bash", 10),
    HookSpec("PostToolUseFailure", None, 10),
    HookSpec("TaskCreated", None, 10),
    HookSpec("TaskCompleted", None, 10),
    HookSpec("Stop", None, 10),
    # The handler keeps to our plugin's agents (task-orchestrator:orchestrator-*).
    HookSpec("SubagentStart", None, 10),
    HookSpec("SubagentStop", None, 10),
    # PreCompact saves the plan; SessionStart (source "compact") puts it back. No PostCompact:
    # in 2.1.197 and 2.1.332 its output is only shown to the user, never to the model.
    HookSpec("PreCompact", None, 10),
    HookSpec("SessionEnd", None, 2),
)


def hook_args(event: str) -> list[str]:
    """The arguments after the program path: ``task-orchestrator hook EVENT``."""
    return ["hook", event]
