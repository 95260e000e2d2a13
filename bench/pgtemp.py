"""A throwaway PostgreSQL server for the tests and the benchmarks: initdb into a temporary
folder, started with pg_ctl on a unix socket in that folder (no TCP port), removed when
stopped. Test and benchmark scaffolding, not part of the product.

    with pgtemp.Server() as server:
        url = server.create_database("t1")      # postgresql://...?host=<socket folder>

PostgreSQL refuses to run as root: as root, the server runs as the ``postgres`` user that
Debian's package creates (or ``nobody``), through ``runuser``. ``TASK_ORCHESTRATOR_PG_BIN``
names the folder of initdb and pg_ctl; otherwise Debian's newest /usr/lib/postgresql/*/bin,
then PATH. scripts/install-postgres installs them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from types import TracebackType

INSTALL_HINT = "run scripts/install-postgres (Debian's postgresql) or set TASK_ORCHESTRATOR_PG_BIN"


def find_bindir() -> str | None:
    """The folder holding initdb, pg_ctl and postgres, or None."""
    named = os.environ.get("TASK_ORCHESTRATOR_PG_BIN")
    candidates = [named] if named else []

    def major(path: str) -> int:
        part = Path(path).parent.name
        return int(part) if part.isdigit() else 0

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=major, reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(found).parent))
    for folder in candidates:
        if all(os.access(os.path.join(folder, b), os.X_OK) for b in ("initdb", "pg_ctl")):
            return folder
    return None


def _server_user() -> str | None:
    """The user to run the server as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root, and there is no postgres or nobody user to run as")


class Server:
    """One temporary PostgreSQL server. ``fast`` turns off fsync (tests: a crash loses the
    whole folder anyway)."""

    def __init__(self, *, fast: bool = True, bindir: str | None = None) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise FileNotFoundError(
                f"PostgreSQL's initdb and pg_ctl are not installed; {INSTALL_HINT}"
            )
        self.bindir = found
        self.fast = fast
        self.user = _server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="to-pg-"))
        self.data = self.folder / "data"
        self.socket = self.folder  # short: a unix socket path has about 100 characters
        self.port = 5432  # only names the socket file; there is no TCP listener
        self.started = False

    # -- commands run as the server's user ------------------------------------------------
    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if out.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}{out.stderr}"
            )
        return out

    def start(self) -> Server:
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        os.chmod(self.folder, 0o700)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        options = [
            f"-k {self.socket}",
            "-c listen_addresses=''",
            f"-p {self.port}",
            "-c max_connections=200",
        ]
        # As the SQLite store's synchronous=NORMAL: a crash may lose the last commits, never
        # corrupt the database.
        options.append("-c synchronous_commit=off")
        if self.fast:
            options += ["-c fsync=off", "-c full_page_writes=off"]
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
            "-o", " ".join(options), "-w", "-t", "60", "start",
        )  # fmt: skip
        self.started = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket}&port={self.port}"

    def admin(self, sql: str) -> None:
        """Run one statement (CREATE DATABASE cannot run in a transaction) as postgres."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); its URL."""
        extra = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.admin(f'CREATE DATABASE "{name}"{extra}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.started:
            with suppress(RuntimeError):  # already gone; the folder goes anyway
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        for _ in range(3):
            shutil.rmtree(self.folder, ignore_errors=True)
            if not self.folder.exists():
                break
            time.sleep(0.1)

    def __enter__(self) -> Server:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
