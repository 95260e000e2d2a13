"""The task rules that are not a single status transition, each defined once.

- **Finished subtask**: completed or cancelled. An archived subtask counts by its status, so
  an archived subtask that was never finished keeps its plan open: archiving hides a task,
  it does not do its work.
- **Plan finished**: a task with at least one subtask, every subtask finished (as above) and
  at least one of them completed. A plan whose subtasks were all cancelled did nothing.
- **Ready** (``TaskStore.ready_tasks``, ``TaskStore.is_ready``): pending or needing revision,
  not archived, every dependency completed, no unfinished subtask. The SQL for it is
  :data:`READY_SQL`, used by every query that asks.
- **Start** (``TaskStore.start_task``) and **complete** (``TaskStore.record_work``): a task
  starts only when it is not finished, every dependency is completed and no subtask is
  unfinished; it completes only with no unfinished subtask (a parent is finished by
  synthesizing its subtasks).

The server's tools, the hooks and the CLI call these; none of them restates a rule.
"""

from __future__ import annotations

from .enums import TERMINAL, Status
from .models import Task
from .recordtype import FrozenRecord


def unfinished_sql(alias: str) -> str:
    """ "Not finished" (neither completed nor cancelled) as SQL over ``tasks {alias}``."""
    finished = ", ".join(f"'{s.value}'" for s in sorted(TERMINAL))
    return f"{alias}.status NOT IN ({finished})"


#: A subtask that is not finished, as SQL over ``tasks c`` (archived or not).
UNFINISHED_CHILD_SQL = unfinished_sql("c")

#: A dependency still in the way, as SQL over ``tasks x``: only a completed one is not.
WAITING_ON_SQL = f"x.status != '{Status.COMPLETED.value}'"

#: The tail of a WHERE clause over ``tasks t`` that holds exactly for ready tasks (see the
#: module docstring); callers add the workspace and the order.
READY_SQL = (
    "t.archived = 0 AND t.status IN ('pending', 'needs_revision') "
    "AND NOT EXISTS (SELECT 1 FROM dependencies d JOIN tasks x ON x.id = d.depends_on_id "
    f"WHERE d.task_id = t.id AND {WAITING_ON_SQL}) "
    f"AND NOT EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = t.id AND {UNFINISHED_CHILD_SQL})"
)


def is_finished(task: Task) -> bool:
    """Completed or cancelled, archived or not."""
    return task.status in TERMINAL


class PlanProgress(FrozenRecord):
    """A task's subtasks sorted by what they mean for the plan."""

    __slots__ = ("completed", "cancelled", "open")
    completed: list[Task]
    cancelled: list[Task]
    open: list[Task]

    @property
    def total(self) -> int:
        return len(self.completed) + len(self.cancelled) + len(self.open)

    @property
    def finished(self) -> bool:
        """Every subtask finished and at least one completed (see the module docstring)."""
        return bool(self.completed) and not self.open


def plan_progress(children: list[Task]) -> PlanProgress:
    """Sort ``children`` (archived ones included: pass them) into completed, cancelled and
    open, each in the order given."""
    return PlanProgress(
        completed=[c for c in children if c.status == Status.COMPLETED],
        cancelled=[c for c in children if c.status == Status.CANCELLED],
        open=[c for c in children if not is_finished(c)],
    )
