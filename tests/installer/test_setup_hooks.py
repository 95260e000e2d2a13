"""Claude Code hook registration: exec form, matchers, timeouts, update in place, removal of
only our groups, byte-identical round trip."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from task_orchestrator.hooks.spec import HOOK_SPECS
from task_orchestrator.installer import hookreg, jsonedit
from task_orchestrator.installer.catalog import Env, load_clients
from task_orchestrator.installer.launcher import HOOK_CODE, hook_command
from task_orchestrator.installer.setup import install, uninstall

CLAUDE = load_clients()["claude-code"]
THEIRS = {"matcher": "Bash", "hooks": [{"type": "command", "command": "echo hi", "timeout": 5}]}

SETTINGS_VARIANTS = {
    "missing": None,
    "empty-file": "",
    "no-hooks": '{\n  "model": "opus",\n  "permissions": {"allow": ["Bash(ls:*)"]}\n}\n',
    "other-hooks": json.dumps(
        {"hooks": {"PostToolUse": [THEIRS], "Notification": [THEIRS]}, "env": {"A": "1"}}, indent=2
    ),
    "jsonc-crlf": '// mine\r\n{\r\n    "hooks": {\r\n        "SessionStart": [],\r\n    },\r\n}\r\n',
}


@pytest.mark.parametrize("variant", list(SETTINGS_VARIANTS))
def test_hooks_roundtrip(variant: str, program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    path = env.home / ".claude" / "settings.json"
    original = SETTINGS_VARIANTS[variant]
    if original is not None:
        path.parent.mkdir()
        path.write_bytes(original.encode("utf-8"))
    changes = install([CLAUDE], "user", env, dry_run=False, hooks=True)
    assert [c.action for c in changes] == ["installed", "installed"], changes
    value = jsonedit.loads(path.read_text(encoding="utf-8"))
    for spec in HOOK_SPECS:
        groups = value["hooks"][spec.event]
        ours = [g for g in groups if (g["hooks"][0].get("args") or [])[-2:] == ["hook", spec.event]]
        assert len(ours) == 1
        # The interpreter beside the console script, isolated, running our entry point.
        assert ours[0]["hooks"] == [
            {
                "type": "command",
                "command": str(program.with_name(Path(sys.executable).name)),
                "args": ["-I", "-c", HOOK_CODE, "hook", spec.event],
                "timeout": spec.timeout,
            }
        ]
        assert ours[0].get("matcher") == spec.matcher
    if variant == "other-hooks":
        assert THEIRS in value["hooks"]["PostToolUse"] and value["env"] == {"A": "1"}
    text = path.read_text(encoding="utf-8")
    again = install([CLAUDE], "user", env, dry_run=False, hooks=True)
    assert [c.action for c in again] == ["unchanged", "unchanged"]
    assert path.read_text(encoding="utf-8") == text
    removed = uninstall([CLAUDE], "user", env, dry_run=False, hooks=True)
    assert [c.action for c in removed] == ["removed", "removed"]
    if original is None:
        assert not path.exists()
    else:
        assert path.read_bytes() == original.encode("utf-8")


def test_hooks_update_in_place_when_program_moves(
    program: Path, env_for: Callable[..., Env]
) -> None:
    env = env_for()
    path = env.home / ".claude" / "settings.json"
    path.parent.mkdir()
    old = hookreg.desired_groups("/old place/task-orchestrator")
    doc = {"hooks": {e: [THEIRS, g] for e, g in old.items()}}
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    install([CLAUDE], "user", env, dry_run=False, hooks=True)
    value = jsonedit.loads(path.read_text(encoding="utf-8"))
    for spec in HOOK_SPECS:
        groups = value["hooks"][spec.event]
        assert groups[0] == THEIRS and len(groups) == 2
        assert groups[1] == hookreg.desired_groups(str(program))[spec.event]
    uninstall([CLAUDE], "user", env, dry_run=False, hooks=True)
    value = jsonedit.loads(path.read_text(encoding="utf-8"))
    assert all(value["hooks"][s.event] == [THEIRS] for s in HOOK_SPECS)


def test_console_script_hooks_of_earlier_versions_are_replaced(
    program: Path, env_for: Callable[..., Env]
) -> None:
    """Earlier versions registered ``.../task-orchestrator hook EVENT``; setup recognises
    those as ours, replaces them with the current command, and uninstall removes them."""
    env = env_for()
    path = env.home / ".claude" / "settings.json"
    path.parent.mkdir()
    old = {
        s.event: {
            "hooks": [
                {
                    "type": "command",
                    "command": "/old/bin/task-orchestrator",
                    "args": ["hook", s.event],
                }
            ]
        }
        for s in HOOK_SPECS
    }
    path.write_text(json.dumps({"hooks": {e: [THEIRS, g] for e, g in old.items()}}), "utf-8")
    assert not any(hookreg.registered_events(path.read_text("utf-8"), str(program)).values())
    install([CLAUDE], "user", env, dry_run=False, hooks=True)
    value = jsonedit.loads(path.read_text(encoding="utf-8"))
    want = hookreg.desired_groups(str(program))
    assert all(value["hooks"][s.event] == [THEIRS, want[s.event]] for s in HOOK_SPECS)
    uninstall([CLAUDE], "user", env, dry_run=False, hooks=True)
    value = jsonedit.loads(path.read_text(encoding="utf-8"))
    assert all(value["hooks"][s.event] == [THEIRS] for s in HOOK_SPECS)


def test_frozen_builds_register_the_binary() -> None:
    assert hook_command("/b/task-orchestrator", frozen=True) == ["/b/task-orchestrator"]
    assert hook_command("/v/bin/task-orchestrator", frozen=False)[1:3] == ["-I", "-c"]


def test_project_scope_hooks_go_to_project_settings(
    program: Path, env_for: Callable[..., Env]
) -> None:
    env = env_for()
    install([CLAUDE], "project", env, dry_run=False, hooks=True)
    assert (env.project / ".claude" / "settings.json").exists()
    assert (env.project / ".mcp.json").exists()
    assert not (env.home / ".claude" / "settings.json").exists()


def test_no_hooks_flag(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    changes = install([CLAUDE], "user", env, dry_run=False, hooks=False)
    assert [c.client for c in changes] == ["claude-code"]
    assert not (env.home / ".claude" / "settings.json").exists()


def test_registered_events_reports_stale(program: Path) -> None:
    text, _ = hookreg.install_hooks("", "/a/task-orchestrator")
    assert all(hookreg.registered_events(text, "/a/task-orchestrator").values())
    assert not any(hookreg.registered_events(text, "/b/task-orchestrator").values())
