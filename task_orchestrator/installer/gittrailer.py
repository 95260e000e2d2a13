"""``task-orchestrator git trailer on|off``: a ``prepare-commit-msg`` hook in the current
repository that adds ``Task: task_...`` (the task in progress, core/gitlink.py
``current_task``) to each commit message.

A repository's hooks are the user's, so the rules of client configs apply (docs/ARCHITECTURE.md,
"Client configs"): recognise what is ours, leave everything else byte for byte.

- No hook yet: ours is a small ``sh`` script, deleted again by ``off``.
- A shell hook: our block of lines goes in after its first line (``#!``), so it runs before
  anything of theirs that might ``exit``; ``off`` removes exactly those lines.
- Any other hook (Python, a binary, no ``#!``): it is moved aside to
  ``prepare-commit-msg.task-orchestrator-chained`` and our script runs it after ours with
  the same arguments; ``off`` moves it back.

The folder is git's own answer (``git rev-parse --git-path hooks``), so ``core.hooksPath``
and linked worktrees (whose hooks are the main repository's) are followed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from ..core.atomic import replace_file
from ..errors import UserError
from .launcher import registered_program

HOOK = "prepare-commit-msg"
CHAINED = HOOK + ".task-orchestrator-chained"
BEGIN = "# >>> task-orchestrator commit trailer >>>"
OURS = "# >>> task-orchestrator commit trailer (this whole file is ours) >>>"
END = "# <<< task-orchestrator commit trailer <<<"
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash"})


def hooks_folder(directory: str) -> Path:
    """Where git looks for this repository's hooks."""
    try:
        proc = subprocess.run(
            ["git", "-C", directory, "rev-parse", "--path-format=absolute", "--git-path", "hooks"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except FileNotFoundError:
        raise UserError("git is not installed (no git on PATH)") from None
    if proc.returncode != 0:
        raise UserError(f"{directory} is not in a git repository: {proc.stderr.strip()}")
    return Path(proc.stdout.strip())


def _block(program: str, chained: bool) -> list[str]:
    quoted = shlex.quote(program)
    lines = [
        "# Added by `task-orchestrator git trailer on`; `task-orchestrator git trailer off`",
        "# removes it. Adds a Task: trailer naming the task in progress, if there is one.",
        f'task_orchestrator_task=$({quoted} git current-task 2>/dev/null) && [ -n "$task_orchestrator_task" ] \\',
        "  && git interpret-trailers --in-place --if-exists doNothing \\",
        '     --trailer "Task: $task_orchestrator_task" "$1" || true',
    ]
    if chained:
        lines.append(f'exec "$(dirname "$0")/{CHAINED}" "$@"')
    return lines


def _is_shell(first_line: str) -> bool:
    if not first_line.startswith("#!"):
        return False
    words = first_line[2:].split()
    if not words:
        return False
    name = os.path.basename(words[0])
    if name == "env" and len(words) > 1:
        name = words[1]
    return name in SHELLS


def install(directory: str) -> tuple[str, Path]:
    """Add our trailer hook; returns what was done ("created", "inserted", "chained" or
    "unchanged") and the hook's path."""
    folder = hooks_folder(directory)
    program = str(registered_program())
    hook = folder / HOOK
    if not hook.exists():
        folder.mkdir(parents=True, exist_ok=True)
        text = "\n".join(["#!/bin/sh", OURS, *_block(program, False), END]) + "\n"
        replace_file(hook, text.encode("utf-8"), mode=0o755)
        return "created", hook
    data = hook.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if BEGIN in text or OURS in text:
        return "unchanged", hook
    first, newline, rest = text.partition("\n")
    if text and newline and _is_shell(first):
        inserted = "\n".join([first, BEGIN, *_block(program, False), END]) + "\n" + rest
        replace_file(hook, inserted.encode("utf-8"))
        return "inserted", hook
    if (folder / CHAINED).exists():
        raise UserError(f"{folder / CHAINED} is in the way; move it before trying again")
    mode = hook.stat().st_mode & 0o7777
    os.rename(hook, folder / CHAINED)
    text = "\n".join(["#!/bin/sh", OURS, *_block(program, True), END]) + "\n"
    replace_file(hook, text.encode("utf-8"), mode=mode | 0o700)
    return "chained", hook


def uninstall(directory: str) -> tuple[str, Path]:
    """Remove our trailer hook, leaving every other line as it was; returns what was done
    ("removed", "restored", "deleted" or "absent") and the hook's path."""
    folder = hooks_folder(directory)
    hook = folder / HOOK
    try:
        text = hook.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and lines[1].rstrip("\n") == OURS:
        hook.unlink()
        if (folder / CHAINED).exists():
            os.rename(folder / CHAINED, hook)
            return "restored", hook
        return "deleted", hook
    marks = [i for i, line in enumerate(lines) if line.rstrip("\n") in (BEGIN, END)]
    if len(marks) != 2 or lines[marks[0]].rstrip("\n") != BEGIN:
        return "absent", hook
    kept = lines[: marks[0]] + lines[marks[1] + 1 :]
    replace_file(hook, "".join(kept).encode("utf-8"))
    return "removed", hook
