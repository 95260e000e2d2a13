"""Setup keeps the data root private: backups of client configs (which hold other servers'
API keys) are 0600 in a 0700 folder and go once restored or no longer needed; the manifest,
the lock, the server's log and store, and a self-installed binary are the user's alone; a
root an older version left open is closed by the next run. Client configs themselves keep
their own mode, and a new one follows the user's umask."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from task_orchestrator.core.paths import default_paths
from task_orchestrator.installer import fileops, selfinstall
from task_orchestrator.installer.catalog import Env, load_clients
from task_orchestrator.installer.ops import restore
from task_orchestrator.installer.selfinstall import Layout, Runtime
from task_orchestrator.installer.setup import install, uninstall

pytestmark = pytest.mark.skipif(os.name == "nt", reason="Windows has no POSIX mode bits")

BIN = Path(sys.executable).parent
CATALOG = load_clients()
KEY = "sk-live-4f9a1c0de7b2"
JSON_CONFIG = json.dumps(
    {"mcpServers": {"github": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": KEY}}}}, indent=2
)
CODEX_CONFIG = f'model = "o3"\n\n[mcp_servers.github]\ncommand = "gh-mcp"\nenv = {{ GITHUB_TOKEN = "{KEY}" }}\n'


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def open_to_others(root: Path) -> list[str]:
    """Every folder not 0700 and every file readable or writable by the group or others."""
    bad = []
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if (path.is_dir() and mode(path) != 0o700) or mode(path) & 0o077:
            bad.append(f"{oct(mode(path))} {path.relative_to(root)}")
    return bad


def run(*argv: str | Path, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    """A real command of ours from this venv; HOME and the data root are tmp (conftest), no
    client CLI on PATH, and the umask a user commonly has."""
    env = dict(os.environ, PATH="/usr/bin:/bin")
    old = os.umask(umask)  # inherited by the child
    try:
        return subprocess.run(
            [str(a) for a in argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.umask(old)


def user_configs(home: Path) -> dict[str, Path]:
    """Configs as careful users keep them: 0600, other servers' API keys inside."""
    files = {
        "claude-desktop": home / ".config" / "Claude" / "claude_desktop_config.json",
        "claude-code": home / ".claude.json",
        "cursor": home / ".cursor" / "mcp.json",
        "windsurf": home / ".codeium" / "windsurf" / "mcp_config.json",
        "gemini": home / ".gemini" / "settings.json",
        "codex": home / ".codex" / "config.toml",
    }
    for client, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(CODEX_CONFIG if client == "codex" else JSON_CONFIG, encoding="utf-8")
        path.chmod(0o600)
    return files


@pytest.fixture
def setup_script() -> Path:
    script = BIN / "orchestrator-setup"
    if not script.exists():
        pytest.skip("the orchestrator-setup console script is not installed in this venv")
    return script


@pytest.mark.fault(
    "a fresh `orchestrator-setup install --all --yes` (the real console script, umask 022) "
    "over 0600 client configs holding other servers' API keys",
    "no file under the data root readable by the group or others: backups 0600 in a 0700 "
    "folder, manifest and lock 0600; each config keeps 0600, a new one follows the umask",
)
def test_fresh_install_all_leaves_nothing_readable_by_others(
    isolated_home: Path, setup_script: Path
) -> None:
    configs = user_configs(isolated_home)
    root = default_paths().root
    assert not root.exists()
    done = run(setup_script, "install", "--all", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert open_to_others(root) == []
    backups = sorted((root / "backups").iterdir())
    assert len(backups) == len(configs)
    assert all(KEY in b.read_text(encoding="utf-8") for b in backups)  # real copies
    assert mode(root / "backups") == 0o700
    assert {mode(p) for p in [*backups, root / "manifest.json", root / "installer.lock"]} == {0o600}
    assert {name: mode(p) for name, p in configs.items()} == dict.fromkeys(configs, 0o600)
    # Outside the root nothing changed in how we write: a config we create follows the umask.
    assert mode(isolated_home / ".junie" / "mcp" / "mcp.json") == 0o644
    assert mode(isolated_home / ".claude" / "settings.json") == 0o644


@pytest.mark.fault(
    "install into a config holding API keys with mode 0640, 0600 or 0644",
    "its backup 0600 (the stricter of the original and 0600) in a 0700 backups/ folder; "
    "the config keeps its mode",
)
@pytest.mark.parametrize("original", [0o640, 0o600, 0o644], ids=lambda m: f"{m:04o}")
def test_backups_keep_the_stricter_mode(
    original: int, env_for: Callable[..., Env], program: Path
) -> None:
    env = env_for()
    path = env.home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text(JSON_CONFIG, encoding="utf-8")
    path.chmod(original)
    [change] = install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "installed", change.message
    [backup] = default_paths().backups.iterdir()
    assert mode(backup) == 0o600 and mode(backup.parent) == 0o700
    assert mode(path) == original


@pytest.mark.fault(
    "`orchestrator-setup restore` of a config, then `uninstall` of the other clients",
    "the restored file's backup deleted; each uninstalled file's backup deleted once nothing "
    "of ours is left in it; backups of files still ours kept",
)
def test_backups_go_once_restored_or_no_longer_needed(
    env_for: Callable[..., Env], program: Path
) -> None:
    env = env_for()
    configs = {}
    for client in ("cursor", "windsurf", "gemini"):
        configs[client] = user_configs(env.home)[client]
    clients = [CATALOG[c] for c in configs]
    install(clients, "user", env, dry_run=False, hooks=False)
    paths = default_paths()

    def backed_up() -> set[str]:
        return {
            name
            for name, rec in fileops.Manifest(paths).files.items()
            if rec.get("backup") and Path(rec["backup"]).exists()
        }

    assert len(list(paths.backups.iterdir())) == 3
    manifest = fileops.Manifest(paths)
    [done] = restore(paths, manifest, str(configs["cursor"]))
    manifest.save()
    assert done.action == "restored"
    assert configs["cursor"].read_text(encoding="utf-8") == JSON_CONFIG
    assert len(list(paths.backups.iterdir())) == 2
    assert str(configs["cursor"]) not in backed_up()

    uninstall([CATALOG["windsurf"]], "user", env, dry_run=False, hooks=False)
    assert backed_up() == {str(configs["gemini"])}  # still ours: its backup is kept
    assert len(list(paths.backups.iterdir())) == 1
    uninstall([CATALOG["gemini"]], "user", env, dry_run=True, hooks=False)
    assert len(list(paths.backups.iterdir())) == 1  # a dry run deletes nothing
    uninstall([CATALOG["gemini"]], "user", env, dry_run=False, hooks=False)
    assert list(paths.backups.iterdir()) == []
    assert configs["gemini"].read_text(encoding="utf-8") == JSON_CONFIG


def test_an_entry_removed_by_hand_lets_its_backup_go(
    env_for: Callable[..., Env], program: Path
) -> None:
    env = env_for()
    path = user_configs(env.home)["cursor"]
    install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    path.write_text(JSON_CONFIG, encoding="utf-8")  # the user took our entry out
    [change] = uninstall([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "absent"
    assert list(default_paths().backups.iterdir()) == []


@pytest.mark.fault(
    "a data root left by an older version (folders 0755; backups, manifest and store "
    "0644), then `orchestrator-setup install` (the real console script)",
    "every folder under the root 0700 and every file 0600 after that run",
)
def test_the_next_setup_closes_a_root_an_older_version_left_open(
    isolated_home: Path, setup_script: Path
) -> None:
    user_configs(isolated_home)
    done = run(setup_script, "install", "--client", "cursor", "--client", "codex", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    root = default_paths().root
    (root / "data").mkdir(mode=0o700)
    (root / "data" / "tasks.db").write_bytes(b"")
    for p in [root, *root.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    assert len(open_to_others(root)) >= 6
    again = run(setup_script, "install", "--client", "cursor", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert open_to_others(root) == []


@pytest.mark.fault(
    "`task-orchestrator serve` started on a machine with no data root yet",
    "the root and its folders 0700; the store and logs/task-orchestrator.log 0600",
)
def test_the_server_makes_its_store_and_log_private() -> None:
    script = BIN / "task-orchestrator"
    if not script.exists():
        pytest.skip("the task-orchestrator console script is not installed in this venv")
    done = run(script, "serve")  # stdin closed: it starts, finds no client, and exits
    assert done.returncode == 0, done.stderr
    paths = default_paths()
    assert (paths.logs / "task-orchestrator.log").is_file() and paths.db.is_file()
    assert open_to_others(paths.root) == []


@pytest.fixture
def onedir(tmp_path: Path) -> Iterator[Runtime]:
    """A downloaded onedir build as a browser leaves it: 0755 executable, 0644 files."""
    folder = tmp_path / "Downloads" / "task-orchestrator"
    internal = folder / "_internal"
    internal.mkdir(parents=True)
    exe = folder / "task-orchestrator"
    exe.write_bytes(b"bootloader")
    exe.chmod(0o755)
    (internal / "base_library.zip").write_bytes(b"zip")
    (internal / "base_library.zip").chmod(0o644)
    yield Runtime(executable=exe, frozen=True, bundle_dir=internal)


def test_the_self_installed_binary_is_private_and_still_runs(onedir: Runtime) -> None:
    layout = Layout(bin_dir=default_paths().root / "bin", version="9.9.9", windows=False)
    path, copied = selfinstall.ensure_installed(onedir, layout)
    assert copied and path == layout.link
    root = default_paths().root
    assert open_to_others(root) == []
    assert mode(layout.versioned_executable) == 0o700  # executable by the user, by no one else
    assert mode(layout.version_dir / "_internal" / "base_library.zip") == 0o600
    assert os.access(path, os.X_OK)
