"""Detection: config folder, app bundle, executable on PATH, running process; and psutil."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

from task_orchestrator.installer.catalog import Env, load_clients
from task_orchestrator.installer.detect import detect, running_process_names

CATALOG = load_clients()


def test_nothing_found_on_an_empty_home(env_for: Callable[..., Env]) -> None:
    env = env_for("macos")
    for client in CATALOG.values():
        if client.id == "claude-desktop":
            continue  # /Applications is absolute; this host has none, but be safe
        d = detect(client, env, set())
        assert not d.found, (client.id, d.reasons)


def test_each_signal(env_for: Callable[..., Env], tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "codex"
    exe.write_text("#!/bin/sh\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    env = env_for("windows", PATH=str(bindir))
    (env.home / ".cursor").mkdir()
    app = env.home / "AppData/Local/Programs/Windsurf/Windsurf.exe"
    app.parent.mkdir(parents=True)
    app.write_text("", encoding="utf-8")
    assert detect(CATALOG["cursor"], env, None).reasons == [f"folder {env.home / '.cursor'}"]
    assert detect(CATALOG["windsurf"], env, None).reasons == [f"app {app}"]
    assert detect(CATALOG["codex"], env, None).reasons == [f"executable {exe}"]
    zed = detect(CATALOG["zed"], env, {"zed-editor"})
    assert zed.found and zed.running and zed.reasons == ["running process zed-editor"]


def test_running_process_names_sees_this_python() -> None:
    names = running_process_names()
    assert any(n.startswith("python") or n == "pytest" for n in names)
