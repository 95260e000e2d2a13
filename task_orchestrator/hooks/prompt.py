"""UserPromptSubmit (auto-plan): a substantial work request becomes a parent task, and every
prompt is kept as the session's latest (hooks/state.py ``remember_prompt``).

It never blocks and never rewrites the prompt; it only adds context. The latest prompt marks
the start of a prompt turn: a task finished before it is never reopened by the model's own
task list, which goes under a task made for this prompt instead, titled from it, when the
classifier did not take it for work. Keeping it costs every prompt one small store write, so
with ``mirror = "off"`` (nothing would read it) and an unplanned prompt the store is never
opened.

With ``capture_prompts = "title"`` the prompt's text is kept nowhere of ours: a task gets a
short title and a description saying the text was not kept, the latest prompt is kept as its
title only, and an event that waits in the spool is kept there with the title in place of the
prompt (:func:`for_spool`, which the spool asks for every prompt it keeps).
"""

from __future__ import annotations

from .classify import classify, title_from
from .protocol import Event, context_answer
from .settings import Settings

# A spooled prompt saved with its title only (capture_prompts = "title"): the prompt itself
# is not in the payload. TITLE_ONLY: it was classified as work before it was spooled;
# SEEN_TITLE: it was not, and is only to be kept as the session's latest prompt.
TITLE_ONLY = "task_orchestrator_title"
SEEN_TITLE = "task_orchestrator_seen_title"


def handle(event: Event, settings: Settings) -> dict[str, object] | None:
    spooled_title = event.text(TITLE_ONLY)
    seen_title = event.text(SEEN_TITLE)
    prompt = "" if spooled_title or seen_title else event.text("prompt")
    work = settings.auto_plan != "off" and (
        bool(spooled_title) or (not seen_title and classify(prompt).is_work)
    )
    if not work or settings.auto_plan == "suggest":
        if settings.mirror:
            # auto_plan = "off" keeps no prompt text at all: only when the prompt arrived.
            off = settings.auto_plan == "off"
            _remember(event, settings, "" if off else prompt, "" if off else seen_title)
        if not work:
            return None
        return context_answer(
            "UserPromptSubmit",
            "task-orchestrator: this looks like a substantial piece of work. Consider planning "
            "it with orchestrator_plan_task (subtasks with specialists and dependencies) or "
            "with your TaskCreate list before starting.",
        )
    title = spooled_title or title_from(prompt)
    keep_text = settings.capture_prompts and not spooled_title
    task_id, title = _create(event, title, _description(prompt) if keep_text else "")
    return context_answer(
        "UserPromptSubmit",
        f'task-orchestrator: this request is tracked as task {task_id} ("{title}"). '
        f'Plan it before you start: call orchestrator_plan_task with parent_task_id="{task_id}",'
        " or use your own TaskCreate/TaskUpdate list, which is mirrored as subtasks of "
        f"{task_id}. Mark each subtask completed as you finish it; when all are done the task "
        "is completed and its results synthesized.",
    )


def _remember(event: Event, settings: Settings, prompt: str, title: str) -> None:
    """Keep a prompt that made no task as the session's latest (its text bounded, or only its
    title with capture_prompts = "title")."""
    from .state import claude_session, open_store, remember_prompt

    if prompt and not title and not settings.capture_prompts:
        title = title_from(prompt)
    text = prompt if settings.capture_prompts else ""
    with open_store(event) as store:
        session = claude_session(store, event)
        remember_prompt(store, session, event.text("prompt_id"), text=text, title=title)


def _description(prompt: str) -> str:
    from ..core.models import MAX_DESCRIPTION

    description = prompt.strip()
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 40] + "\n[... prompt truncated]"
    return description


def _create(event: Event, title: str, description: str) -> tuple[str, str]:
    """The prompt's task (``description`` empty: the text was not kept), made the session's
    active task, and the prompt kept as its latest, in one go."""
    from ..core.models import NewTask
    from ..core.rules import is_finished
    from .state import (
        NOT_KEPT,
        PROMPT_LINK,
        active_task,
        claude_session,
        open_store,
        remember_prompt,
    )

    prompt_id = event.text("prompt_id")
    with open_store(event) as store:
        session = claude_session(store, event)
        context: dict[str, object] = {"source": "claude-code", "claude_session": event.session_id}
        previous = active_task(store, session)
        if previous is not None and not is_finished(previous):
            context["follows"] = previous.id
        # One task per prompt id, however often the hook fires for it (a concurrent run, a
        # replay): a task made for it already is returned as it is.
        task, _ = store.create_linked(
            session.workspace_id,
            NewTask(title=title, description=description or NOT_KEPT, context=context),
            session_id=session.id,
            link=(PROMPT_LINK, event.session_id, prompt_id) if prompt_id else None,
            activate=True,
        )
        remember_prompt(store, session, prompt_id, text=description, title=title)
        return task.id, task.title


def for_spool(payload: dict[str, object], settings: Settings) -> dict[str, object] | None:
    """What of a prompt event may wait in the spool: nothing when it would neither become a
    task nor be kept as the latest prompt; a prompt that is only to be kept, cut to what is
    kept of it; with ``capture_prompts = "title"``, its title in place of the prompt. The one
    place where the capture setting meets the spool, whichever path spools the event."""
    from .state import PROMPT_TEXT_CHARS

    if isinstance(payload.get(TITLE_ONLY), str) or isinstance(payload.get(SEEN_TITLE), str):
        return payload
    prompt = payload.get("prompt")
    if not isinstance(prompt, str):
        return None
    work = settings.auto_plan != "off" and classify(prompt).is_work
    if not work and not settings.mirror:
        return None
    kept = {k: v for k, v in payload.items() if k != "prompt"}
    if settings.auto_plan == "off":
        return kept  # only that a prompt arrived (its text is kept nowhere)
    if settings.capture_prompts:
        kept["prompt"] = prompt if work else prompt.strip()[:PROMPT_TEXT_CHARS]
    else:
        kept[TITLE_ONLY if work else SEEN_TITLE] = title_from(prompt)
    return kept
