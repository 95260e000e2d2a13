"""What the store holds and takes, as plain records (core/recordtype.py says why not
dataclasses). No pydantic here either: this is on the hook path."""

from __future__ import annotations

import time

from . import fastjson
from .enums import ArtifactType, Complexity, Specialist, Status, TaskType
from .recordtype import FrozenRecord, Record

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from typing import Any, ClassVar

# Limits that keep one call's input and every answer bounded; the messages that enforce them
# name the limit so a model can split its input.
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_CONTEXT_JSON = 50_000
MAX_PLAN_NODES = 200
MAX_PLAN_DEPTH = 5
MAX_ARTIFACT = 500_000
MAX_SUMMARY = 4_000
MAX_FILE_PATHS = 200
MAX_PATH_CHARS = 4_096  # PATH_MAX on Linux; longer is no path any system can open


def iso_from_epoch(seconds: float) -> str:
    """UTC timestamps as fixed-width ISO strings, so text order is time order. Built with
    ``time`` rather than ``datetime``, which the hooks would otherwise import for this."""
    whole = int(seconds)
    micros = round((seconds - whole) * 1_000_000)
    if micros == 1_000_000:
        whole, micros = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{micros:06d}Z"


def now_iso() -> str:
    return iso_from_epoch(time.time())


def _from_row(row: sqlite3.Row) -> dict[str, Any]:
    return {k: row[k] for k in row.keys()}  # noqa: SIM118 (Row iterates values, not keys)


class Workspace(FrozenRecord):
    __slots__ = (
        "id",
        "path",
        "name",
        "created_at",
    )
    id: str
    path: str
    name: str
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Workspace:
        return cls(**_from_row(row))


class Session(FrozenRecord):
    __slots__ = (
        "id",
        "workspace_id",
        "client",
        "external_id",
        "status",
        "active_task_id",
        "started_at",
        "last_seen_at",
        "ended_at",
        "outcome",
    )
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
        return cls(**_from_row(row))


class Task(FrozenRecord):
    __slots__ = (
        "id",
        "workspace_id",
        "parent_id",
        "session_id",
        "position",
        "title",
        "description",
        "status",
        "task_type",
        "complexity",
        "specialist",
        "estimated_effort",
        "context",
        "summary",
        "archived",
        "created_at",
        "updated_at",
        "started_at",
        "completed_at",
        "version",
        "created_by",
        "created_on",
        "changed_by",
        "changed_on",
        "depends_on",
    )
    _defaults: ClassVar[dict[str, Any]] = {
        "depends_on": (),
        "created_by": "",
        "created_on": "",
        "changed_by": "",
        "changed_on": "",
    }
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
    #: Who (user or team member) and where (machine) made the task and last changed it
    #: (core/actor.py); "" for a task older than schema v7.
    created_by: str
    created_on: str
    changed_by: str
    changed_on: str
    depends_on: tuple[str, ...]

    @classmethod
    def from_row(cls, row: sqlite3.Row, depends_on: tuple[str, ...] = ()) -> Task:
        values = _from_row(row)
        values.update(
            status=Status(row["status"]),
            task_type=TaskType(row["task_type"]),
            complexity=Complexity(row["complexity"]),
            specialist=Specialist(row["specialist"]),
            context=fastjson.loads(row["context"]),
            archived=bool(row["archived"]),
            depends_on=depends_on,
        )
        return cls(**values)


class TeamInfo(FrozenRecord):
    """The team a PostgreSQL store belongs to (``task-orchestrator team init``)."""

    __slots__ = ("name", "created_at")
    name: str
    created_at: str


class Member(FrozenRecord):
    """A team member; their token is never kept, only its SHA-256."""

    __slots__ = ("name", "created_at", "revoked_at", "last_seen_at")
    name: str
    created_at: str
    revoked_at: str | None
    last_seen_at: str | None


class Artifact(FrozenRecord):
    __slots__ = (
        "id",
        "task_id",
        "artifact_type",
        "summary",
        "content_sha256",
        "size",
        "file_paths",
        "created_at",
    )
    id: str
    task_id: str
    artifact_type: ArtifactType
    summary: str
    content_sha256: str
    size: int
    file_paths: tuple[str, ...]
    created_at: str


class NewTask(Record):
    """One node of a plan handed to :meth:`TaskStore.create_tree`.

    ``depends_on`` entries are an ``int`` (index of a sibling in the same list), a ``str``
    that is the title of another node of this plan, or the id of an existing task in the same
    workspace.
    """

    __slots__ = (
        "title",
        "description",
        "task_type",
        "complexity",
        "specialist",
        "estimated_effort",
        "context",
        "depends_on",
        "subtasks",
        "status",
    )
    _defaults: ClassVar[dict[str, Any]] = {
        "description": "",
        "task_type": TaskType.STANDARD,
        "complexity": Complexity.MODERATE,
        "specialist": Specialist.GENERALIST,
        "estimated_effort": None,
        "context": dict,
        "depends_on": list,
        "subtasks": list,
        "status": Status.PENDING,
    }
    title: str
    description: str
    task_type: TaskType
    complexity: Complexity
    specialist: Specialist
    estimated_effort: str | None
    context: dict[str, Any]
    depends_on: list[int | str]
    subtasks: list[NewTask]
    status: Status

    def __init__(self, title: str, description: str = "", **values: Any) -> None:
        super().__init__(title=title, description=description, **values)


class TaskFilter(Record):
    __slots__ = (
        "workspace_id",
        "statuses",
        "specialists",
        "complexities",
        "task_types",
        "parent_id",
        "text",
        "created_after",
        "created_before",
        "include_archived",
        "branch",
        "commit",
    )
    _defaults: ClassVar[dict[str, Any]] = {
        "workspace_id": None,
        "statuses": None,
        "specialists": None,
        "complexities": None,
        "task_types": None,
        "parent_id": None,
        "text": None,
        "created_after": None,
        "created_before": None,
        "include_archived": False,
        "branch": None,
        "commit": None,
    }
    workspace_id: str | None
    statuses: list[Status] | None
    specialists: list[Specialist] | None
    complexities: list[Complexity] | None
    task_types: list[TaskType] | None
    # None: any parent; "": top-level tasks only; an id: children of that task.
    parent_id: str | None
    text: str | None
    created_after: str | None
    created_before: str | None
    include_archived: bool
    #: Tasks started or completed on this branch, or holding a commit made on it.
    branch: str | None
    #: Tasks holding a commit whose sha starts with this (lowercase hex, 7 to 40 digits).
    commit: str | None


class Page(FrozenRecord):
    __slots__ = (
        "tasks",
        "next_cursor",
        "total",
    )
    tasks: list[Task]
    next_cursor: str | None
    total: int | None
