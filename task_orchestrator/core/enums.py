"""The one source of truth for statuses, complexities, task types and specialists.

The server's input schemas are built from these classes, so a model sees exactly the values
the store accepts.

They behave as ``(str, enum.Enum)`` classes do for everything this project uses (members
equal to their string, ``Status("pending")`` looks up a member or raises ValueError,
iteration in definition order, ``.value``, ``.name``), and type checkers see them as exactly
that. At run time they are :class:`Choice` classes instead, because ``import enum`` (with
functools and collections, which it loads) costs about 7 ms: half of Python's own start-up,
on every hook. tests/core/test_enums.py holds both side by side.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from enum import Enum
    from typing import Any

    class StrEnum(str, Enum):
        """What type checkers see."""

else:

    class _ChoiceType(type):
        """Makes each UPPER_CASE string attribute of a class body a member of the class."""

        def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
            cls = super().__new__(mcs, name, bases, namespace)
            cls._members = {}
            cls._names = {}
            for key, value in namespace.items():
                if key.isupper() and isinstance(value, str):
                    member = str.__new__(cls, value)
                    setattr(cls, key, member)
                    cls._members[value] = member
                    cls._names[value] = key
            return cls

        def __iter__(cls) -> Any:
            return iter(cls._members.values())

        def __len__(cls) -> int:
            return len(cls._members)

    class StrEnum(str, metaclass=_ChoiceType):
        """A closed set of strings; see the module docstring."""

        __slots__ = ()

        def __new__(cls, value: object) -> Any:
            try:
                return cls._members[value]
            except (KeyError, TypeError):
                raise ValueError(f"{value!r} is not a valid {cls.__qualname__}") from None

        @property
        def value(self) -> str:
            return str.__str__(self)

        @property
        def name(self) -> str:
            return type(self)._names[self]

        __str__ = str.__str__

        def __repr__(self) -> str:
            return f"<{type(self).__name__}.{self.name}: {str.__repr__(self)}>"

        def __reduce__(self) -> Any:
            return type(self), (str.__str__(self),)

        def __copy__(self) -> Any:
            return self

        def __deepcopy__(self, memo: Any) -> Any:
            return self

        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
            """For the server's pydantic models: accept the values, hand back the member,
            serialize as the plain string (only pydantic calls this, so only the server
            imports pydantic_core)."""
            from pydantic_core import core_schema

            return core_schema.no_info_after_validator_function(
                cls,
                core_schema.literal_schema([m.value for m in cls]),
                serialization=core_schema.to_string_ser_schema(),
                ref=cls.__name__,
                metadata={"pydantic_js_updates": {"title": cls.__name__}},
            )


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


class ArtifactType(StrEnum):
    CODE = "code"
    DOCUMENTATION = "documentation"
    ANALYSIS = "analysis"
    DESIGN = "design"
    TEST = "test"
    CONFIG = "config"
    GENERAL = "general"
    SYNTHESIS = "synthesis"
