"""The one source of truth for statuses, complexities, task types and specialists.

The server's input schemas are built from these classes, so a model sees exactly the values
the store accepts. They are ``(str, enum.Enum)`` classes: a member equals its string and is
stored, serialized and printed as it. ``enum`` costs a hook about 0.7 ms to import, below
what a start-up trick must save to be kept (docs/ARCHITECTURE.md, "The hook path").
"""

from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    """A closed set of strings (``enum.StrEnum`` is 3.11+; we support 3.10): ``str()`` and
    f-strings give the value, as they do for ``enum.StrEnum``."""

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)


class Status(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    NEEDS_REVISION = "needs_revision"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


#: Statuses a task can no longer leave without an explicit reopen.
TERMINAL = frozenset({Status.COMPLETED, Status.CANCELLED})

#: Allowed transitions without ``reopen``. Staying in the same status is always allowed.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset(
        {Status.IN_PROGRESS, Status.BLOCKED, Status.COMPLETED, Status.CANCELLED}
    ),
    Status.IN_PROGRESS: frozenset(
        {Status.PENDING, Status.BLOCKED, Status.NEEDS_REVISION, Status.COMPLETED, Status.CANCELLED}
    ),
    Status.BLOCKED: frozenset({Status.PENDING, Status.IN_PROGRESS, Status.CANCELLED}),
    Status.NEEDS_REVISION: frozenset(
        {Status.PENDING, Status.IN_PROGRESS, Status.BLOCKED, Status.COMPLETED, Status.CANCELLED}
    ),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
}

#: Where a reopened task may go.
REOPEN_TARGETS = frozenset({Status.PENDING, Status.IN_PROGRESS, Status.NEEDS_REVISION})


class Complexity(StrEnum):
    TRIVIAL = "trivial"
    SIMPLE = "simple"
    MODERATE = "moderate"
    COMPLEX = "complex"
    VERY_COMPLEX = "very_complex"


class TaskType(StrEnum):
    STANDARD = "standard"
    BREAKDOWN = "breakdown"
    MILESTONE = "milestone"
    RESEARCH = "research"
    IMPLEMENTATION = "implementation"
    TESTING = "testing"
    REVIEW = "review"
    DOCUMENTATION = "documentation"
    DEPLOYMENT = "deployment"


class Specialist(StrEnum):
    ARCHITECT = "architect"
    IMPLEMENTER = "implementer"
    TESTER = "tester"
    REVIEWER = "reviewer"
    DOCUMENTER = "documenter"
    DEBUGGER = "debugger"
    RESEARCHER = "researcher"
    DEVOPS = "devops"
    ANALYST = "analyst"
    GENERALIST = "generalist"


def agent_type(specialist: str) -> str:
    """The Claude Code plugin's subagent for a specialist, as the Agent tool's
    ``subagent_type`` names it: a plugin's agents are namespaced by the plugin
    (docs/ARCHITECTURE.md, "The Claude Code plugin")."""
    return f"task-orchestrator:orchestrator-{specialist}"


class ArtifactType(StrEnum):
    CODE = "code"
    DOCUMENTATION = "documentation"
    ANALYSIS = "analysis"
    DESIGN = "design"
    TEST = "test"
    CONFIG = "config"
    GENERAL = "general"
    SYNTHESIS = "synthesis"
