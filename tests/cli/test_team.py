"""`task-orchestrator team` as real processes against a throwaway PostgreSQL server
(bench/pgtemp.py): init, add-user (the token printed once, only its hash stored), revoke,
list, each with --json; every refusal says why and writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from process_support import SERVER

from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore
from task_orchestrator.core.store_team import token_hash


def _team(*args: str, url: str | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("TASK_ORCHESTRATOR_STORE_URL", None)
    if url is not None:
        env["TASK_ORCHESTRATOR_STORE_URL"] = url
    return subprocess.run(
        [str(SERVER), "team", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def _ok(*args: str, url: str, cwd: Path) -> str:
    ran = _team(*args, url=url, cwd=cwd)
    assert ran.returncode == 0, ran
    return ran.stdout


def _state(url: str) -> dict[str, Any]:
    with TaskStore.open(url) as store:
        return {
            t: sorted(map(repr, store.conn.execute(f"SELECT * FROM {t}")))
            for t in ("team", "team_members", "events")
        }


def test_team_lifecycle(pg_url: str, tmp_path: Path) -> None:
    listed = json.loads(_ok("list", "--json", url=pg_url, cwd=tmp_path))
    assert listed == {"team": None, "members": []}
    assert "not a team's yet" in _ok("list", url=pg_url, cwd=tmp_path)
    made = json.loads(_ok("init", "acme", "--json", url=pg_url, cwd=tmp_path))
    assert made["team"]["name"] == "acme"

    text = _ok("add-user", "ann", url=pg_url, cwd=tmp_path)
    token = next(w for w in text.split() if w.startswith("to_"))
    assert "shown this once and not stored" in text
    assert f"export TASK_ORCHESTRATOR_TEAM_TOKEN={token}" in text
    assert "orchestrator-setup install --team URL" in text
    bob = json.loads(_ok("add-user", "bob", "--json", url=pg_url, cwd=tmp_path))
    assert bob["member"]["name"] == "bob" and bob["token"].startswith("to_")
    assert bob["token_env"] == "TASK_ORCHESTRATOR_TEAM_TOKEN"
    with TaskStore.open(pg_url) as store:
        hashes = {r[0] for r in store.conn.execute("SELECT token_hash FROM team_members")}
        assert hashes == {token_hash(token), token_hash(bob["token"])}
        member = store.member_for_token(token)
        assert member is not None and member.name == "ann"
    assert token not in json.dumps(_state(pg_url))

    revoked = json.loads(_ok("revoke", "bob", "--json", url=pg_url, cwd=tmp_path))
    assert revoked["member"]["revoked_at"]
    assert "no longer works" in _ok("revoke", "ann", url=pg_url, cwd=tmp_path)
    with TaskStore.open(pg_url) as store:
        assert store.member_for_token(bob["token"]) is None
    members = json.loads(_ok("list", "--json", url=pg_url, cwd=tmp_path))["members"]
    assert [(m["name"], bool(m["revoked_at"])) for m in members] == [
        ("ann", True),
        ("bob", True),
    ]
    text = _ok("list", url=pg_url, cwd=tmp_path)
    assert "Team acme" in text and "revoked" in text and "ann" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["init", "two words"], "is not valid: use 1 to 64 letters"),
        (["add-user", "x" * 65], "is not valid: use 1 to 64 letters"),
        (["add-user", "ann"], "already a member named 'ann'"),
        (["init", "again"], "already belongs to the team 'acme'"),
        (["revoke", "nobody"], "no member named 'nobody'"),
    ],
)
def test_refusals_write_nothing(pg_url: str, tmp_path: Path, args: list[str], message: str) -> None:
    _ok("init", "acme", url=pg_url, cwd=tmp_path)
    _ok("add-user", "ann", url=pg_url, cwd=tmp_path)
    before = _state(pg_url)
    ran = _team(*args, url=pg_url, cwd=tmp_path)
    assert ran.returncode == 1 and ran.stdout == ""
    assert message in ran.stderr and ran.stderr.startswith("error: ")
    assert _state(pg_url) == before


def test_add_user_before_init_is_refused(pg_url: str, tmp_path: Path) -> None:
    before = _state(pg_url)
    ran = _team("add-user", "ann", url=pg_url, cwd=tmp_path)
    assert ran.returncode == 1 and "team init NAME` first" in ran.stderr
    assert _state(pg_url) == before


@pytest.mark.parametrize("args", [["init", "acme"], ["add-user", "ann"], ["list", "--json"]])
def test_not_postgres_is_refused_and_nothing_written(tmp_path: Path, args: list[str]) -> None:
    ran = _team(*args, url=None, cwd=tmp_path)
    assert ran.returncode == 1 and ran.stdout == ""
    assert "team commands need a PostgreSQL store" in ran.stderr
    assert "TASK_ORCHESTRATOR_STORE_URL=postgresql://" in ran.stderr
    assert "[store] url" in ran.stderr and "nothing was written" in ran.stderr
    assert not default_paths().db.exists()
    assert not default_paths().data.exists()


def test_help_names_every_subcommand(tmp_path: Path) -> None:
    ran = _team("--help", url=None, cwd=tmp_path)
    assert ran.returncode == 0
    for word in ("init", "add-user", "revoke", "list", "PostgreSQL"):
        assert word in ran.stdout
