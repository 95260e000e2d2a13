"""A member's machine: with ``[team]`` set, the real hook command posts its event to a real
HTTP server (``http.server`` in a thread, standing in for the team server's /hooks endpoint)
and prints its answer; what cannot be delivered waits in data/team-spool.jsonl and goes, in
order, before the next event that gets through."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hooks_support import fixture, hook_command, run_hook

from task_orchestrator.core.paths import default_paths
from task_orchestrator.hooks import team, team_http

TOKEN = "to_secret-token-value-1234567890"
VAR = "TEAM_TOKEN_FOR_TEST"


class FakeTeamServer:
    """Records every request; answers per event with what ``replies`` says (status, body,
    delay), else 200 and an answer naming the event."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: dict[str, tuple[int, bytes, float]] = {}
        self.fail_next: list[int] = []  # statuses for the next requests, whatever the event
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                event = self.path.rsplit("/", 1)[-1]
                outer.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
                )
                if outer.fail_next:
                    status, data, delay = outer.fail_next.pop(0), b"{}", 0.0
                else:
                    status, data, delay = outer.replies.get(
                        event,
                        (200, json.dumps({"systemMessage": f"server saw {event}"}).encode(), 0.0),
                    )
                time.sleep(delay)
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "3")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        if tls is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://localhost:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[str]:
        return [r["path"].rsplit("/", 1)[-1] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[FakeTeamServer]:
    s = FakeTeamServer()
    yield s
    s.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _team_config(url: str, **more: object) -> Path:
    path = default_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["[team]", f'url = "{url}"', f'token_env = "{VAR}"', 'machine = "laptop-1"']
    lines += [f"{k} = {json.dumps(v)}" for k, v in more.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _env(token: str | None = TOKEN) -> dict[str, str]:
    env = dict(os.environ)
    env.pop(VAR, None)
    if token is not None:
        env[VAR] = token
    return env


def _spool() -> Path:
    return default_paths().data / "team-spool.jsonl"


def _log() -> str:
    path = default_paths().logs / "hooks.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _git_project(folder: Path) -> Path:
    (folder / ".git").mkdir(parents=True, exist_ok=True)
    (folder / ".git" / "config").write_text(
        '[remote "origin"]\n\turl = git@github.com:Acme/App.git\n', encoding="utf-8"
    )
    return folder


def test_an_event_goes_to_the_server_and_its_answer_is_the_hooks(
    server: FakeTeamServer, workspace_dir: Path
) -> None:
    project = _git_project(workspace_dir)
    _team_config(server.url)
    run = run_hook("UserPromptSubmit", fixture("UserPromptSubmit", project), env=_env())
    assert run.returncode == 0, run.stderr
    assert run.answer == {"systemMessage": "server saw UserPromptSubmit"}
    [request] = server.requests
    assert request["path"] == "/hooks/UserPromptSubmit"
    headers = request["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["X-Task-Orchestrator-Machine"] == "laptop-1"
    assert headers["X-Task-Orchestrator-Workspace"] == "github.com/Acme/App"
    assert headers["X-Task-Orchestrator-Root"] == str(project)
    assert request["body"]["hook_event_name"] == "UserPromptSubmit"
    # The store is the server's: nothing local, and nothing waits.
    assert not default_paths().db.exists()
    assert not _spool().exists()


def test_a_written_files_contents_never_leave_the_machine(
    server: FakeTeamServer, workspace_dir: Path
) -> None:
    _team_config(server.url)
    payload = fixture("PostToolUse-Write", workspace_dir)
    assert payload["tool_input"]["content"]
    run_hook("PostToolUse", payload, env=_env())
    [request] = server.requests
    assert "content" not in request["body"]["tool_input"]
    assert request["body"]["tool_input"]["file_path"] == payload["tool_input"]["file_path"]


def test_a_folder_without_a_remote_is_machine_and_path_and_a_unicode_path_is_utf8(
    server: FakeTeamServer, tmp_path: Path
) -> None:
    project = tmp_path / "prøject ü"
    (project / ".git").mkdir(parents=True)
    _team_config(server.url)
    run_hook("Stop", fixture("Stop", project), env=_env())
    headers = server.requests[0]["headers"]

    def utf8(value: str) -> str:  # http.server reads header bytes as latin-1
        return value.encode("latin-1").decode("utf-8")

    assert utf8(headers["X-Task-Orchestrator-Root"]) == str(project)
    assert utf8(headers["X-Task-Orchestrator-Workspace"]) == f"laptop-1:{project}"


def test_without_the_token_variable_nothing_is_sent_and_session_start_says_what_to_export(
    server: FakeTeamServer, workspace_dir: Path
) -> None:
    _team_config(server.url)
    run = run_hook("SessionStart", fixture("SessionStart", workspace_dir), env=_env(None))
    assert run.returncode == 0
    assert VAR in run.answer["systemMessage"] and "export" in run.answer["systemMessage"]
    quiet = run_hook("Stop", fixture("Stop", workspace_dir), env=_env(None))
    assert quiet.returncode == 0 and quiet.answer is None
    assert server.requests == []
    assert f"{VAR} is not set" in _log()
    assert not default_paths().db.exists() and not _spool().exists()


def test_an_unusable_team_table_fails_open_without_a_local_store(workspace_dir: Path) -> None:
    _team_config("ftp://example.com")
    run = run_hook("UserPromptSubmit", fixture("UserPromptSubmit", workspace_dir), env=_env())
    assert run.returncode == 0
    assert "[team] in config.toml is not usable" in run.answer["systemMessage"]
    assert "is not an http:// or https:// URL" in _log()
    assert not default_paths().db.exists()


def test_a_team_servers_own_team_table_leaves_the_hooks_local(workspace_dir: Path) -> None:
    """[team] hook_rate is the server's setting (no url): its machine's hooks stay local."""
    path = default_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[team]\nhook_rate = 5\n", encoding="utf-8")
    run = run_hook("UserPromptSubmit", fixture("UserPromptSubmit", workspace_dir), env=_env())
    assert run.returncode == 0
    assert default_paths().db.exists()  # the local store took the prompt
    assert "team" not in _log()


def test_server_down_spools_then_the_next_event_sends_them_first_in_order(
    workspace_dir: Path,
) -> None:
    port = _free_port()
    _team_config(f"http://127.0.0.1:{port}")
    run = run_hook("UserPromptSubmit", fixture("UserPromptSubmit", workspace_dir), env=_env())
    assert run.returncode == 0
    assert "will be sent later" in run.answer["systemMessage"]
    run_hook("TaskCreated", fixture("TaskCreated", workspace_dir), env=_env())
    run_hook("PostToolUse", fixture("PostToolUse-TaskCreate", workspace_dir), env=_env())
    spool = _spool()
    assert stat.S_IMODE(spool.stat().st_mode) == 0o600
    text = spool.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["event"] for line in lines] == ["UserPromptSubmit", "TaskCreated", "PostToolUse"]
    assert TOKEN not in text and "Authorization" not in text
    assert lines[0]["headers"]["X-Task-Orchestrator-Machine"] == "laptop-1"
    assert team.waiting() == 3
    # The server comes up on the port the config names.
    up = _server_on(port)
    try:
        run = run_hook("Stop", fixture("Stop", workspace_dir), env=_env())
        assert run.answer == {"systemMessage": "server saw Stop"}
        assert up.events() == ["UserPromptSubmit", "TaskCreated", "PostToolUse", "Stop"]
        assert all(r["headers"]["Authorization"] == f"Bearer {TOKEN}" for r in up.requests)
        assert not spool.exists()
    finally:
        up.close()


def _server_on(port: int) -> FakeTeamServer:
    """A FakeTeamServer on a given port (the one a member's config already names)."""
    original = ThreadingHTTPServer.__init__

    def bind_there(self: Any, address: Any, handler: Any, *a: Any, **k: Any) -> None:
        original(self, ("127.0.0.1", port), handler, *a, **k)

    ThreadingHTTPServer.__init__ = bind_there  # type: ignore[method-assign]
    try:
        return FakeTeamServer()
    finally:
        ThreadingHTTPServer.__init__ = original  # type: ignore[method-assign]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_5xx_or_429_is_spooled_and_a_401_or_404_is_not(
    server: FakeTeamServer, workspace_dir: Path, status: int
) -> None:
    _team_config(server.url)
    server.fail_next = [status]
    run_hook("TaskCreated", fixture("TaskCreated", workspace_dir), env=_env())
    assert [json.loads(x)["event"] for x in _spool().read_text().splitlines()] == ["TaskCreated"]
    if status == 429:
        assert "retry after 3 s" in _log()
    # Up again: the spooled event goes first.
    run_hook("TaskCompleted", fixture("TaskCompleted", workspace_dir), env=_env())
    assert server.events() == ["TaskCreated", "TaskCreated", "TaskCompleted"]
    assert not _spool().exists()


@pytest.mark.parametrize("status", [401, 404, 413])
def test_a_refusal_is_logged_and_dropped_not_spooled(
    server: FakeTeamServer, workspace_dir: Path, status: int
) -> None:
    _team_config(server.url)
    server.fail_next = [status]
    run = run_hook("UserPromptSubmit", fixture("UserPromptSubmit", workspace_dir), env=_env())
    assert run.returncode == 0
    assert not _spool().exists()
    log = _log()
    assert f"HTTP {status}" in log
    if status == 401:
        assert f"refused the token in {VAR}" in run.answer["systemMessage"]
        assert "ERROR" in log
        assert TOKEN not in log


def test_a_slow_server_times_out_within_the_configured_budget(
    server: FakeTeamServer, workspace_dir: Path
) -> None:
    _team_config(server.url, timeout=0.5)
    server.replies["Stop"] = (200, b"{}", 3.0)
    started = time.monotonic()
    run = run_hook("Stop", fixture("Stop", workspace_dir), env=_env())
    took = time.monotonic() - started
    assert run.returncode == 0 and run.answer is None
    assert took < 2.5, took  # 0.5 s of waiting plus a Python start, never the server's 3 s
    assert "timed out" in _log()
    assert [json.loads(x)["event"] for x in _spool().read_text().splitlines()] == ["Stop"]


def test_draining_stops_at_the_first_failure_and_keeps_the_order(
    server: FakeTeamServer, workspace_dir: Path
) -> None:
    _team_config(server.url)
    server.fail_next = [503]
    run_hook("TaskCreated", fixture("TaskCreated", workspace_dir), env=_env())
    server.fail_next = [503]  # the drain's first send fails: nothing overtakes it
    run_hook("TaskCompleted", fixture("TaskCompleted", workspace_dir), env=_env())
    spooled = [json.loads(x)["event"] for x in _spool().read_text().splitlines()]
    assert spooled == ["TaskCreated", "TaskCompleted"]
    run_hook("SubagentStart", fixture("SubagentStart", workspace_dir), env=_env())
    assert server.events() == [
        "TaskCreated",  # 503: spooled
        "TaskCreated",  # 503 again while draining: TaskCompleted queued behind it
        "TaskCreated",
        "TaskCompleted",
        "SubagentStart",
    ]
    assert not _spool().exists()


def test_session_end_joins_the_spool_and_the_child_drains_after_the_answer(
    server: FakeTeamServer, workspace_dir: Path
) -> None:
    _team_config(server.url)
    server.fail_next = [503]
    run_hook("PreCompact", fixture("SessionStart", workspace_dir), env=_env())
    run = run_hook("SessionEnd", fixture("SessionEnd", workspace_dir), env=_env())
    assert run.returncode == 0
    deadline = time.monotonic() + 10
    while _spool().exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.events() == ["PreCompact", "PreCompact", "SessionEnd"]
    assert not _spool().exists()


def test_a_full_spool_turns_events_away_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(team, "MAX_SPOOL_BYTES", 400)
    line: dict[str, object] = {"event": "Stop", "headers": {}, "body": {"x": "y" * 100}}
    assert team.save(line) and team.save(line)
    assert not team.save(line)
    assert team.waiting() == 2
    assert "is full" in _log() and "was LOST" in _log()


def test_a_damaged_spool_line_is_skipped_and_costs_no_other(
    server: FakeTeamServer, workspace_dir: Path
) -> None:
    _team_config(server.url)
    spool = _spool()
    spool.parent.mkdir(parents=True, exist_ok=True)
    good = {"event": "TaskCreated", "headers": {}, "body": {"cwd": str(workspace_dir)}}
    spool.write_bytes(b"not json\n" + json.dumps(good).encode() + b"\n")
    run_hook("Stop", fixture("Stop", workspace_dir), env=_env())
    assert server.events() == ["TaskCreated", "Stop"]
    assert "damaged line" in _log()


@pytest.mark.usefixtures("without_coverage")
@pytest.mark.parametrize(
    ("event", "name"),
    [
        ("SessionStart", "SessionStart"),
        ("UserPromptSubmit", "UserPromptSubmit"),
        ("PostToolUse", "PostToolUse-Write"),
        ("Stop", "Stop"),
        ("SessionEnd", "SessionEnd"),
    ],
)
def test_a_team_hook_imports_no_http_client_nor_ssl_for_http(
    server: FakeTeamServer, workspace_dir: Path, event: str, name: str
) -> None:
    _team_config(server.url)
    # The first hook after a config change parses it once (tomllib); the others read the
    # settings cache, as every hook of a session does.
    run_hook("Stop", fixture("Stop", workspace_dir), env=_env())
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *hook_command(event)[1:]],
        input=json.dumps(fixture(name, workspace_dir)).encode(),
        capture_output=True,
        timeout=60,
        env=_env(),
    )
    assert proc.returncode == 0
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "task_orchestrator.hooks.team" in names  # the team path ran...
    assert server.events()[-1] == event  # ...and delivered
    heavy_ones = ("http.client", "email.parser", "ssl", "urllib.request", "tomllib", "re", "json")
    for heavy in (*heavy_ones, "socket", "encodings.idna", "logging"):
        assert heavy not in names, heavy


def test_the_wire_client_reads_chunks_and_splits_addresses() -> None:
    assert team_http.split_url("https://team.example.com/base/") == (
        True,
        "team.example.com",
        443,
        "/base",
    )
    assert team_http.split_url("http://[::1]:8080") == (False, "::1", 8080, "")
    assert team_http._unchunk(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n") == b"Wikipedia"
    with pytest.raises(team_http.Unreachable):
        team_http._unchunk(b"9\r\nshort")
    with pytest.raises(team_http.Unreachable):
        team_http._parse(b"SSH-2.0-OpenSSH\r\n\r\n")
    assert team_http.header_value("a%b ü") == "a%b ü"
    assert team_http.header_value("a\nX-Injected: 1") is None


def test_a_line_cut_short_costs_only_itself(server: FakeTeamServer, workspace_dir: Path) -> None:
    """A crash in the middle of an append left half a line: the next event starts a line of
    its own, and the half line is skipped alone."""
    _team_config(server.url)
    spool = _spool()
    spool.parent.mkdir(parents=True, exist_ok=True)
    spool.write_bytes(b'{"event": "TaskCreated", "headers": {}, "bo')
    # The half line waits (it may be one being written): this event queues behind it...
    run_hook("TaskCompleted", fixture("TaskCompleted", workspace_dir), env=_env())
    assert spool.read_bytes().count(b"\n") == 2  # ...on a line of its own
    assert server.events() == []
    run_hook("Stop", fixture("Stop", workspace_dir), env=_env())
    assert server.events() == ["TaskCompleted", "Stop"]
    assert "damaged line" in _log()
    assert not spool.exists()


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (the openssl command line)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_https_verifies_the_servers_certificate(tmp_path: Path, workspace_dir: Path) -> None:
    cert, key = _certificate(tmp_path)
    server = FakeTeamServer(tls=(cert, key))
    try:
        _team_config(server.url)
        # Trusted (as a CA bundle would make it): delivered over TLS.
        trusted = {**_env(), "SSL_CERT_FILE": str(cert)}
        run = run_hook("Stop", fixture("Stop", workspace_dir), env=trusted)
        assert run.answer == {"systemMessage": "server saw Stop"}
        assert server.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
        # Not trusted: nothing goes to a server that cannot prove who it is; the event waits.
        untrusted = {k: v for k, v in _env().items() if k != "SSL_CERT_FILE"}
        run_hook("TaskCreated", fixture("TaskCreated", workspace_dir), env=untrusted)
        assert len(server.requests) == 1
        assert "CERTIFICATE_VERIFY_FAILED" in _log() or "certificate verify failed" in _log()
        assert team.waiting() == 1
    finally:
        server.close()
