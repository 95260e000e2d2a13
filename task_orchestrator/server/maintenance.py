"""The five maintenance actions behind ``orchestrator_maintenance_coordinator``.

Destructive actions (scan_cleanup, archive_completed) only change anything with
``dry_run=False``; every change goes through the store's own transactions.
"""

from __future__ import annotations

from ..core.documents import split_relative, write_document
from ..core.enums import Status
from ..core.models import Task, TaskFilter, Workspace
from ..core.overview import overview, render_overview, render_plan, stale_cutoff
from ..core.rules import is_finished
from ..core.store import TaskStore
from .budget import STRUCTURED_BUDGET, clip, fit
from .models import MaintenanceOut

# A visible file at the top of the project: documents never go into dotfiles or dot-folders
# (core/documents.py), and this one is rewritten only while it is still what we wrote.
DEFAULT_REPORT = "TASKS.md"
#: Bounds so one maintenance call stays quick and its answer small on a huge store.
SCAN_LIMIT = 1_000
LIST_LIMIT = 200
OPEN = [Status.PENDING, Status.IN_PROGRESS, Status.BLOCKED, Status.NEEDS_REVISION]


def _all(store: TaskStore, flt: TaskFilter, cap: int) -> list[Task]:
    out: list[Task] = []
    cursor = None
    while len(out) < cap:
        page = store.query(flt, limit=min(200, cap - len(out)), cursor=cursor)
        out += page.tasks
        cursor = page.next_cursor
        if cursor is None:
            break
    return out


def bounded(out: MaintenanceOut, offset: int) -> MaintenanceOut:
    """The answer cut to its share of the budget: findings from ``offset`` on as many as
    fit (``next_offset`` pages on), changes counted, the report shortened (the whole report
    is the file written, or the handover snapshot)."""
    findings = out.findings[offset:]
    kept = fit(findings, STRUCTURED_BUDGET // 2)
    changed = fit(out.changed, STRUCTURED_BUDGET // 5)
    more = offset + len(kept) < len(out.findings)
    return out.model_copy(
        update={
            "findings": kept,
            "findings_total": len(out.findings),
            "next_offset": offset + len(kept) if more else None,
            "changed": changed,
            "changed_total": len(out.changed),
            "report": clip(out.report, STRUCTURED_BUDGET // 5) if out.report else out.report,
        }
    )


def run_maintenance(
    store: TaskStore,
    *,
    action: str,
    workspace: Workspace,
    all_workspaces: bool,
    dry_run: bool,
    stale_hours: float,
    path: str | None,
    session_id: str,
) -> MaintenanceOut:
    ws_id = None if all_workspaces else workspace.id
    findings: list[str] = []
    changed: list[str] = []
    if action == "scan_cleanup":
        stale = store.stale_tasks(stale_cutoff(stale_hours), ws_id, limit=LIST_LIMIT)
        findings += [f"stale: {t.id} '{t.title}' in progress since {t.updated_at}" for t in stale]
        open_tasks = _all(store, TaskFilter(workspace_id=ws_id, statuses=OPEN), SCAN_LIMIT)
        parent_ids = sorted({t.parent_id for t in open_tasks if t.parent_id})
        parents = {p.id: p for p in store.get_tasks(parent_ids)}
        orphans = [
            (t, parents[t.parent_id])
            for t in open_tasks
            if t.parent_id and (is_finished(parents[t.parent_id]) or parents[t.parent_id].archived)
        ]
        findings += [
            f"orphan: {t.id} '{t.title}' is {t.status} under {p.id}, which is "
            f"{'archived' if p.archived else p.status}"
            for t, p in orphans[:LIST_LIMIT]
        ]
        if not dry_run:
            for t in stale:
                store.update_task(t.id, status=Status.PENDING)
                changed.append(f"{t.id} reset to pending")
            for t, _ in orphans[:LIST_LIMIT]:
                changed += [f"{i} archived" for i in store.archive_task(t.id)]
    elif action == "validate_structure":
        findings += store.integrity_problems()
        for t in store.blocked_tasks(ws_id, limit=LIST_LIMIT):
            for b in store.blockers(t.id):
                if b.status == Status.CANCELLED:
                    findings.append(
                        f"{t.id} '{t.title}' depends on cancelled {b.id}; remove that "
                        "dependency with orchestrator_update_task"
                    )
        if not findings:
            findings.append("structure ok: integrity, dependencies and parents are consistent")
        if store.engine != "sqlite":
            # integrity_problems checks the store's invariants; the pages are the server's.
            findings.append(
                "PostgreSQL store: its pages and their checks are the database server's, and "
                "its backups are its operator's (pg_dump); none is a file of this program"
            )
    elif action == "update_documentation":
        report = _report(store, workspace)
        target = path or DEFAULT_REPORT
        out = MaintenanceOut(action=action, dry_run=dry_run, findings=[], report=report)
        if dry_run:
            split_relative(target)  # a path that would be refused is refused in a dry run too
            out.findings.append(f"would write {len(report)} characters to {target}")
        else:
            written = write_document(store, workspace, target, report)
            out.written_to = written
            out.findings.append(f"wrote {len(report)} characters to {written}")
        return out
    elif action == "prepare_handover":
        view = overview(store, workspace.id, stale_hours=stale_hours)
        done = store.query(
            TaskFilter(workspace_id=workspace.id, statuses=[Status.COMPLETED]), limit=10
        ).tasks
        text = render_overview(view, max_chars=5_000)
        if done:
            text += "\nRecently completed:\n" + "\n".join(
                f"  {t.title} ({t.id}): {(t.summary or '')[:200]}" for t in done
            )
        # A snapshot only adds a row; it is saved even in a dry run so the next session
        # (or the SessionStart hook) can restore it.
        store.save_snapshot(
            session_id=session_id, task_id=None, reason="handover", body={"text": text}
        )
        findings.append("handover snapshot saved for the next session")
        return MaintenanceOut(action=action, dry_run=dry_run, findings=findings, report=text)
    elif action == "archive_completed":
        done = _all(
            store,
            TaskFilter(workspace_id=ws_id, statuses=[Status.COMPLETED], parent_id=""),
            LIST_LIMIT,
        )
        findings += [f"completed plan: {t.id} '{t.title}'" for t in done]
        if not dry_run:
            for t in done:
                changed += [f"{i} archived" for i in store.archive_task(t.id)]
    if not findings:
        findings.append("nothing found")
    return MaintenanceOut(action=action, dry_run=dry_run, findings=findings, changed=changed)


def _report(store: TaskStore, workspace: Workspace) -> str:
    view = overview(store, workspace.id)
    lines = [f"# Tasks of {workspace.name}", "", "```", render_overview(view), "```", ""]
    roots = store.query(TaskFilter(workspace_id=workspace.id, parent_id=""), limit=20).tasks
    for root in roots:
        lines += [f"## {root.title}", "", "```", render_plan(store, root.id), "```", ""]
    return "\n".join(lines)
