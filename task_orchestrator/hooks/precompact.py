"""PreCompact: save a snapshot of the session's active plan, which SessionStart (source
``compact``) restores so the model keeps its place after the conversation is summarized."""

from __future__ import annotations

from .protocol import Event
from .settings import Settings


def handle(event: Event, settings: Settings) -> dict[str, object] | None:
    from ..core.overview import render_plan
    from .state import known_active_task, open_store

    with open_store(event) as store:
        found = known_active_task(store, event)
        if found is None:
            return None
        session, task = found
        files: list[str] = []
        for t in [task, *store.descendants(task.id)]:
            listed = t.context.get("files")
            if isinstance(listed, list):
                files += [f for f in listed if isinstance(f, str) and f not in files]
        store.save_snapshot(
            session_id=session.id,
            task_id=task.id,
            reason=f"precompact:{event.text('trigger', 'unknown')}",
            body={
                "task_id": task.id,
                "title": task.title,
                "plan": render_plan(store, task.id, max_chars=settings.context_chars),
                "files": files[:200],
                "custom_instructions": event.text("custom_instructions")[:2000],
            },
        )
    return None
