"""`task-orchestrator tasks` on a PostgreSQL store ([store] url, TASK_ORCHESTRATOR_STORE_URL):
the same commands, the same answers, and nothing written to the local SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import ok, tasks

from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore


@pytest.fixture
def pg_env(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TASK_ORCHESTRATOR_STORE_URL", pg_url)
    return pg_url


def test_tasks_commands_use_the_postgres_store(project: Path, pg_env: str) -> None:
    made = json.loads(ok("add", "Write the report", "--json"))["task"]
    assert "Write the report" in ok("list")
    ok("start", made["id"])
    with TaskStore.open(pg_env) as store:
        assert store.get_task(made["id"]).status == "in_progress"
    assert not default_paths().db.exists()


def test_config_file_names_the_store(project: Path, pg_url: str) -> None:
    paths = default_paths()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(f'[store]\nurl = "{pg_url}"\n', encoding="utf-8")
    made = json.loads(ok("add", "From the config", "--json"))["task"]
    with TaskStore.open(pg_url) as store:
        assert store.get_task(made["id"]).title == "From the config"
    assert not paths.db.exists()


def test_a_url_that_is_not_postgres_is_refused(project: Path) -> None:
    ran = tasks("list", env={"TASK_ORCHESTRATOR_STORE_URL": "mysql://x/y"})
    assert ran.code != 0
    assert "must be a postgresql://" in ran.err


def test_a_repository_is_the_workspace_of_its_remote(project: Path, pg_env: str) -> None:
    """On a team store the workspace is named by the remote, and this machine's folder is
    recorded for it: a clone elsewhere with the same remote is the same workspace."""
    from task_orchestrator.core import actor

    (project / ".git" / "config").write_text(
        '[remote "origin"]\n\turl = https://alice@GitHub.com/acme/app.git\n', encoding="utf-8"
    )
    made = json.loads(ok("add", "Shared work", "--json"))["task"]
    with TaskStore.open(pg_env) as store:
        ws = store.get_workspace(store.get_task(made["id"]).workspace_id)
        assert (ws.path, ws.name) == ("github.com/acme/app", "app")
        assert store.local_folder(ws) == str(project.resolve())
        assert store.workspace_at(actor.local().machine, str(project / "src")) == ws
        task = store.get_task(made["id"])
        assert (task.created_by, task.created_on) == (actor.local().user, actor.local().machine)
    shown = json.loads(ok("show", made["id"], "--json"))
    assert shown["task"]["created_on"] == actor.local().machine
    assert "Shared work" in ok("list")
