"""core/root.py computes the data root without platformdirs; it must agree with it."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.root import APP_NAME, data_root


@pytest.mark.parametrize("xdg", [None, "custom-data"])
def test_agrees_with_platformdirs_here(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path, xdg: str | None
) -> None:
    monkeypatch.delenv("TASK_ORCHESTRATOR_HOME")
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME")
    else:
        monkeypatch.setenv("XDG_DATA_HOME", str(isolated_home / xdg))
    expected = platformdirs.user_data_dir(APP_NAME, appauthor=False)
    assert data_root() == expected
    assert default_paths().root == Path(expected)


def test_override_moves_everything(tmp_path: Path) -> None:
    env = {"TASK_ORCHESTRATOR_HOME": str(tmp_path / "x" / ".." / "root")}
    assert data_root(env) == str(tmp_path / "root")


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("darwin", {"HOME": "/Users/ann"}, "/Users/ann/Library/Application Support/" + APP_NAME),
        ("linux", {"HOME": "/home/ann"}, "/home/ann/.local/share/" + APP_NAME),
        ("linux", {"HOME": "/home/ann", "XDG_DATA_HOME": "/data"}, "/data/" + APP_NAME),
        (
            "linux",
            {"HOME": "/home/ann", "XDG_DATA_HOME": "  "},
            "/home/ann/.local/share/" + APP_NAME,
        ),
        (
            "win32",
            {"HOME": "C:/Users/ann", "LOCALAPPDATA": "C:/Users/ann/AppData/Local"},
            "C:/Users/ann/AppData/Local/" + APP_NAME,
        ),
    ],
)
def test_each_os_layout(platform: str, env: dict[str, str], expected: str) -> None:
    assert data_root(env, platform).replace("\\", "/") == expected
