"""Where a document may be written (core/documents.py): each refusal says what to do and
leaves every byte in place; a document of ours is rewritten only while it is unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from task_orchestrator.core.documents import write_document
from task_orchestrator.core.errors import InvalidInput
from task_orchestrator.core.models import Workspace
from task_orchestrator.core.store import TaskStore


@pytest.fixture
def ws(store: TaskStore, workspace_dir: Path) -> Workspace:
    return store.workspace(str(workspace_dir))


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every path under ``root`` with its bytes (or link target)."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                out[rel] = path.read_bytes()
            else:
                out[rel] = "dir"
    return out


def documents(store: TaskStore) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])


@pytest.mark.parametrize(
    ("relative", "needle"),
    [
        (".bashrc", "hidden file or folder"),
        (".ssh/authorized_keys", "hidden file or folder"),
        ("docs/.env", "hidden file or folder"),
        (".git/hooks/pre-commit", "hidden file or folder"),
        ("../outside.md", "outside the workspace"),
        ("docs/../../outside.md", "outside the workspace"),
        ("/etc/passwd", "is absolute"),
        ("", "empty"),
        ("   ", "empty"),
        ("a\x00b", "empty"),
        ("x" * 300 + ".md", "longer than 255 bytes"),
        ("d/" * 600 + "x.md", "more than 1024"),
        ("./", "names no file"),
    ],
)
def test_refused_paths(
    store: TaskStore, ws: Workspace, workspace_dir: Path, relative: str, needle: str
) -> None:
    before = snapshot(workspace_dir)
    with pytest.raises(InvalidInput, match=needle.replace("(", r"\(")):
        write_document(store, ws, relative, "text")
    assert snapshot(workspace_dir) == before and documents(store) == 0


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_never_through_a_symlink(
    store: TaskStore, ws: Workspace, workspace_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace_dir / "linked").symlink_to(outside)
    (workspace_dir / "report.md").symlink_to(outside / "target.md")
    before = snapshot(workspace_dir)
    for relative in ("linked/x.md", "linked/deeper/x.md", "report.md"):
        with pytest.raises(InvalidInput, match="symbolic link"):
            write_document(store, ws, relative, "text")
    assert snapshot(workspace_dir) == before and list(outside.iterdir()) == []


def test_a_file_of_the_user_is_never_replaced(
    store: TaskStore, ws: Workspace, workspace_dir: Path
) -> None:
    (workspace_dir / "README.md").write_text("mine", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not written by task-orchestrator"):
        write_document(store, ws, "README.md", "theirs")
    assert (workspace_dir / "README.md").read_text(encoding="utf-8") == "mine"
    (workspace_dir / "docs").write_text("a file", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a folder"):
        write_document(store, ws, "docs/result.md", "text")


def test_our_document_is_rewritten_only_while_unchanged(
    store: TaskStore, ws: Workspace, workspace_dir: Path
) -> None:
    path = write_document(store, ws, "docs/result.md", "first")
    assert Path(path) == workspace_dir.resolve() / "docs" / "result.md"
    assert write_document(store, ws, "docs/result.md", "second") == path
    assert Path(path).read_text(encoding="utf-8") == "second"
    Path(path).write_text("edited by hand", encoding="utf-8")
    with pytest.raises(InvalidInput, match="has been changed since"):
        write_document(store, ws, "docs/result.md", "third")
    assert Path(path).read_text(encoding="utf-8") == "edited by hand"


def test_the_record_is_per_workspace(store: TaskStore, tmp_path: Path) -> None:
    """A document we wrote in one project does not make the same name ours in another."""
    a, b = tmp_path / "a", tmp_path / "b"
    for p in (a, b):
        (p / ".git").mkdir(parents=True)
    write_document(store, store.workspace(str(a)), "r.md", "ours")
    (b / "r.md").write_text("ours", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not written by task-orchestrator"):
        write_document(store, store.workspace(str(b)), "r.md", "ours")


@pytest.mark.skipif(os.name == "nt", reason="POSIX path limits")
def test_a_path_too_long_for_the_system_is_a_clear_error(store: TaskStore, tmp_path: Path) -> None:
    """Names of 200 bytes pass our own checks but not PATH_MAX: ENAMETOOLONG in words."""
    deep = tmp_path
    for i in range(18):
        deep = deep / (f"{i}" + "d" * 200)
    deep.mkdir(parents=True)
    ws = store.workspace(str(deep))
    with pytest.raises(InvalidInput, match="longer than the file system allows"):
        write_document(store, ws, ("n" * 200 + "/") * 4 + "x.md", "text")
    assert documents(store) == 0 and list(deep.iterdir()) == []


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_a_workspace_replaced_by_a_link_is_refused(store: TaskStore, tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    (project / ".git").mkdir(parents=True)
    elsewhere.mkdir()
    ws = store.workspace(str(project))
    project.rename(tmp_path / "moved")
    project.symlink_to(elsewhere)
    with pytest.raises(InvalidInput, match="no longer a folder"):
        write_document(store, ws, "report.md", "text")
    assert list(elsewhere.iterdir()) == [] and documents(store) == 0
