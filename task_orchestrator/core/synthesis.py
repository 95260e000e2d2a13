"""Combining a parent's subtasks into one Markdown result.

Shared by the server's ``orchestrator_synthesize_results`` and the Stop hook. It states
exactly which subtasks are complete and which are not: a synthesis never says "all done"
when something is still open.
"""

from __future__ import annotations

from .enums import ArtifactType
from .models import Task
from .recordtype import FrozenRecord
from .rules import PlanProgress, plan_progress
from .store import TaskStore

# Bounds that keep one synthesis readable and within a model's context: each artifact
# contributes an excerpt, the whole document is capped.
EXCERPT_CHARS = 1_500
MAX_DOCUMENT_CHARS = 60_000
# Past this many lines the document is cut anyway: stop reading artifacts for it.
MAX_DOCUMENT_LINES = 20_000
# Commits and changed files listed in the plan's git section; the rest are counted.
SYNTHESIS_COMMITS = 50
SYNTHESIS_FILES = 100


class Synthesis(FrozenRecord):
    __slots__ = ("parent", "progress", "markdown", "artifact_id")
    parent: Task
    progress: PlanProgress
    markdown: str
    artifact_id: str | None

    @property
    def completed(self) -> list[Task]:
        return self.progress.completed

    @property
    def open(self) -> list[Task]:
        return self.progress.open

    @property
    def cancelled(self) -> list[Task]:
        return self.progress.cancelled

    @property
    def all_complete(self) -> bool:
        """The plan is finished (core/rules.py)."""
        return self.progress.finished


def synthesize(
    store: TaskStore, parent_id: str, *, record: bool = True, workspace_id: str | None = None
) -> Synthesis:
    """Build the synthesis of ``parent_id``'s subtasks (archived ones included: an archived
    unfinished subtask keeps the plan open); with ``record`` store it as a ``synthesis``
    artifact on the parent. With ``workspace_id``, only a task of that workspace."""
    parent = store.get_task(parent_id, workspace_id=workspace_id)
    children = store.children(parent_id, include_archived=True)
    progress = plan_progress(children)
    markdown = _render(store, parent, progress)
    artifact_id = None
    if record:
        art = store.add_artifact(
            parent_id,
            summary=headline(progress),
            content=markdown,
            artifact_type=ArtifactType.SYNTHESIS,
        )
        artifact_id = art.id
    return Synthesis(parent=parent, progress=progress, markdown=markdown, artifact_id=artifact_id)


def headline(progress: PlanProgress) -> str:
    """One line: how many subtasks are complete, cancelled, and which are not."""
    if not progress.total:
        return "No subtasks to synthesize."
    text = f"{len(progress.completed)} of {progress.total} subtasks complete"
    if progress.cancelled:
        text += f", {len(progress.cancelled)} cancelled"
    if progress.open:
        text += f"; not complete: {', '.join(t.title for t in progress.open[:5])}"
        if len(progress.open) > 5:
            text += f" and {len(progress.open) - 5} more"
    return text + "."


def _render(store: TaskStore, parent: Task, progress: PlanProgress) -> str:
    lines = [f"# {parent.title}", "", headline(progress), ""]
    if parent.description:
        lines += ["## Goal", "", parent.description.strip(), ""]
    if progress.open:
        lines += ["## Not complete", ""]
        lines += [
            f"- {t.title} ({t.status}{', archived' if t.archived else ''}, {t.id})"
            for t in progress.open
        ]
        lines.append("")
    for task in progress.completed:
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
        if len(lines) > MAX_DOCUMENT_LINES:
            break
    lines += _git_section(store, parent, progress)
    if progress.cancelled:
        lines += ["## Cancelled", ""]
        lines += [f"- {t.title} ({t.id})" for t in progress.cancelled]
        lines.append("")
    text = "\n".join(lines).rstrip() + "\n"
    if len(text) > MAX_DOCUMENT_CHARS:
        text = (
            text[:MAX_DOCUMENT_CHARS]
            + "\n\n[truncated: the full work is in each subtask's artifacts]\n"
        )
    return text


def _git_section(store: TaskStore, parent: Task, progress: PlanProgress) -> list[str]:
    """The commits of the plan and its completed subtasks (each once, newest first) and the
    files they changed, with line counts summed over the tasks' ranges."""
    commits: dict[str, dict[str, object]] = {}
    files: dict[str, list[int | None]] = {}
    for task in [parent, *progress.completed]:
        for commit in store.task_commits(task.id, limit=SYNTHESIS_COMMITS * 4)[0]:
            commits.setdefault(str(commit["sha"]), commit)
        for change in store.task_files(task.id, limit=SYNTHESIS_FILES * 4)[0]:
            counts = files.setdefault(str(change["path"]), [0, 0])
            for i, key in enumerate(("added", "deleted")):
                value = change[key]
                counts[i] = None if value is None or counts[i] is None else counts[i] + value
    if not commits and not files:
        return []
    lines = ["## Commits", ""]
    ordered = sorted(commits.values(), key=lambda c: str(c["committed_at"]), reverse=True)
    lines += [f"- {str(c['sha'])[:12]} {c['subject']}" for c in ordered[:SYNTHESIS_COMMITS]]
    if len(ordered) > SYNTHESIS_COMMITS:
        lines.append(f"- ... and {len(ordered) - SYNTHESIS_COMMITS} more")
    if files:
        lines += ["", "Files changed:", ""]
        for path in sorted(files)[:SYNTHESIS_FILES]:
            added, deleted = files[path]
            shown = "binary" if added is None or deleted is None else f"+{added} -{deleted}"
            lines.append(f"- {path} ({shown})")
        if len(files) > SYNTHESIS_FILES:
            lines.append(f"- ... and {len(files) - SYNTHESIS_FILES} more")
    return [*lines, ""]


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
