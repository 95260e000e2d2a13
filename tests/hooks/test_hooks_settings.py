"""Hook settings: defaults without a file, values and problems from the [hooks] table, the
paths agree with core.paths, and ``task-orchestrator config`` shows all of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hooks_support import assert_shape, fixture, run_hook

from task_orchestrator.core.paths import default_paths
from task_orchestrator.hooks import settings as hs


def test_paths_agree_with_core(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert hs.config_file() == str(default_paths().config_file)
    assert hs.log_dir() == str(default_paths().logs)
    monkeypatch.delenv("TASK_ORCHESTRATOR_HOME")
    assert hs.data_root() == str(default_paths().root)
    # Same folder, though spelled differently: core keeps "..", we normalize it.
    monkeypatch.setenv("TASK_ORCHESTRATOR_HOME", "~/x/../y")
    assert os.path.realpath(hs.data_root()) == os.path.realpath(default_paths().root)


def test_defaults_need_no_file() -> None:
    s = hs.load_settings()
    assert (s.auto_plan, s.mirror, s.auto_complete, s.health_check) == ("auto", True, "on", True)
    assert (s.stale_hours, s.context_chars) == (24.0, 4000)
    assert set(s.sources.values()) == {"default"} and s.problems == []


def test_values_and_problems(write_config: Any) -> None:
    write_config(
        "[hooks]\nauto_plan = 'suggest'\nmirror = false\nauto_complete = 'sometimes'\n"
        "stale_hours = 2\ncontext_chars = 10\nbogus = 1\n"
    )
    s = hs.load_settings()
    assert (s.auto_plan, s.mirror, s.auto_complete, s.stale_hours, s.context_chars) == (
        "suggest",
        False,
        "on",
        2.0,
        4000,
    )
    assert s.sources["auto_plan"] == "file" and s.sources["auto_complete"] == "default"
    assert len(s.problems) == 3


@pytest.mark.parametrize("text", ["[hooks\n", "hooks = 3\n", b"\xff\xfe".decode("latin-1")])
def test_broken_file_means_defaults(text: str, write_config: Any, project: Path) -> None:
    write_config(text)
    s = hs.load_settings()
    assert s.auto_plan == "auto" and s.problems
    answer = assert_shape(
        run_hook("SessionStart", fixture("SessionStart", project)), "SessionStart"
    )
    assert answer is not None and "task-orchestrator config" in answer["systemMessage"]


def _config(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "task_orchestrator", "config", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_config_command(write_config: Any) -> None:
    out = _config()
    assert out.returncode == 0 and "not present: all defaults" in out.stdout
    assert 'auto_plan     = "auto"' in out.stdout and "hooks.log" in out.stdout
    path = write_config("[hooks]\nauto_complete = 'strict'\n")
    data = json.loads(_config("--json").stdout)
    assert data["config_file"] == str(path) and data["exists"] is True
    assert data["hooks"]["auto_complete"] == {"value": "strict", "source": "file"}
    assert data["hooks"]["mirror"] == {"value": "on", "source": "default"}


def test_hook_help_goes_through_click() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "task_orchestrator", "hook", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and "SessionStart" in out.stdout


def _state(s: hs.Settings) -> tuple[Any, ...]:
    return dict(s.values), dict(s.sources), list(s.problems)


@pytest.mark.usefixtures("without_coverage")
def test_a_config_file_is_parsed_once_then_read_from_the_cache(
    write_config: Any, project: Path
) -> None:
    """tomllib costs a hook about 12 ms; it runs again only when the file's bytes change."""
    write_config("[hooks]\nauto_plan = 'suggest'  # ü\nstale_hours = 2\nbogus = 1\n")
    first = hs.load_settings()
    cache = default_paths().root / "cache" / "hooks-settings.json"
    assert cache.is_file()
    assert _state(hs.load_settings()) == _state(first)
    assert first.auto_plan == "suggest" and first.stale_hours == 2.0
    assert first.problems == ["hooks.bogus is not a setting (ignored)"]
    # A hook process that finds the cache current never imports tomllib.
    code = (
        "import sys; from task_orchestrator.hooks.settings import load_settings; "
        "s = load_settings(); print(s.auto_plan, 'tomllib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["suggest", "False"]
    # An edit of the same size is seen: the cache holds the file's bytes, not its mtime.
    write_config("[hooks]\nauto_plan = 'off'      # ü\nstale_hours = 2\nbogus = 1\n")
    assert hs.load_settings().auto_plan == "off"


@pytest.mark.parametrize("damage", ["garbage", "other-shape", "unreadable"])
def test_a_damaged_cache_means_parsing_again(write_config: Any, damage: str) -> None:
    write_config("[hooks]\nmirror = 'off'\n")
    want = _state(hs.load_settings())
    cache = default_paths().root / "cache" / "hooks-settings.json"
    if damage == "unreadable":
        cache.unlink()
        cache.mkdir()  # reading a folder fails; so does replacing it
    else:
        cache.write_text("{not json" if damage == "garbage" else '{"source": 1}')
    assert _state(hs.load_settings()) == want


def test_invalid_toml_is_reported_from_the_cache_too(write_config: Any) -> None:
    write_config("[hooks\nauto_plan = 'off'\n")
    for _ in range(2):
        s = hs.load_settings()
        assert s.auto_plan == "auto" and "is not valid TOML" in s.problems[0]


def test_capture_prompts_is_shown_and_a_bad_value_keeps_less(write_config: Any) -> None:
    assert hs.load_settings().capture_prompts is True  # the default: prompts are kept
    out = _config()
    assert 'capture_prompts = "on"' in out.stdout
    write_config("[hooks]\ncapture_prompts = false\n")
    s = hs.load_settings()
    # Someone who wrote "false" wanted less kept, not the default: titles only.
    assert s.capture_prompts is False and s.values["capture_prompts"] == "title"
    assert s.problems == [
        "hooks.capture_prompts = 'off' is not one of ('on', 'title'); using 'title'"
    ]
    data = json.loads(_config("--json").stdout)
    assert data["hooks"]["capture_prompts"] == {"value": "title", "source": "file"}


def test_every_setting_is_in_the_readme_and_the_config_help() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Configure or turn off", 1)[1].split("```toml", 1)[1].split("```")[0]
    helped = _config("--help").stdout
    for key in [*hs.CHOICES, *hs.NUMBERS]:
        assert f"\n{key} = " in block, f"README's [hooks] block lacks {key}"
        if key in hs.CHOICES:
            assert f"{key} = " in helped, f"`task-orchestrator config --help` lacks {key}"
