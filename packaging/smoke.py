"""Smoke test of a built binary, as a user and a client would run it.

    python packaging/smoke.py [--binary PATH]... [--only CHECK]...

(default binary: dist/task-orchestrator/task-orchestrator, the onedir build)

Each check runs in its own temporary HOME and data root, with a minimal environment (the
PATH a GUI client gives: /usr/bin:/bin), from a project folder that holds a ``click.py`` and
an ``mcp/`` package that would break us if they shadowed our imports:

- ``--version`` prints the version;
- ``setup install --all --dry-run --yes`` exits 0 and changes nothing (fixture clients);
- ``setup install --all --yes`` copies the binary to its stable place, registers that path
  in a client config, the registered command runs, and a second setup copies nothing;
- ``serve`` answers initialize, tools/list (16 tools) and tools/call over stdio;
- ``hook SessionStart`` with a real Claude Code payload exits 0 with valid JSON or nothing;
- ``tasks add``, ``start``, ``done`` and ``list --json`` change and read the store;
- ``board --no-open --json`` serves its page (package data inside the binary), exchanges its
  one-time token for a cookie, answers the columns with it, and stops on SIGINT.

Standard library only. Ends with ``smoke: N passed, N failed``; exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXE = ".exe" if os.name == "nt" else ""
DEFAULT_BINARY = ROOT / "dist" / "task-orchestrator" / ("task-orchestrator" + EXE)
FIXTURE = ROOT / "tests" / "packaging" / "fixtures" / "SessionStart.json"
SERVER_NAME = "task-orchestrator"
TOOL_COUNT = 16
TIMEOUT = 60.0


def expected_version() -> str:
    text = (ROOT / "task_orchestrator" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', text)
    assert match, "no __version__ in task_orchestrator/__init__.py"
    return match.group(1)


class Sandbox:
    """A temporary HOME, data root and project folder, and the environment that uses them."""

    def __init__(self, base: Path) -> None:
        self.home = base / "home"
        self.root = base / "orchestrator"
        self.project = base / "project"
        for d in (self.home, self.project / ".git", self.project / "mcp"):
            d.mkdir(parents=True)
        # Would break an import that looked in the cwd first.
        (self.project / "click.py").write_text("raise ImportError('shadowed click')\n", "utf-8")
        (self.project / "mcp" / "__init__.py").write_text(
            "raise ImportError('shadowed mcp')\n", "utf-8"
        )

    def env(self) -> dict[str, str]:
        # Built from nothing, not copied: a GUI client passes little more than this.
        env = {
            "HOME": str(self.home),
            "USERPROFILE": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_STATE_HOME": str(self.home / ".local" / "state"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "APPDATA": str(self.home / "AppData" / "Roaming"),
            "LOCALAPPDATA": str(self.home / "AppData" / "Local"),
            "TASK_ORCHESTRATOR_HOME": str(self.root),
            "PATH": "/usr/bin:/bin",
        }
        if os.name == "nt":
            # Windows programs (Python included) cannot start without these.
            for var in ("SYSTEMROOT", "WINDIR", "COMSPEC", "TEMP", "TMP"):
                if var in os.environ:
                    env[var] = os.environ[var]
            env["PATH"] = os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32")
        return env

    def write_clients(self) -> dict[Path, bytes]:
        """Config files of a few clients, each with something of the user's to keep."""
        other = {"mcpServers": {"other": {"command": "/usr/bin/true", "args": []}}}
        files = {
            self.home / ".cursor" / "mcp.json": other,
            self.home / ".codeium" / "windsurf" / "mcp_config.json": other,
            self.home / ".gemini" / "settings.json": {"theme": "Default", **other},
            self.home / ".claude.json": {"numStartups": 3},
            self.home / ".claude" / "settings.json": {"permissions": {"allow": []}},
        }
        contents: dict[Path, bytes] = {}
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            raw = (json.dumps(data, indent=2) + "\n").encode()
            path.write_bytes(raw)
            contents[path] = raw
        return contents

    def stable_executable(self, version: str) -> Path:
        # Mirrors installer/selfinstall.py's Layout; spelled out so a change there shows up.
        if os.name == "nt":
            return self.root / "bin" / version / "task-orchestrator.exe"
        return self.root / "bin" / "task-orchestrator"


def run(
    binary: Path, args: list[str], box: Sandbox, stdin: str = "", timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=box.project,
        env=box.env(),
        timeout=timeout,
    )


def expect_ok(proc: subprocess.CompletedProcess[str], what: str) -> None:
    assert proc.returncode == 0, (
        f"{what}: exit {proc.returncode}\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
    )


def check_version(binary: Path, box: Sandbox) -> str:
    proc = run(binary, ["--version"], box)
    expect_ok(proc, "--version")
    assert expected_version() in proc.stdout, f"--version printed {proc.stdout!r}"
    return proc.stdout.strip()


def check_setup_dry_run(binary: Path, box: Sandbox) -> str:
    before = box.write_clients()
    proc = run(binary, ["setup", "install", "--all", "--dry-run", "--yes"], box)
    expect_ok(proc, "setup install --all --dry-run --yes")
    changed = [str(p) for p, raw in before.items() if p.read_bytes() != raw]
    assert not changed, f"a dry run changed {changed}"
    assert not (box.root / "bin").exists(), "a dry run installed the binary"
    return f"{len(before)} fixture configs untouched"


def check_setup_install(binary: Path, box: Sandbox) -> str:
    box.write_clients()
    args = ["setup", "install", "--all", "--yes"]
    expect_ok(run(binary, args, box), "setup install --all --yes")
    stable = box.stable_executable(expected_version())
    assert stable.is_file(), f"setup did not install the binary at {stable}"
    cursor = json.loads((box.home / ".cursor" / "mcp.json").read_text("utf-8"))
    servers = cursor.get("mcpServers", {})
    assert "other" in servers, "setup dropped the user's own server entry"
    entry = servers.get(SERVER_NAME)
    assert entry, f"no {SERVER_NAME} entry in Cursor's config: {cursor}"
    assert entry["command"] == str(stable), f"registered {entry['command']}, not {stable}"
    proc = subprocess.run(
        [entry["command"], "--version"],
        capture_output=True,
        text=True,
        cwd=box.project,
        env=box.env(),
        timeout=TIMEOUT,
    )
    expect_ok(proc, "the registered command --version")
    installed = stable.resolve().parent
    stamp = installed.stat().st_mtime_ns
    again = run(stable, args, box)
    expect_ok(again, "setup again, from the installed binary")
    assert installed.stat().st_mtime_ns == stamp, "the second setup copied the binary again"
    return f"registered {stable}"


class StdioClient:
    """Just enough of an MCP client: newline-delimited JSON-RPC over a child's stdio."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(b"")

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", **message}).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no answer to {method} within {TIMEOUT:.0f}s") from None
            assert line, f"the server closed stdout before answering {method}"
            message = json.loads(line)  # anything but JSON on stdout breaks the protocol
            if message.get("id") == self.next_id and "method" not in message:
                assert "error" not in message, f"{method} failed: {message['error']}"
                result: dict[str, Any] = message["result"]
                return result


def check_serve(binary: Path, box: Sandbox) -> str:
    proc = subprocess.Popen(
        [str(binary), "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=box.project,
        env=box.env(),
    )
    try:
        client = StdioClient(proc)
        start = time.perf_counter()
        init = client.request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "smoke", "version": "0"},
            },
        )
        ready = time.perf_counter() - start
        assert init.get("serverInfo", {}).get("name"), f"initialize answered {init}"
        client.send({"method": "notifications/initialized"})
        tools = client.request("tools/list", {})["tools"]
        names = sorted(t["name"] for t in tools)
        assert len(names) == TOOL_COUNT, f"{len(names)} tools, not {TOOL_COUNT}: {names}"
        assert all(t.get("description") for t in tools), "a tool has no description"
        result = client.request(
            "tools/call", {"name": "orchestrator_health_check", "arguments": {}}
        )
        assert not result.get("isError"), f"orchestrator_health_check failed: {result}"
        assert result.get("content") or result.get("structuredContent"), f"empty: {result}"
    except BaseException:
        proc.kill()
        _, err = proc.communicate(timeout=TIMEOUT)
        sys.stderr.write(err.decode("utf-8", "replace")[-3000:])
        raise
    assert proc.stdin is not None
    proc.stdin.close()  # end of input is how a stdio client says goodbye
    try:
        proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("serve did not exit when its stdin closed") from None
    return f"initialize in {ready * 1000:.0f} ms, {len(names)} tools, health check ok"


def check_hook(binary: Path, box: Sandbox) -> str:
    payload = json.loads(FIXTURE.read_text("utf-8"))
    payload["cwd"] = str(box.project)
    payload["transcript_path"] = str(box.home / "transcript.jsonl")
    start = time.perf_counter()
    proc = run(binary, ["hook", "SessionStart"], box, stdin=json.dumps(payload))
    took = time.perf_counter() - start
    expect_ok(proc, "hook SessionStart")
    if proc.stdout.strip():
        answer = json.loads(proc.stdout)
        assert isinstance(answer, dict), f"hook answered {answer!r}"
        specific = answer.get("hookSpecificOutput")
        if specific is not None:
            assert specific.get("hookEventName") == "SessionStart", f"hook answered {answer}"
        return f"JSON answer in {took * 1000:.0f} ms"
    return f"empty answer in {took * 1000:.0f} ms"


def check_tasks(binary: Path, box: Sandbox) -> str:
    added = run(binary, ["tasks", "add", "Smoke task", "--json"], box)
    expect_ok(added, "tasks add")
    task_id = json.loads(added.stdout)["task"]["id"]
    for args in (["tasks", "start", task_id], ["tasks", "done", task_id, "--summary", "ok"]):
        expect_ok(run(binary, args, box), " ".join(args[:2]))
    listed = run(binary, ["tasks", "list", "--all", "--json"], box)
    expect_ok(listed, "tasks list")
    statuses = {t["id"]: t["status"] for t in json.loads(listed.stdout)["plans"]}
    assert statuses.get(task_id) == "completed", f"tasks list --all --json: {listed.stdout}"
    return f"added, started and completed {task_id}"


def check_board(binary: Path, box: Sandbox) -> str:
    import http.client
    import signal
    from urllib.parse import urlsplit

    expect_ok(run(binary, ["tasks", "add", "A card"], box), "tasks add")
    proc = subprocess.Popen(
        [str(binary), "board", "--no-open", "--json"],
        cwd=box.project,
        env=box.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = json.loads(proc.stdout.readline())["url"]
        parts = urlsplit(url)
        host = f"{parts.hostname}:{parts.port}"

        def get(path: str, cookie: str = "") -> tuple[int, str, bytes]:
            """Status, Set-Cookie and body; the connection closed before returning."""
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
            try:
                conn.request("GET", path, headers={"Host": host, "Cookie": cookie})
                answer = conn.getresponse()
                return answer.status, answer.getheader("Set-Cookie") or "", answer.read()
            finally:
                conn.close()

        status, set_cookie, _ = get(f"{parts.path}?{parts.query}")
        assert status in (302, 303, 307), f"token exchange answered {status}"
        cookie = set_cookie.split(";", 1)[0]
        assert "=" in cookie, "the token was not exchanged for a cookie"
        status, _, page = get("/", cookie)
        assert status == 200 and b"board.js" in page, "the page is not served"
        status, _, script = get("/board.js", cookie)
        assert status == 200 and len(script) > 1000, "board.js is not served"
        known = json.loads(get("/api/workspaces", cookie)[2])
        status, _, columns = get(f"/api/columns?workspace={known['default']}", cookie)
        assert status == 200, f"/api/columns answered {status}"
        assert "A card" in columns.decode(), "the task is not on the board"
        assert get("/api/workspaces")[0] in (401, 403), "a request without the cookie passed"
    finally:
        if os.name == "nt":
            proc.terminate()
        else:
            proc.send_signal(signal.SIGINT)
        code = proc.wait(TIMEOUT)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert os.name == "nt" or code == 0, f"board exited {code} on SIGINT"
    return f"page, script and columns served at {host}; stopped cleanly"


CHECKS: dict[str, Callable[[Path, Sandbox], str]] = {
    "version": check_version,
    "setup-dry-run": check_setup_dry_run,
    "setup-install": check_setup_install,
    "serve": check_serve,
    "hook": check_hook,
    "tasks": check_tasks,
    "board": check_board,
}


def smoke(binary: Path, only: list[str] | None) -> tuple[int, int]:
    print(f"smoke test of {binary}", flush=True)
    passed = failed = 0
    for name, check in CHECKS.items():
        if only and name not in only:
            continue
        base = Path(tempfile.mkdtemp(prefix=f"smoke-{name}-"))
        try:
            detail = check(binary, Sandbox(base))
        except Exception as exc:
            failed += 1
            print(f"FAIL {name}: {exc}", flush=True)
            if not isinstance(exc, AssertionError):
                traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name}: {detail}", flush=True)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return passed, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test built binaries.")
    parser.add_argument(
        "--binary", type=Path, action="append", help=f"repeatable; default {DEFAULT_BINARY}"
    )
    parser.add_argument("--only", action="append", choices=sorted(CHECKS), help="repeatable")
    opts = parser.parse_args(argv)
    binaries = [b.absolute() for b in opts.binary or [DEFAULT_BINARY]]
    missing = [str(b) for b in binaries if not b.is_file()]
    if missing:
        print(f"smoke: no binary at {missing}; build it with packaging/build.py", file=sys.stderr)
        return 2
    start = time.perf_counter()
    passed = failed = 0
    for binary in binaries:
        p, f = smoke(binary, opts.only)
        passed, failed = passed + p, failed + f
    print(f"smoke took {time.perf_counter() - start:.1f}s")
    # The last line, in the plain form CI reads as a test count.
    print(f"smoke: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
