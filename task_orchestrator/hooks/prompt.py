"""UserPromptSubmit (auto-plan): a substantial work request becomes a parent task.

It never blocks and never rewrites the prompt; it only adds context. The classifier runs
before the core is imported, so questions and chit-chat cost almost nothing.
"""

from __future__ import annotations

from .classify import classify, title_from
from .protocol import Event, context_answer
from .settings import Settings

PROMPT_LINK = "claude-code-prompt"  # external link: one task per prompt id, however often fired


def handle(event: Event, settings: Settings) -> dict[str, object] | None:
    if settings.auto_plan == "off":
        return None
    prompt = event.text("prompt")
    verdict = classify(prompt)
    if not verdict.is_work:
        return None
    if settings.auto_plan == "suggest":
        return context_answer(
            "UserPromptSubmit",
            "task-orchestrator: this looks like a substantial piece of work. Consider planning "
            "it with orchestrator_plan_task (subtasks with specialists and dependencies) or "
            "with your TaskCreate list before starting.",
        )
    task_id, title = _create(event, prompt)
    return context_answer(
        "UserPromptSubmit",
        f'task-orchestrator: this request is tracked as task {task_id} ("{title}"). '
        f'Plan it before you start: call orchestrator_plan_task with parent_task_id="{task_id}",'
        " or use your own TaskCreate/TaskUpdate list, which is mirrored as subtasks of "
        f"{task_id}. Mark each subtask completed as you finish it; when all are done the task "
        "is completed and its results synthesized.",
    )


def _create(event: Event, prompt: str) -> tuple[str, str]:
    from ..core.models import MAX_DESCRIPTION, NewTask
    from .state import active_task, open_store, session_for

    title = title_from(prompt)
    description = prompt.strip()
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 40] + "\n[... prompt truncated]"
    prompt_id = event.text("prompt_id")
    with open_store(event) as store:
        session = session_for(store, event)
        context: dict[str, object] = {"source": "claude-code", "claude_session": event.session_id}
        previous = active_task(store, session)
        if previous is not None and previous.status.value not in ("completed", "cancelled"):
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
