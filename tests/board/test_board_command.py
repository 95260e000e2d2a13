"""``task-orchestrator board`` as a person runs it: the printed address, the port, Ctrl-C."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from board_support import BoardProcess

from task_orchestrator.core.store import TaskStore

CLI = str(Path(sys.executable).parent / "task-orchestrator")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=dict(os.environ)
    )


def test_serves_the_printed_address_and_stops_on_ctrl_c(
    workspace_dir: Path, seeded: dict[str, Any]
) -> None:
    with BoardProcess(workspace_dir) as board:
        assert board.url.startswith(f"http://127.0.0.1:{board.port}/?token=")
        conn = http.client.HTTPConnection("127.0.0.1", board.port, timeout=10)
        conn.request("GET", board.url[len(board.origin) :])
        res = conn.getresponse()
        res.read()
        assert res.status == 303
        cookie = res.headers["set-cookie"].split(";")[0]
        conn.request("GET", "/api/workspaces", headers={"Cookie": cookie})
        res = conn.getresponse()
        assert res.status == 200 and json.loads(res.read())["default"] == seeded["ws"]
        # An open live stream must not hold the shutdown.
        conn.request("GET", "/api/events", headers={"Cookie": cookie})
        res = conn.getresponse()
        assert res.status == 200 and res.readline()
        code, err = board.stop()
        conn.close()
    assert code == 0, err
    assert "stopped" in err


def test_busy_port_is_named(workspace_dir: Path, store: TaskStore) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = run_cli("board", "--no-open", "--port", str(port), cwd=workspace_dir)
    assert proc.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in proc.stderr
    assert "leave it out to use a free one" in proc.stderr


def test_port_zero_is_refused_clearly(workspace_dir: Path) -> None:
    proc = run_cli("board", "--no-open", "--port", "0", cwd=workspace_dir)
    assert proc.returncode == 1
    assert "--port 0 is not a port number" in proc.stderr


def test_home_folder_is_no_workspace(workspace_dir: Path, isolated_home: Path) -> None:
    proc = run_cli("board", "--no-open", "--workspace", str(isolated_home), cwd=workspace_dir)
    assert proc.returncode == 1
    assert "is your home folder" in proc.stderr


def test_help_lists_the_board(workspace_dir: Path) -> None:
    proc = run_cli("--help", cwd=workspace_dir)
    assert "board" in proc.stdout
    proc = run_cli("board", "--help", cwd=workspace_dir)
    assert "--no-open" in proc.stdout and "--workspace" in proc.stdout


def test_opens_the_address_in_the_browser(
    workspace_dir: Path, store: TaskStore, tmp_path: Path, monkeypatch: Any
) -> None:
    """Without --no-open the command hands the printed address to the webbrowser module,
    which runs $BROWSER (here a script that writes down what it was given)."""
    seen = tmp_path / "opened.txt"
    fake = tmp_path / "fake-browser"
    fake.write_text(f'#!/bin/sh\necho "$1" > {seen}\n', encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER", f"{fake} %s")
    proc = subprocess.Popen(
        [CLI, "board", "--json"],
        cwd=workspace_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )
    try:
        assert proc.stdout is not None
        url = json.loads(proc.stdout.readline())["url"]
        deadline = time.monotonic() + 20
        while not (seen.exists() and seen.read_text(encoding="utf-8").strip()):
            assert time.monotonic() < deadline, "the browser was never started"
            time.sleep(0.05)
        assert seen.read_text(encoding="utf-8").strip() == url
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)
    assert proc.returncode == 0
