"""The enums of core/enums.py are ``(str, enum.Enum)`` classes that print as their value on
every supported Python (``str()``, f-strings, JSON, SQLite, pydantic)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from pydantic import BaseModel, ValidationError

from task_orchestrator.core import enums

CLASSES = [enums.Status, enums.Complexity, enums.TaskType, enums.Specialist, enums.ArtifactType]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_members_are_their_strings(cls: type[enums.StrEnum]) -> None:
    for member in cls:
        assert cls(member.value) is member and cls[member.name] is member
        assert member == member.value and hash(member) == hash(member.value)
        assert str(member) == f"{member}" == f"{member:>1}" == member.value
        assert json.dumps(member) == json.dumps(member.value)
        row = sqlite3.connect(":memory:").execute("SELECT ?", (member,)).fetchone()
        assert row == (member.value,)
    with pytest.raises(ValueError, match="is not a valid"):
        cls("nope")


def test_pydantic_schema_and_validation() -> None:
    class Model(BaseModel):
        status: enums.Status
        specialists: list[enums.Specialist] = []

    schema = Model.model_json_schema()["$defs"]["Status"]
    assert schema["enum"] == [s.value for s in enums.Status]
    model = Model(status="blocked", specialists=["tester"])
    assert model.status is enums.Status.BLOCKED
    assert model.model_dump(mode="json") == {"status": "blocked", "specialists": ["tester"]}
    with pytest.raises(ValidationError, match="Input should be 'pending', 'in_progress'"):
        Model(status="done")
