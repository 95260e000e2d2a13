"""Running the board: the socket, the printed address, the browser, uvicorn, Ctrl-C."""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import threading
from typing import Any

import uvicorn

from ..core.paths import default_paths
from ..core.store import TaskStore
from ..core.workspace import find_workspace, unsuitable_workspace
from ..errors import UserError
from .app import build_app
from .live import Watcher


def project_folder(workspace: str | None) -> str | None:
    """The project root whose workspace the board shows first: ``--workspace``'s, else the
    current folder's (none when that is the home folder, / or a system folder)."""
    folder = find_workspace(workspace or os.getcwd())
    why = unsuitable_workspace(folder)
    if why is None:
        return folder
    if workspace is not None:
        raise UserError(f"{why}, which cannot be a workspace; pass a project's folder")
    return None


def bind(port: int | None) -> socket.socket:
    """A listening socket on 127.0.0.1 (a free port when ``port`` is None)."""
    if port is not None and not 1 <= port <= 65535:
        raise UserError(
            f"--port {port} is not a port number; give one from 1 to 65535, or leave "
            "--port out to use a free one"
        )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port or 0))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UserError(
                f"port {port} on 127.0.0.1 is in use; pick another --port, or leave it out "
                "to use a free one"
            ) from None
        raise UserError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    return sock


def serve_board(
    *, port: int | None, open_browser: bool, as_json: bool, workspace: str | None
) -> None:
    folder = project_folder(workspace)
    db_path = default_paths().store()  # the SQLite file, or a PostgreSQL URL
    # Creates (and migrates) the store if this is the first program to run; closed again
    # before any other connection of this process opens (docs/ARCHITECTURE.md, "The store
    # file").
    TaskStore.open(db_path).close()
    sock = bind(port)
    actual = sock.getsockname()[1]
    app, access, board = build_app(db_path, port=actual, folder=folder)
    # From the printed address on, Ctrl-C stops the board cleanly, even before uvicorn has
    # taken the signal over (click would turn the interrupt into "Aborted.", exit 1).
    try:
        if as_json:
            print(json.dumps({"url": access.url}), flush=True)
        else:
            print(f"task-orchestrator board: {access.url}", flush=True)
            print("(the link works once, in one browser; Ctrl-C stops the board)", flush=True)
        if open_browser:
            import webbrowser

            # A thread: some browsers' launchers block until the browser exits.
            threading.Thread(target=webbrowser.open, args=(access.url,), daemon=True).start()
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="on",
            ws="none",
            # A backstop: the streams end at once on Ctrl-C (see _Server), other requests
            # are short.
            timeout_graceful_shutdown=3,
        )
        _Server(config, board.watcher).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("task-orchestrator board: stopped", file=sys.stderr)


class _Server(uvicorn.Server):
    """uvicorn's server whose exit signal also ends the live streams, which would
    otherwise keep the graceful shutdown waiting for ever."""

    def __init__(self, config: uvicorn.Config, watcher: Watcher) -> None:
        super().__init__(config)
        self.watcher = watcher

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.watcher.stop()
        super().handle_exit(sig, frame)
