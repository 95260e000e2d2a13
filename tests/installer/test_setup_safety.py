"""The safety rules: refuse what we cannot parse, honour read-only files, write through
symlinks, never leave a half-written file, lock, back up, restore, resolve overrides."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from task_orchestrator.core.paths import default_paths
from task_orchestrator.errors import UserError
from task_orchestrator.installer import fileops
from task_orchestrator.installer.catalog import Env, load_clients, resolve
from task_orchestrator.installer.ops import restore
from task_orchestrator.installer.setup import install, uninstall

CATALOG = load_clients()
ORIGINAL = '{\n  "mcpServers": {\n    "other": {"command": "x"}\n  }\n}\n'


def _cursor(env: Env) -> Path:
    path = env.home / ".cursor" / "mcp.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.fault(
    "install into a client config that is not valid JSON",
    "refused with the file, line and column; the file byte-identical",
)
@pytest.mark.parametrize(
    ("text", "line", "col"),
    [('{\n  "a": 1\n  "b": 2\n}', 3, 3), ('{"a": [1, 2}', 1, 12), ("{\n /* open", 2, 2)],
)
def test_malformed_file_is_refused_with_position(
    text: str, line: int, col: int, program: Path, env_for: Callable[..., Env]
) -> None:
    env = env_for()
    path = _cursor(env)
    path.write_text(text, encoding="utf-8")
    [change] = install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "error"
    assert str(path) in change.message
    assert f"line {line}, column {col}" in change.message
    assert path.read_text(encoding="utf-8") == text
    assert not default_paths().backups.exists()


@pytest.mark.fault(
    "install into a Codex config that is not valid TOML",
    "refused with the file and position; the file byte-identical",
)
def test_malformed_toml_is_refused(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    path = env.home / ".codex" / "config.toml"
    path.parent.mkdir()
    path.write_text('model = "o3"\n[broken\n', encoding="utf-8")
    [change] = install([CATALOG["codex"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "error" and "line 2" in change.message
    assert path.read_text(encoding="utf-8") == 'model = "o3"\n[broken\n'


@pytest.mark.fault(
    "install into a read-only client config",
    "refused with a clear message; the file unchanged",
)
def test_read_only_file_is_left_alone(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    path = _cursor(env)
    path.write_text(ORIGINAL, encoding="utf-8")
    path.chmod(0o444)
    [change] = install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "error" and "read-only" in change.message
    assert path.read_text(encoding="utf-8") == ORIGINAL
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


@pytest.mark.fault(
    "install into a config with mode 0600",
    "the file keeps mode 0600",
)
def test_file_mode_is_kept(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    path = _cursor(env)
    path.write_text(ORIGINAL, encoding="utf-8")
    path.chmod(0o600)
    install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_symlink_is_written_through(
    program: Path, env_for: Callable[..., Env], tmp_path: Path
) -> None:
    env = env_for()
    real = tmp_path / "dotfiles" / "mcp.json"
    real.parent.mkdir()
    real.write_text(ORIGINAL, encoding="utf-8")
    link = _cursor(env)
    link.symlink_to(real)
    install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert link.is_symlink()
    assert "task-orchestrator" in real.read_text(encoding="utf-8")
    uninstall([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert link.is_symlink() and real.read_text(encoding="utf-8") == ORIGINAL


@pytest.mark.fault(
    "a crash injected between writing the temp file and replacing the config",
    "the original file intact",
)
def test_crash_between_temp_write_and_replace_leaves_original(
    program: Path, env_for: Callable[..., Env], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = env_for()
    path = _cursor(env)
    path.write_text(ORIGINAL, encoding="utf-8")

    def boom(temp: str, target: Path) -> None:
        if target != path:
            return  # the manifest may be written
        assert "task-orchestrator" in Path(temp).read_text(encoding="utf-8")  # temp was written
        raise OSError("disk pulled out")

    monkeypatch.setattr(fileops, "_before_replace", boom)
    [change] = install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "error" and "disk pulled out" in change.message
    assert path.read_text(encoding="utf-8") == ORIGINAL
    assert sorted(p.name for p in path.parent.iterdir()) == ["mcp.json"]  # no temp left


@pytest.mark.fault(
    "a second orchestrator-setup while one is running on the same files",
    "refused by the lock with a clear message; nothing written",
)
def test_lock_refuses_a_concurrent_run(program: Path, env_for: Callable[..., Env]) -> None:
    paths = default_paths()
    with fileops.locked(paths), pytest.raises(UserError, match="another orchestrator-setup"):  # noqa: SIM117
        with fileops.locked(paths):
            pass


def test_only_our_stale_temp_files_are_removed(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    path = _cursor(env)
    path.write_text(ORIGINAL, encoding="utf-8")
    ours = path.parent / f".mcp.json.k1ll3d00{fileops.TEMP_SUFFIX}"
    theirs = [path.parent / n for n in (".mcp.json.tmp", ".mcp.json.abc.tmp", "mcp.json.bak")]
    for p in [ours, *theirs]:
        p.write_text("{", encoding="utf-8")
    [change] = install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "installed", change.message
    assert not ours.exists()
    assert all(p.read_text(encoding="utf-8") == "{" for p in theirs)


def test_backup_once_and_restore(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    path = _cursor(env)
    path.write_text(ORIGINAL, encoding="utf-8")
    install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    program.with_name("other").write_text("", encoding="utf-8")
    backups = list(default_paths().backups.iterdir())
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == ORIGINAL
    install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert len(list(default_paths().backups.iterdir())) == 1
    manifest = fileops.Manifest(default_paths())
    done = restore(default_paths(), manifest, str(path))
    assert [c.action for c in done] == ["restored"]
    assert path.read_text(encoding="utf-8") == ORIGINAL


def test_restore_all_removes_files_we_created(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    install([CATALOG["windsurf"], CATALOG["junie"]], "user", env, dry_run=False, hooks=False)
    created = env.home / ".junie" / "mcp" / "mcp.json"
    assert created.exists()
    manifest = fileops.Manifest(default_paths())
    assert len(restore(default_paths(), manifest, None)) == 2
    assert not created.exists()


def test_windows_store_claude_desktop_is_preferred(env_for: Callable[..., Env]) -> None:
    env = env_for("windows")
    client = CATALOG["claude-desktop"]
    classic = resolve(client, "user", env)
    assert classic is not None
    assert classic.path == env.home / "AppData/Roaming/Claude/claude_desktop_config.json"
    store = env.home / "AppData/Local/Packages/Claude_pzs8sxrjxfjjc/LocalCache/Roaming/Claude"
    store.mkdir(parents=True)
    (store / "claude_desktop_config.json").write_text("{}", encoding="utf-8")
    where = resolve(client, "user", env)
    assert where is not None and where.path == store / "claude_desktop_config.json"


def test_env_overrides(env_for: Callable[..., Env], tmp_path: Path) -> None:
    (tmp_path / "home" / ".claude.json").write_text("{}", encoding="utf-8")
    env = env_for("linux", CLAUDE_CONFIG_DIR=str(tmp_path / "cc"), CODEX_HOME=str(tmp_path / "cx"))
    cc = resolve(CATALOG["claude-code"], "user", env)
    cx = resolve(CATALOG["codex"], "user", env)
    assert cc is not None and cc.path == tmp_path / "cc" / ".claude.json"
    assert cx is not None and cx.path == tmp_path / "cx" / "config.toml"
    xdg = env_for("linux", XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    zed = resolve(CATALOG["zed"], "user", xdg)
    assert zed is not None and zed.path == tmp_path / "xdg" / "zed" / "settings.json"
    win = env_for("windows", APPDATA="C:\\Users\\me\\AppData\\Roaming")
    vs = resolve(CATALOG["vscode"], "user", win)
    assert vs is not None and vs.path.as_posix() == "C:/Users/me/AppData/Roaming/Code/User/mcp.json"


def test_lm_studio_prefers_the_existing_folder(env_for: Callable[..., Env]) -> None:
    env = env_for("macos")
    (env.home / ".cache" / "lm-studio").mkdir(parents=True)
    (env.home / ".cache" / "lm-studio" / "mcp.json").write_text("{}", encoding="utf-8")
    where = resolve(CATALOG["lm-studio"], "user", env)
    assert where is not None and where.path == env.home / ".cache/lm-studio/mcp.json"


def test_claude_code_local_scope_goes_under_the_project(
    program: Path, env_for: Callable[..., Env]
) -> None:
    env = env_for()
    path = env.home / ".claude.json"
    path.write_text('{"projects": {}, "numStartups": 3}\n', encoding="utf-8")
    install([CATALOG["claude-code"]], "local", env, dry_run=False, hooks=False)
    from task_orchestrator.installer import jsonedit

    value = jsonedit.loads(path.read_text(encoding="utf-8"))
    assert value["projects"][str(env.project)]["mcpServers"]["task-orchestrator"]["type"] == "stdio"
    uninstall([CATALOG["claude-code"]], "local", env, dry_run=False, hooks=False)
    assert path.read_text(encoding="utf-8") == '{"projects": {}, "numStartups": 3}\n'


def test_continue_refuses_a_file_it_did_not_write(
    program: Path, env_for: Callable[..., Env]
) -> None:
    env = env_for()
    path = env.home / ".continue" / "mcpServers" / "task-orchestrator.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("name: mine\n", encoding="utf-8")
    [change] = install([CATALOG["continue"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "error" and "not written by task-orchestrator" in change.message
    assert path.read_text(encoding="utf-8") == "name: mine\n"


def test_not_utf8_is_refused(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    path = _cursor(env)
    path.write_bytes(b'{"a": "\xff"}')
    [change] = install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "error" and "UTF-8" in change.message
    assert path.read_bytes() == b'{"a": "\xff"}'


@pytest.mark.parametrize("text", ["[]", '{"mcpServers": []}', '{"mcpServers": "x"}'])
def test_wrong_shapes_are_refused(text: str, program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    path = _cursor(env)
    path.write_text(text, encoding="utf-8")
    [change] = install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "error" and str(path) in change.message
    assert path.read_text(encoding="utf-8") == text


def test_new_file_mode_follows_umask(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    old = os.umask(0o022)
    try:
        install([CATALOG["junie"]], "user", env, dry_run=False, hooks=False)
    finally:
        os.umask(old)
    path = env.home / ".junie" / "mcp" / "mcp.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_duplicate_key_edits_the_one_the_client_reads(
    program: Path, env_for: Callable[..., Env]
) -> None:
    env = env_for()
    path = _cursor(env)
    text = '{"mcpServers": {"a": {}}, "mcpServers": {"b": {}}}'
    path.write_text(text, encoding="utf-8")
    install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    import json

    assert set(json.loads(path.read_text(encoding="utf-8"))["mcpServers"]) == {
        "b",
        "task-orchestrator",
    }
    uninstall([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.fault(
    "install into a goose config.yaml the block writer cannot edit safely",
    "refused with the file and line; the file byte-identical, no backup",
)
def test_goose_yaml_it_cannot_edit_is_refused(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for()
    path = env.home / ".config" / "goose" / "config.yaml"
    path.parent.mkdir(parents=True)
    text = "GOOSE_PROVIDER: openai\nextensions: {developer: {enabled: true}}\n"
    path.write_text(text, encoding="utf-8")
    [change] = install([CATALOG["goose"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "error" and str(path) in change.message
    assert "line 2" in change.message
    assert path.read_text(encoding="utf-8") == text
    assert not default_paths().backups.exists()


@pytest.mark.parametrize("cid", ["goose", "opencode", "amp"])
def test_new_formats_back_up_and_restore(
    cid: str, program: Path, env_for: Callable[..., Env]
) -> None:
    env = env_for()
    where = resolve(CATALOG[cid], "user", env)
    assert where is not None
    original = {
        "goose": "# mine\nGOOSE_MODEL: x\nextensions:\n  developer:\n    type: builtin\n",
        "opencode": '{\n  // mine\n  "mcp": {},\n}\n',
        "amp": '{\n  "amp.mcpServers": {"x": {"command": "/bin/true"}}, // mine\n}\n',
    }[cid]
    where.path.parent.mkdir(parents=True, exist_ok=True)
    where.path.write_text(original, encoding="utf-8")
    [change] = install([CATALOG[cid]], "user", env, dry_run=False, hooks=False)
    assert change.action == "installed", change.message
    [backup] = list(default_paths().backups.iterdir())
    assert backup.read_text(encoding="utf-8") == original
    done = restore(default_paths(), fileops.Manifest(default_paths()), str(where.path))
    assert [c.action for c in done] == ["restored"]
    assert where.path.read_text(encoding="utf-8") == original
