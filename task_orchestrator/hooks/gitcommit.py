"""PostToolUse of Bash: a command that made a commit (``git commit``, ``merge``,
``cherry-pick``, ``revert``) links the new HEAD commit to the subtask in progress and its
plan (core/gitlink.py, ``link_head``).

Every Bash command of a session starts this hook, so the test of the command's text is a
few string operations (no ``re``: docs/ARCHITECTURE.md, "The hook path"), and a command that
commits nothing neither opens the store nor runs git. One that does runs git after the
answer, in the hook's forked child.
"""

from __future__ import annotations

import os

from .protocol import Event, after_answer, text_of

#: git subcommands that make a commit on HEAD.
COMMITTING = frozenset({"commit", "merge", "cherry-pick", "revert"})
# git's global options that take a value as the next word.
_WITH_VALUE = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path"})
# Shell punctuation that ends one command and starts another: read as spaces.
_SEPARATORS = str.maketrans(dict.fromkeys(";&|()`\n\r\t{}", " "))


def commit_folder(command: str, cwd: str) -> str | None:
    """The folder a commit was made in when ``command`` runs a committing git subcommand
    (``git -C DIR commit`` commits in DIR), else None."""
    if "git" not in command:
        return None
    words = command.translate(_SEPARATORS).split()
    for i, word in enumerate(words):
        if word != "git" and not word.endswith("/git"):
            continue
        folder = cwd
        j = i + 1
        while j < len(words) and words[j].startswith("-"):
            if words[j] == "-C" and j + 1 < len(words):
                folder = os.path.join(folder, words[j + 1].strip("'\""))
            j += 2 if words[j] in _WITH_VALUE else 1
        if j < len(words) and words[j] in COMMITTING:
            return folder
    return None


def handle(event: Event) -> dict[str, object] | None:
    folder = commit_folder(text_of(event.obj("tool_input"), "command"), event.text("cwd"))
    if folder:
        after_answer(lambda: _link(event, folder))
    return None


def _link(event: Event, folder: str) -> None:
    from ..core.gitlink import link_head
    from .state import known_active_task, store_after_answer, working_subtask

    store = store_after_answer()
    if store is None:
        return
    with store:
        found = known_active_task(store, event)
        if found is None:
            return
        _session, plan = found
        subtask = working_subtask(store, plan)
        tasks = [plan] if subtask is None else [subtask, plan]
        linked = link_head(store, tasks, folder)
    if linked:
        from .log import log

        log("info", f"PostToolUse Bash: linked HEAD of {folder} to {', '.join(linked)}")
