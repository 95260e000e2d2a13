"""Every way out a store error can name has advice in each interface's words."""

from __future__ import annotations

from task_orchestrator.core.errors import FIXES, InvalidTransition
from task_orchestrator.errors import PERSON_ADVICE, person_message
from task_orchestrator.server.context import TOOL_ADVICE, with_advice


def test_each_fix_has_tool_and_person_advice() -> None:
    assert set(TOOL_ADVICE) == set(FIXES)
    assert set(PERSON_ADVICE) == set(FIXES)


def test_the_same_error_reads_right_for_a_model_and_a_person() -> None:
    exc = InvalidTransition("task task_x is completed", fix="reopen", task_id="task_x")
    assert with_advice(exc).endswith(
        "reopen it with orchestrator_update_task (status and reopen=true)"
    )
    assert person_message(exc) == (
        "task task_x is completed; `task-orchestrator tasks reopen task_x` reopens it"
    )
    plain = InvalidTransition("no fix named")
    assert with_advice(plain) == person_message(plain) == "no fix named"
