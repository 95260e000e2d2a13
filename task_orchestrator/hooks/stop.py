"""Stop / SubagentStop (auto-complete).

When the session's active task is finished as a plan (core/rules.py), the task is completed with the last assistant message as its summary
and its results are synthesized (core.synthesis). When some are still open, Stop says which in
one line to the user, without blocking; with ``auto_complete = "strict"`` it blocks once per
task to ask for the remaining work, and never while ``stop_hook_active`` is true (Claude is
already continuing because of a Stop hook: blocking again could loop forever).
"""

from __future__ import annotations

from .log import log
from .protocol import Event, message_answer
from .settings import Settings

STRICT_MARK = "strict_stop_blocked"


def handle(event: Event, settings: Settings) -> dict[str, object] | None:
    if settings.auto_complete == "off":
        return None
    from ..core.enums import Status
    from ..core.models import MAX_SUMMARY
    from ..core.rules import is_finished, plan_progress
    from ..core.synthesis import synthesize
    from .state import follow_git, known_active_task, move, open_store

    with open_store(event) as store:
        found = known_active_task(store, event)
        if found is None:
            return None
        _session, task = found
        if is_finished(task):
            return None
        progress = plan_progress(store.children(task.id, include_archived=True))
        if not progress.total:
            return None  # nothing planned: no evidence either way, so leave it open
        still_open = progress.open
        if progress.finished:
            summary = " ".join(event.text("last_assistant_message").split())
            if summary:
                store.update_task(task.id, summary=summary[:MAX_SUMMARY])
            follow_git(event, move(store, store.get_task(task.id), Status.COMPLETED))
            result = synthesize(store, task.id)
            log("info", f"{event.name}: completed {task.id} and synthesized {result.artifact_id}")
            if event.name == "SubagentStop":
                return None
            return message_answer(
                f'task-orchestrator: completed task {task.id} "{task.title}" '
                f"({len(result.completed)} subtasks); synthesis saved."
            )
        if event.name == "SubagentStop" or not still_open:
            return None
        names = ", ".join(f"{c.title} ({c.status})" for c in still_open[:5])
        more = f" and {len(still_open) - 5} more" if len(still_open) > 5 else ""
        if (
            settings.auto_complete == "strict"
            and not event.flag("stop_hook_active")
            and not task.context.get(STRICT_MARK)
        ):
            store.update_task(task.id, context={STRICT_MARK: True})
            return {
                "decision": "block",
                "reason": f'Task {task.id} "{task.title}" still has open subtasks: {names}{more}.'
                " Finish them and mark each completed with TaskUpdate, or mark the ones no "
                "longer needed as deleted, then stop.",
            }
        return message_answer(
            f"task-orchestrator: task {task.id} still has {len(still_open)} open subtasks: "
            f"{names}{more}."
        )
