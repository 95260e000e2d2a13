"""With a PostgreSQL store configured the hooks fail open, say why in the log, write nothing
to the local file and never import psycopg: they will reach that store through the team
server (a later part of issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hooks_support import fixture, run_hook

from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.root import team_store

URL = "postgresql://someone@db.example/tasks"


def _config(text: str) -> None:
    paths = default_paths()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(text, encoding="utf-8")


def test_team_store_is_seen_in_the_env_and_in_the_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TASK_ORCHESTRATOR_STORE_URL", raising=False)
    assert team_store() is None
    _config('[hooks]\nmirror = "on"\n')
    assert team_store() is None
    _config(f'[store]\nurl = "{URL}"\n')
    assert team_store() == f"[store] url in {default_paths().config_file}"
    _config("[store]\n")
    assert team_store() is None
    monkeypatch.setenv("TASK_ORCHESTRATOR_STORE_URL", URL)
    assert team_store() == "TASK_ORCHESTRATOR_STORE_URL"


@pytest.mark.parametrize("how", ["env", "config"])
def test_hooks_fail_open_with_a_postgres_store(how: str, workspace_dir: object) -> None:
    env = dict(os.environ)
    if how == "env":
        env["TASK_ORCHESTRATOR_STORE_URL"] = URL
    else:
        _config(f'[store]\nurl = "{URL}"\n')
    run = run_hook("UserPromptSubmit", fixture("UserPromptSubmit", workspace_dir), env=env)
    assert run.returncode == 0
    assert run.answer is None or "hookSpecificOutput" not in run.answer
    paths = default_paths()
    assert not paths.db.exists()  # nothing went to the local file instead
    log = (paths.logs / "hooks.log").read_text(encoding="utf-8")
    assert "hooks need the team server" in log


@pytest.mark.usefixtures("without_coverage")
def test_the_hook_path_never_imports_psycopg(workspace_dir: object) -> None:
    _config(f'[store]\nurl = "{URL}"\n')
    code = (
        "import sys, io, json\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO(json.dumps({fixture('UserPromptSubmit', workspace_dir)!r}).encode()))\n"
        "from task_orchestrator.hooks import runner\n"
        "runner.run(['UserPromptSubmit'])\n"
        "print('psycopg' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip().splitlines()[-1] == "False"
