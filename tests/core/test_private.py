"""core/private.py: folders 0700 and files 0600 under the data root, whatever the umask;
the folders above the root left to the umask; an older version's root made private, at the
cost of one stat when it already is; the store's -wal and -shm follow the store file."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from task_orchestrator.core import private
from task_orchestrator.core.models import NewTask
from task_orchestrator.core.paths import default_paths
from task_orchestrator.core.store import TaskStore

pytestmark = pytest.mark.skipif(os.name == "nt", reason="Windows has no POSIX mode bits")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o077, 0o277], ids=lambda m: f"umask-{m:03o}")
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Run under this umask (and give the test's own back): the rule must not depend on it."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


@pytest.fixture(autouse=True)
def fresh_memo() -> Iterator[None]:
    """secure_root checks a root once per process: each test is a new "process"."""
    private._secured.clear()
    yield
    private._secured.clear()


def test_make_dir_is_private_from_the_root_down(tmp_path: Path, umask: int) -> None:
    root = tmp_path / "share" / "task-orchestrator"
    private.make_dir(root / "data" / "x", root)
    assert [mode(p) for p in (root, root / "data", root / "data" / "x")] == [0o700] * 3
    # Above the root is the user's folder: what their umask makes it.
    assert mode(tmp_path / "share") == 0o777 & ~umask
    private.make_dir(root / "data", root)  # already there: nothing changes
    assert mode(root / "data") == 0o700


def test_files_are_0600_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    tmp_path = tmp_path / "files"
    tmp_path.mkdir()
    os.close(private.open_file(tmp_path / "log"))
    assert private.create_new(tmp_path / "store")
    assert not private.create_new(tmp_path / "store")  # there: left alone
    private.write_file(tmp_path / "stamp", b"1 2:3\n")
    assert [mode(tmp_path / n) for n in ("log", "store", "stamp")] == [0o600] * 3
    assert (tmp_path / "stamp").read_bytes() == b"1 2:3\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log", "stamp", "store"]  # no temp


def test_an_existing_file_open_to_others_is_made_private_when_opened(tmp_path: Path) -> None:
    log = tmp_path / "hooks.log"
    log.write_text("old line\n", encoding="utf-8")
    log.chmod(0o644)
    fd = private.open_file(log)
    os.write(fd, b"new line\n")
    os.close(fd)
    assert mode(log) == 0o600 and log.read_text(encoding="utf-8") == "old line\nnew line\n"


def test_stricter_of_the_original_mode_and_0600() -> None:
    assert private.stricter(0o100644) == 0o600
    assert private.stricter(0o100600) == 0o600
    assert private.stricter(0o100640) == 0o600
    assert private.stricter(0o100400) == 0o400
    assert private.stricter(0o100755) == 0o600


def test_rotating_log_and_its_rotations_are_private(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "hooks.log"
    private.make_dir(path.parent, tmp_path)
    handler = private.rotating_log(str(path), 200, 3)
    logger = logging.getLogger("test_private_rotation")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for i in range(40):
            logger.warning("record %d with some text to fill the file", i)
    finally:
        logger.removeHandler(handler)
        handler.close()
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["hooks.log", "hooks.log.1", "hooks.log.2", "hooks.log.3"]
    assert {mode(path.parent / n) for n in names} == {0o600}


@pytest.mark.fault(
    "a store created by real use: the task store, its -wal and -shm while a connection is "
    "open, and their folders",
    "tasks.db, tasks.db-wal and tasks.db-shm 0600; data/ and the root 0700",
)
def test_store_wal_and_shm_follow_the_store_file(umask: int) -> None:
    paths = default_paths()
    with TaskStore.open(paths.db) as store:
        ws = store.workspace(paths.root / "project")
        store.create_tree(ws.id, NewTask(title="a task with a private prompt"))
        wal, shm = (Path(f"{paths.db}-{s}") for s in ("wal", "shm"))
        assert wal.exists() and shm.exists()
        assert [mode(p) for p in (paths.db, wal, shm)] == [0o600] * 3
    assert mode(paths.data) == 0o700 and mode(paths.root) == 0o700


def _loose_root(root: Path) -> list[Path]:
    """A root as an older version left it: folders 0755, files 0644, a binary 0755."""
    for rel in ("data/tasks.db", "logs/hooks.log", "logs/hooks.log.1", "backups/x", "cache/c"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"secret")
    (root / "bin" / "1.0").mkdir(parents=True)
    exe = root / "bin" / "1.0" / "task-orchestrator"
    exe.write_bytes(b"elf")
    (root / "bin" / "task-orchestrator").symlink_to("1.0/task-orchestrator")
    every = [root, *root.rglob("*")]
    for p in every:
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() or p == exe else 0o644)
    return every


@pytest.mark.fault(
    "a data root made by an older version (folders 0755, files 0644, an installed binary "
    "0755) opened by this one",
    "every folder 0700, every file 0600, the binary 0700 (still executable), the symlink untouched",
)
def test_secure_root_fixes_an_older_root(tmp_path: Path) -> None:
    root = tmp_path / "orchestrator"
    every = _loose_root(root)
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes(b"not ours")
    outside.chmod(0o644)
    private.secure_root(root)
    for p in every:
        if p.is_symlink():
            continue
        expected = 0o700 if p.is_dir() or p.name == "task-orchestrator" else 0o600
        assert mode(p) == expected, p
    assert mode(outside) == 0o644


def test_secure_root_costs_one_stat_when_the_root_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "orchestrator"
    _loose_root(root)
    (root / "logs" / "hooks.log").chmod(0o644)
    root.chmod(0o700)  # private root: a file inside open to others is not looked for
    walks: list[str] = []
    monkeypatch.setattr(private, "tighten", lambda path: walks.append(str(path)))
    private.secure_root(root)
    private.secure_root(root)  # once per process
    assert walks == []
    private._secured.clear()
    root.chmod(0o755)
    private.secure_root(root)
    assert walks == [str(root)]


def test_secure_root_leaves_a_home_folder_named_as_the_root(
    isolated_home: Path,
) -> None:
    isolated_home.chmod(0o755)
    (isolated_home / "notes.txt").write_bytes(b"mine")
    (isolated_home / "notes.txt").chmod(0o644)
    private.secure_root(isolated_home)
    assert mode(isolated_home) == 0o755 and mode(isolated_home / "notes.txt") == 0o644


def test_a_missing_root_is_left_to_whatever_makes_it(tmp_path: Path) -> None:
    private.secure_root(tmp_path / "not-yet")
    assert not (tmp_path / "not-yet").exists()
