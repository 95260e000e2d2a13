"""core/recordtype.py stands in for dataclasses on the hook path; what dataclasses would
have refused at class creation is checked here instead, for every record of the package."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import task_orchestrator.core as core
from task_orchestrator.core.models import NewTask, Task
from task_orchestrator.core.recordtype import FrozenRecord, Record


def records() -> list[type[Record]]:
    for info in pkgutil.iter_modules(core.__path__):
        importlib.import_module(f"{core.__name__}.{info.name}")
    found: list[type[Record]] = []
    todo: list[type[Record]] = [Record]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub is not FrozenRecord and sub.__module__.startswith("task_orchestrator."):
                found.append(sub)
    return found


@pytest.mark.parametrize("cls", records(), ids=lambda c: c.__name__)
def test_fields_are_declared_once_and_typed(cls: type[Record]) -> None:
    slots = cls.__slots__
    assert len(set(slots)) == len(slots), f"{cls.__name__} lists a field twice: {slots}"
    # Annotations stay strings (their names are imported for type checkers only).
    hints = {name for klass in cls.__mro__ for name in vars(klass).get("__annotations__", {})}
    assert set(slots) <= hints, f"{cls.__name__}: fields without a type {set(slots) - hints}"
    assert set(cls._defaults) <= set(slots), f"{cls.__name__}: defaults for no field"


def test_records_behave_like_dataclasses() -> None:
    task = NewTask("t")
    assert task.subtasks == [] and task.subtasks is not NewTask("u").subtasks  # a factory
    assert NewTask("t") == NewTask("t") != NewTask("u")
    with pytest.raises(TypeError, match="has no field 'nope'"):
        NewTask("t", nope=1)
    with pytest.raises(TypeError, match="needs a value"):
        Task(id="x")
    with pytest.raises(AttributeError, match="read-only"):
        Task.__setattr__(Task.__new__(Task), "id", "x")
