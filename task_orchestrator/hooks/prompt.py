"""UserPromptSubmit (auto-plan): a substantial work request becomes a parent task.

It never blocks and never rewrites the prompt; it only adds context. The classifier runs
before the core is imported, so questions and chit-chat cost almost nothing.

With ``capture_prompts = "title"`` the prompt's text is kept nowhere of ours: the task gets
a short title and a description saying the text was not kept, and an event that waits in the
spool is kept there with the title in place of the prompt (:func:`for_spool`, which the spool
asks for every prompt it keeps).
"""

from __future__ import annotations

from .classify import classify, title_from
from .protocol import Event, context_answer
from .settings import Settings

PROMPT_LINK = "claude-code-prompt"  # external link: one task per prompt id, however often fired
# A spooled prompt saved with its title only (capture_prompts = "title"): the prompt itself
# is not in the payload, and it was already classified as work before it was spooled.
TITLE_ONLY = "task_orchestrator_title"
NOT_KEPT = (
    'The prompt\'s text was not kept (capture_prompts = "title" in the [hooks] settings); '
    "ask the user for the details."
)


def handle(event: Event, settings: Settings) -> dict[str, object] | None:
    if settings.auto_plan == "off":
        return None
    spooled_title = event.text(TITLE_ONLY)
    prompt = "" if spooled_title else event.text("prompt")
    if not spooled_title and not classify(prompt).is_work:
        return None
    if settings.auto_plan == "suggest":
        return context_answer(
            "UserPromptSubmit",
            "task-orchestrator: this looks like a substantial piece of work. Consider planning "
            "it with orchestrator_plan_task (subtasks with specialists and dependencies) or "
            "with your TaskCreate list before starting.",
        )
    title = spooled_title or title_from(prompt)
    keep_text = settings.capture_prompts and not spooled_title
    description = _description(prompt) if keep_text else NOT_KEPT
    task_id, title = _create(event, title, description)
    return context_answer(
        "UserPromptSubmit",
        f'task-orchestrator: this request is tracked as task {task_id} ("{title}"). '
        f'Plan it before you start: call orchestrator_plan_task with parent_task_id="{task_id}",'
        " or use your own TaskCreate/TaskUpdate list, which is mirrored as subtasks of "
        f"{task_id}. Mark each subtask completed as you finish it; when all are done the task "
        "is completed and its results synthesized.",
    )


def _description(prompt: str) -> str:
    from ..core.models import MAX_DESCRIPTION

    description = prompt.strip()
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 40] + "\n[... prompt truncated]"
    return description


def _create(event: Event, title: str, description: str) -> tuple[str, str]:
    from ..core.models import NewTask
    from ..core.rules import is_finished
    from .state import active_task, claude_session, open_store

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
            NewTask(title=title, description=description, context=context),
            session_id=session.id,
            link=(PROMPT_LINK, event.session_id, prompt_id) if prompt_id else None,
            activate=True,
        )
        return task.id, task.title


def for_spool(payload: dict[str, object], settings: Settings) -> dict[str, object] | None:
    """What of a prompt event may wait in the spool: nothing when it would not become a
    task; with ``capture_prompts = "title"``, its title in place of the prompt. The one place
    where the capture setting meets the spool, whichever path spools the event."""
    if isinstance(payload.get(TITLE_ONLY), str):
        return payload
    if settings.auto_plan != "auto":
        return None
    prompt = payload.get("prompt")
    if not isinstance(prompt, str) or not classify(prompt).is_work:
        return None
    if settings.capture_prompts:
        return payload
    kept = {k: v for k, v in payload.items() if k != "prompt"}
    kept[TITLE_ONLY] = title_from(prompt)
    return kept
