"""``orchestrator-setup`` itself, a real process, killed with SIGKILL at the worst moment of a
config write: the backup and the temp file are written, the config is not yet replaced.

The kill comes from the documented fault-injection point in installer/fileops.py
(``TASK_ORCHESTRATOR_FAULT=kill-before-replace``): a signal sent from outside could not land
on that exact line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from task_orchestrator.core.paths import default_paths
from task_orchestrator.installer.fileops import TEMP_SUFFIX

SETUP = Path(sys.executable).parent / "orchestrator-setup"
ORIGINAL = '{\n  "mcpServers": {\n    "other": {"command": "x"}\n  }\n}\n'


def setup(*args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH="/usr/bin:/bin")  # HOME and our data root: tmp (conftest)
    env.pop("TASK_ORCHESTRATOR_FAULT", None)
    if fault:
        env["TASK_ORCHESTRATOR_FAULT"] = fault
    return subprocess.run([str(SETUP), *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.fault(
    "SIGKILL of a real `orchestrator-setup install` after the backup and the temp file are "
    "written, before the config is replaced",
    "the config byte-identical, its backup kept; the next run succeeds and removes the "
    "stale temp file; uninstall gives back the original bytes",
)
def test_setup_killed_before_replace_leaves_the_config_intact(isolated_home: Path) -> None:
    config = isolated_home / ".cursor" / "mcp.json"
    config.parent.mkdir()
    config.write_bytes(ORIGINAL.encode("utf-8"))
    paths = default_paths()

    killed = setup("install", "--client", "cursor", "--yes", fault="kill-before-replace")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert config.read_bytes() == ORIGINAL.encode("utf-8")
    [backup] = paths.backups.iterdir()
    assert backup.read_bytes() == ORIGINAL.encode("utf-8")
    # The kill landed where it should: our entry was in the temp file, not yet in the config.
    [temp] = config.parent.glob(f".mcp.json.*{TEMP_SUFFIX}")
    assert "task-orchestrator" in temp.read_text(encoding="utf-8")

    again = setup("install", "--client", "cursor", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "task-orchestrator" in json.loads(config.read_text(encoding="utf-8"))["mcpServers"]
    assert sorted(p.name for p in config.parent.iterdir()) == ["mcp.json"]

    removed = setup("uninstall", "--client", "cursor", "--yes")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert config.read_bytes() == ORIGINAL.encode("utf-8")
