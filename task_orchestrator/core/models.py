"""Plain dataclasses for what the store holds and takes. No pydantic here (hook path)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from .enums import ArtifactType, Complexity, Specialist, Status, TaskType

# Limits that keep one call's input and every answer bounded; the messages that enforce them
# name the limit so a model can split its input.
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_CONTEXT_JSON = 50_000
MAX_PLAN_NODES = 200
MAX_PLAN_DEPTH = 5
MAX_ARTIFACT = 500_000
MAX_SUMMARY = 4_000


def now_iso() -> str:
    """UTC timestamps as fixed-width ISO strings, so text order is time order."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Workspace:
    id: str
    path: str
    name: str
    created_at: str


@dataclass(frozen=True)
class Session:
    id: str
    workspace_id: str
    client: str
    external_id: str | None
    status: str
    active_task_id: str | None
    started_at: str
    last_seen_at: str
    ended_at: str | None
    outcome: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Session:
        return cls(**{k: row[k] for k in row.keys()})  # noqa: SIM118 (Row has no __iter__ of keys)


@dataclass(frozen=True)
class Task:
    id: str
    workspace_id: str
    parent_id: str | None
    session_id: str | None
    position: int
    title: str
    description: str
    status: Status
    task_type: TaskType
    complexity: Complexity
    specialist: Specialist
    estimated_effort: str | None
    context: dict[str, Any]
    summary: str | None
    archived: bool
    created_at: str
    updated_at: str
    started_at: str | None
    completed_at: str | None
    version: int
    depends_on: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: sqlite3.Row, depends_on: tuple[str, ...] = ()) -> Task:
        return cls(
            id=row["id"],
            workspace_id=row["workspace_id"],
            parent_id=row["parent_id"],
            session_id=row["session_id"],
            position=row["position"],
            title=row["title"],
            description=row["description"],
            status=Status(row["status"]),
            task_type=TaskType(row["task_type"]),
            complexity=Complexity(row["complexity"]),
            specialist=Specialist(row["specialist"]),
            estimated_effort=row["estimated_effort"],
            context=json.loads(row["context"]),
            summary=row["summary"],
            archived=bool(row["archived"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            started_at=row["started_at"],
            completed_at=row["completed_at"],
            version=row["version"],
            depends_on=depends_on,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("status", "task_type", "complexity", "specialist"):
            data[key] = str(data[key])
        data["depends_on"] = list(self.depends_on)
        return data


@dataclass(frozen=True)
class Artifact:
    id: str
    task_id: str
    artifact_type: ArtifactType
    summary: str
    content_sha256: str
    size: int
    file_paths: tuple[str, ...]
    created_at: str


@dataclass
class NewTask:
    """One node of a plan handed to :meth:`TaskStore.create_tree`.

    ``depends_on`` entries are an ``int`` (index of a sibling in the same list), a ``str``
    that is the title of another node of this plan, or the id of an existing task in the same
    workspace.
    """

    title: str
    description: str = ""
    task_type: TaskType = TaskType.STANDARD
    complexity: Complexity = Complexity.MODERATE
    specialist: Specialist = Specialist.GENERALIST
    estimated_effort: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    depends_on: list[int | str] = field(default_factory=list)
    subtasks: list[NewTask] = field(default_factory=list)
    status: Status = Status.PENDING


@dataclass
class TaskFilter:
    workspace_id: str | None = None
    statuses: list[Status] | None = None
    specialists: list[Specialist] | None = None
    complexities: list[Complexity] | None = None
    task_types: list[TaskType] | None = None
    # None: any parent; "" : top-level tasks only; an id: children of that task.
    parent_id: str | None = None
    text: str | None = None
    created_after: str | None = None
    created_before: str | None = None
    include_archived: bool = False


@dataclass(frozen=True)
class Page:
    tasks: list[Task]
    next_cursor: str | None
    total: int | None
