"""core/enums.py's classes behave as the ``(str, enum.Enum)`` classes that type checkers see,
for everything the project uses; checked side by side with real enums of the same values."""

from __future__ import annotations

import copy
import enum
import json
import pickle
import subprocess
import sys

import pytest
from pydantic import BaseModel, ValidationError

from task_orchestrator.core import enums

CLASSES = [enums.Status, enums.Complexity, enums.TaskType, enums.Specialist, enums.ArtifactType]


class _Str(str, enum.Enum):
    def __str__(self) -> str:
        return str(self.value)


def real(cls: type) -> type[enum.Enum]:
    return _Str(cls.__name__, [(m.name, m.value) for m in cls])  # type: ignore[attr-defined, return-value]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_same_behaviour_as_enum(cls: type) -> None:
    twin = real(cls)
    members = list(cls)  # type: ignore[call-overload]
    assert [(m.name, m.value) for m in members] == [(m.name, m.value) for m in twin]
    assert len(cls) == len(twin)  # type: ignore[arg-type]
    for ours, theirs in zip(members, twin, strict=True):
        assert cls(ours.value) is ours and cls(ours) is ours
        assert getattr(cls, ours.name) is ours
        assert isinstance(ours, cls) and isinstance(ours, str)
        assert ours == theirs == ours.value and hash(ours) == hash(ours.value)
        assert str(ours) == str(theirs) == f"{ours}" == ours.value
        assert repr(ours) == repr(theirs).replace(twin.__name__, cls.__name__)
        assert json.dumps(ours) == json.dumps(theirs) == json.dumps(ours.value)
        assert pickle.loads(pickle.dumps(ours)) is ours
        assert copy.copy(ours) is ours and copy.deepcopy(ours) is ours
        assert type(ours.value) is str
    for bad in ("nope", None, 3, "", members[0].value.upper()):
        with pytest.raises(ValueError, match=f"is not a valid {cls.__name__}"):
            cls(bad)
        with pytest.raises(ValueError):
            twin(bad)


def test_pydantic_schema_and_validation_match_enum() -> None:
    class Ours(BaseModel):
        status: enums.Status
        specialists: list[enums.Specialist] = []

    Twin = real(enums.Status)

    class Theirs(BaseModel):
        status: Twin  # type: ignore[valid-type]

    ours_schema = Ours.model_json_schema()
    assert ours_schema["$defs"]["Status"] == Theirs.model_json_schema()["$defs"]["Status"]
    model = Ours(status="blocked", specialists=["tester"])
    assert model.status is enums.Status.BLOCKED
    assert model.specialists == [enums.Specialist.TESTER]
    assert model.model_dump(mode="json") == {"status": "blocked", "specialists": ["tester"]}
    assert Ours.model_validate_json('{"status": "pending"}').status is enums.Status.PENDING
    with pytest.raises(ValidationError, match="Input should be 'pending', 'in_progress'"):
        Ours(status="done")


@pytest.mark.usefixtures("without_coverage")
def test_enum_is_not_imported() -> None:
    code = "import sys, task_orchestrator.core.enums; print('enum' in sys.modules)"
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
