"""Pydantic shapes of tool inputs and outputs. The enums come from core.enums, the one
source of truth, so the schemas a model sees list exactly what the store accepts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ..core.enums import Complexity, Specialist, Status, TaskType
from ..core.models import MAX_DESCRIPTION, MAX_PLAN_NODES, MAX_TITLE, Task
from .budget import json_size

SUMMARY_DESCRIPTION_CHARS = 200


class SubtaskIn(BaseModel):
    title: str = Field(max_length=MAX_TITLE * 2, description="Short imperative title.")
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    specialist: Specialist | None = Field(
        default=None, description="Role for this subtask; omit to route by its text."
    )
    complexity: Complexity = Complexity.MODERATE
    task_type: TaskType = TaskType.STANDARD
    estimated_effort: str | None = Field(default=None, max_length=50)
    depends_on: list[int | str] = Field(
        default_factory=list,
        max_length=MAX_PLAN_NODES,
        description="Index (from 0) or title of an earlier subtask, or an existing task id.",
    )


#: Dependencies listed in a brief; the rest are counted (a task may depend on hundreds).
BRIEF_DEPENDENCIES = 20


class TaskBrief(BaseModel):
    id: str
    title: str
    status: Status
    specialist: Specialist
    parent_id: str | None = None
    depends_on: list[str] = Field(default_factory=list)
    dependencies_total: int = 0
    version: int

    @classmethod
    def of(cls, t: Task) -> TaskBrief:
        return cls(
            id=t.id,
            title=t.title,
            status=t.status,
            specialist=t.specialist,
            parent_id=t.parent_id,
            depends_on=list(t.depends_on[:BRIEF_DEPENDENCIES]),
            dependencies_total=len(t.depends_on),
            version=t.version,
        )


class TaskView(TaskBrief):
    description: str
    description_truncated: bool = False
    complexity: Complexity
    task_type: TaskType
    estimated_effort: str | None = None
    summary: str | None = None
    context: dict[str, Any] | None = None
    context_omitted: bool = False
    created_at: str
    updated_at: str
    completed_at: str | None = None
    workspace_id: str

    @classmethod
    def of_task(
        cls,
        t: Task,
        *,
        full: bool = True,
        max_description: int | None = None,
        max_context_bytes: int = 40_000,
    ) -> TaskView:
        """``full``: the whole description and the context; otherwise both shortened.
        ``max_description`` cuts the description to that many characters either way; a
        context larger than ``max_context_bytes`` of JSON is left out (``context_omitted``)."""
        limit = (
            max_description
            if max_description is not None
            else (None if full else SUMMARY_DESCRIPTION_CHARS)
        )
        desc = t.description
        cut = limit is not None and len(desc) > limit
        if cut:
            desc = desc[: limit or 0] + "..."
        summary = t.summary
        if not full and summary and len(summary) > SUMMARY_DESCRIPTION_CHARS:
            summary = summary[:SUMMARY_DESCRIPTION_CHARS] + "..."
        context = t.context if full else None
        omitted = context is not None and json_size(context) > max_context_bytes
        brief = TaskBrief.of(t)
        return cls(
            **brief.model_dump(),
            description=desc,
            description_truncated=cut,
            complexity=t.complexity,
            task_type=t.task_type,
            estimated_effort=t.estimated_effort,
            summary=summary,
            context=None if omitted else context,
            context_omitted=omitted,
            created_at=t.created_at,
            updated_at=t.updated_at,
            completed_at=t.completed_at,
            workspace_id=t.workspace_id,
        )


class SessionOut(BaseModel):
    workspace: str
    workspace_id: str
    workspace_source: str
    session_id: str
    resumed: bool
    counts: dict[str, int]
    open_work: str
    guide: str
    catalog_problems: list[str] = Field(default_factory=list)


class RoutingOut(BaseModel):
    title: str
    specialist: Specialist
    chosen_by: str
    matched: list[str] = Field(default_factory=list)


class PlanOut(BaseModel):
    task: TaskBrief
    subtasks: list[TaskBrief]
    subtasks_total: int = 0
    subtasks_omitted: int = 0
    template: str | None = None
    template_matched: list[str] = Field(default_factory=list)
    routing: list[RoutingOut] = Field(default_factory=list)
    ready: list[str]
    hint: str


class DependencyResult(BaseModel):
    task_id: str
    title: str
    summary: str | None
    artifacts: list[str]


class SpecialistOut(BaseModel):
    name: Specialist
    role: str
    expertise: list[str]
    approach: list[str]
    expected_output: str


class ExecuteOut(BaseModel):
    task: TaskView
    specialist: SpecialistOut
    parent_goal: str | None = None
    dependency_results: list[DependencyResult]
    dependency_results_omitted: int = 0
    instructions: str
    #: The Claude Code plugin's subagent for this specialist (Agent tool, subagent_type).
    agent: str | None = None


class CompleteOut(BaseModel):
    task_id: str
    status: Status
    version: int
    artifact_id: str
    artifact_size: int
    newly_ready: list[TaskBrief]
    parent_id: str | None = None
    parent_ready_for_synthesis: bool
    next_step: str


class QueryOut(BaseModel):
    tasks: list[TaskView]
    returned: int
    total: int
    total_is_lower_bound: bool = False
    next_cursor: str | None = None
    next_offset: int | None = None
    truncated_to_fit: bool = False
    detail: str


class UpdateOut(BaseModel):
    task: TaskView
    changed: list[str]


class CancelOut(BaseModel):
    task_id: str
    cancelled: list[str]
    cancelled_total: int = 0
    artifacts_kept: bool
    reason: str


class DeleteOut(BaseModel):
    task_id: str
    action: str
    ids: list[str]
    ids_total: int = 0


class SynthesisOut(BaseModel):
    parent_task_id: str
    all_complete: bool
    completed: list[TaskBrief]
    not_complete: list[TaskBrief]
    cancelled: list[TaskBrief]
    subtasks_total: int = 0
    subtasks_omitted: int = 0
    markdown: str
    markdown_truncated: bool = False
    artifact_id: str | None = None
    written_to: str | None = None


class StatusOut(BaseModel):
    workspace: str
    workspace_id: str
    session_id: str
    counts: dict[str, int]
    in_progress: list[TaskBrief]
    ready: list[TaskBrief]
    blocked: list[TaskBrief]
    recent_completions: list[TaskBrief]


class MaintenanceOut(BaseModel):
    action: str
    dry_run: bool
    findings: list[str]
    findings_total: int = 0
    next_offset: int | None = None
    changed: list[str] = Field(default_factory=list)
    changed_total: int = 0
    written_to: str | None = None
    report: str | None = None


class HealthOut(BaseModel):
    status: str
    reasons: list[str]
    store_path: str
    store_reachable: bool
    integrity_ok: bool
    schema_version: int | None = None
    db_bytes: int
    wal_bytes: int
    disk_free_bytes: int
    process_rss_bytes: int
    uptime_s: float
    counts: dict[str, int]
    #: "sqlite" or "postgres"; on PostgreSQL there is no store file, WAL or local disk
    #: (their sizes are 0) and ``backups`` says whose they are.
    engine: str = "sqlite"
    backups: str | None = None


class RestartOut(BaseModel):
    reloaded: list[str]
    timings_ms: dict[str, float]
    restarts: int
    specialists: int
    templates: int
    problems: list[str]
    note: str


class ShutdownOut(BaseModel):
    safe_to_stop: bool
    blockers: list[str]
    in_progress: list[TaskBrief]
    checkpoint_done: bool
    open_transaction: bool


class ReconnectOut(BaseModel):
    ok: bool
    connect_ms: float
    roundtrip_ms: float
    error: str | None = None
    session: dict[str, Any]


class RestartEvent(BaseModel):
    at: str
    data: dict[str, Any]


class RestartStatusOut(BaseModel):
    uptime_s: float
    restarts_this_process: int
    history: list[RestartEvent]
    history_omitted: int = 0
    last: RestartEvent | None = None
