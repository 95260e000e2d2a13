"""Security review: nothing secret from the environment ends up in any client config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from task_orchestrator.installer.catalog import Env, load_clients
from task_orchestrator.installer.setup import install

SECRETS = {
    "TASK_ORCHESTRATOR_TOKEN": "tok-7c1e-do-not-write",
    "ANTHROPIC_API_KEY": "sk-ant-do-not-write",
    "OPENAI_API_KEY": "sk-openai-do-not-write",
    "GITHUB_TOKEN": "ghp_do_not_write",
}


@pytest.mark.fault(
    "install into every client with API keys and our HTTP token in the environment",
    "no secret from the environment in any file written",
)
def test_no_secret_is_written(
    program: Path, env_for: Callable[..., Env], isolated_home: Path
) -> None:
    env = env_for("linux", **SECRETS)
    changes = install(list(load_clients().values()), "user", env, dry_run=False, hooks=True)
    written = [Path(c.path) for c in changes if c.wrote]
    assert len(written) >= 10
    for path in written:
        text = path.read_text(encoding="utf-8-sig")
        assert str(program.parent) in text  # the server's program, or the hooks' python beside it
        for value in SECRETS.values():
            assert value not in text, f"{path} holds a secret"
