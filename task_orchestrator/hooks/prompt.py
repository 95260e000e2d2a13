"""UserPromptSubmit (auto-plan): a substantial work request becomes a parent task.

It never blocks and never rewrites the prompt; it only adds context. The classifier runs
before the core is imported, so questions and chit-chat cost almost nothing.

With ``capture_prompts = "title"`` the prompt's text is kept nowhere of ours: the task gets
a short title and a description saying the text was not kept, and an event held back by a
busy store is spooled with the title in place of the prompt (:func:`_spool_title_only`).
"""

from __future__ import annotations

from .classify import classify, title_from
from .protocol import Event, context_answer, message_answer
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
    try:
        task_id, title = _create(event, title, description)
    except Exception as exc:
        if keep_text or not _busy(exc):
            raise
        # The runner would spool the raw payload, prompt and all: spool the title instead.
        return _spool_title_only(event, title, exc)
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
    from .state import active_task, open_store, session_for

    prompt_id = event.text("prompt_id")
    with open_store() as store:
        session = session_for(store, event)
        if prompt_id:
            existing = store.find_external(PROMPT_LINK, event.session_id, prompt_id)
            if existing is not None:
                return existing, store.get_task(existing).title
        context: dict[str, object] = {"source": "claude-code", "claude_session": event.session_id}
        previous = active_task(store, session)
        if previous is not None and previous.status.value not in ("completed", "cancelled"):
            context["follows"] = previous.id
        task = store.create_tree(
            session.workspace_id,
            NewTask(title=title, description=description, context=context),
            session_id=session.id,
        )[0]
        if prompt_id and not store.link_external(PROMPT_LINK, event.session_id, prompt_id, task.id):
            # The same prompt was handled by a concurrent run of this hook: keep its task.
            store.delete_task(task.id)
            winner = store.find_external(PROMPT_LINK, event.session_id, prompt_id) or task.id
            return winner, store.get_task(winner).title
        store.set_active_task(session.id, task.id)
        return task.id, task.title


def _busy(exc: Exception) -> bool:
    """The store was locked past our busy timeout: the one failure worth spooling (the
    runner's own test, hooks/runner.py)."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _spool_title_only(event: Event, title: str, exc: Exception) -> dict[str, object] | None:
    from . import spool
    from .log import log, log_path

    if spool.replaying():
        raise exc  # the replay puts its events back in the spool itself, in order
    payload = {k: v for k, v in event.payload.items() if k != "prompt"}
    payload[TITLE_ONLY] = title
    spooled = spool.save("UserPromptSubmit", payload)
    log(
        "warning",
        f"hook UserPromptSubmit failed open: {type(exc).__name__}: {exc}"
        + (" (event spooled for replay, title only)" if spooled else ""),
    )
    what = "this event will be recorded later" if spooled else "this event was not recorded"
    return message_answer(
        f"task-orchestrator hook UserPromptSubmit: the task store was busy; {what} "
        f"(see {log_path()})"
    )
