"""Combining a parent's subtasks into one Markdown result.

Shared by the server's ``orchestrator_synthesize_results`` and the Stop hook. It states
exactly which subtasks are complete and which are not: a synthesis never says "all done"
when something is still open.
"""

from __future__ import annotations

from dataclasses import dataclass

from .enums import ArtifactType, Status
from .models import Task
from .store import TaskStore

# Bounds that keep one synthesis readable and within a model's context: each artifact
# contributes an excerpt, the whole document is capped.
EXCERPT_CHARS = 1_500
MAX_DOCUMENT_CHARS = 60_000


@dataclass(frozen=True)
class Synthesis:
    parent: Task
    completed: list[Task]
    open: list[Task]
    cancelled: list[Task]
    markdown: str
    artifact_id: str | None

    @property
    def all_complete(self) -> bool:
        return bool(self.completed) and not self.open


def synthesize(store: TaskStore, parent_id: str, *, record: bool = True) -> Synthesis:
    """Build the synthesis of ``parent_id``'s subtasks; with ``record`` store it as a
    ``synthesis`` artifact on the parent."""
    parent = store.get_task(parent_id)
    children = store.children(parent_id)
    completed = [c for c in children if c.status == Status.COMPLETED]
    cancelled = [c for c in children if c.status == Status.CANCELLED]
    still_open = [c for c in children if c.status not in (Status.COMPLETED, Status.CANCELLED)]
    markdown = _render(store, parent, children, completed, still_open, cancelled)
    artifact_id = None
    if record:
        art = store.add_artifact(
            parent_id,
            summary=_headline(children, completed, still_open, cancelled),
            content=markdown,
            artifact_type=ArtifactType.SYNTHESIS,
        )
        artifact_id = art.id
    return Synthesis(parent, completed, still_open, cancelled, markdown, artifact_id)


def _headline(
    children: list[Task], completed: list[Task], still_open: list[Task], cancelled: list[Task]
) -> str:
    if not children:
        return "No subtasks to synthesize."
    text = f"{len(completed)} of {len(children)} subtasks complete"
    if cancelled:
        text += f", {len(cancelled)} cancelled"
    if still_open:
        text += f"; not complete: {', '.join(t.title for t in still_open[:5])}"
        if len(still_open) > 5:
            text += f" and {len(still_open) - 5} more"
    return text + "."


def _render(
    store: TaskStore,
    parent: Task,
    children: list[Task],
    completed: list[Task],
    still_open: list[Task],
    cancelled: list[Task],
) -> str:
    lines = [f"# {parent.title}", "", _headline(children, completed, still_open, cancelled), ""]
    if parent.description:
        lines += ["## Goal", "", parent.description.strip(), ""]
    if still_open:
        lines += ["## Not complete", ""]
        lines += [f"- {t.title} ({t.status}, {t.id})" for t in still_open]
        lines.append("")
    for task in completed:
        lines += [f"## {task.title}", "", f"*{task.specialist}, completed {task.completed_at}*", ""]
        if task.summary:
            lines += [task.summary.strip(), ""]
        for art in store.artifacts(task.id):
            lines.append(f"- {art.artifact_type}: {art.summary}")
            if art.file_paths:
                lines.append(f"  files: {', '.join(art.file_paths)}")
            excerpt = store.artifact_content(art.id)
            if excerpt.strip():
                if len(excerpt) > EXCERPT_CHARS:
                    excerpt = excerpt[:EXCERPT_CHARS] + f"\n[... {art.size} characters in all]"
                lines += ["", _indent(excerpt), ""]
    if cancelled:
        lines += ["## Cancelled", ""]
        lines += [f"- {t.title} ({t.id})" for t in cancelled]
        lines.append("")
    text = "\n".join(lines).rstrip() + "\n"
    if len(text) > MAX_DOCUMENT_CHARS:
        text = (
            text[:MAX_DOCUMENT_CHARS]
            + "\n\n[truncated: the full work is in each subtask's artifacts]\n"
        )
    return text


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
