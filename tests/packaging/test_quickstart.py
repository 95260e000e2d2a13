"""The README's first command, exactly as written, in a fresh HOME: with Debian's externally
managed /usr/bin/python3 (PEP 668) and with the default python3. Both must end with setup
having run and the installed command working; and the bootstrap's fallbacks for a Python
without ensurepip (Debian without python3-venv) work or say what to install."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

import pytest

from task_orchestrator.core.root import data_root

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BOOTSTRAP = ROOT / "scripts" / "install.py"
SYSTEM_PYTHON = Path("/usr/bin/python3")
# Captured at import, before the autouse fixture moves HOME: pip's download cache stays the
# real one, or every run would fetch mcp, pydantic, ... again.
REAL_ENV = dict(os.environ)
PIP_CACHE = REAL_ENV.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")


def quick_start_command() -> str:
    """The first command of the README's Quick start: the first ```bash block after it."""
    text = README.read_text("utf-8")
    section = text[text.index("## Quick start") :]
    match = re.search(r"```bash\n(.*?)\n```", section, re.S)
    assert match, "no bash block under ## Quick start"
    command = match.group(1).strip()
    assert "\n" not in command, "the quick start is one command"
    return command


def externally_managed(python: Path) -> bool:
    code = "import sysconfig; print(sysconfig.get_path('stdlib'))"
    stdlib = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return (Path(stdlib.stdout.strip()) / "EXTERNALLY-MANAGED").exists()


def fresh_home_env(home: Path, path: str) -> dict[str, str]:
    """A new user's environment: a HOME with nothing in it, no data root override."""
    env = {
        k: v
        for k, v in REAL_ENV.items()
        if not k.startswith(("XDG_", "TASK_ORCHESTRATOR", "VIRTUAL_ENV", "PYTHON"))
    }
    env.update(HOME=str(home), PATH=path, PIP_CACHE_DIR=PIP_CACHE)
    return env


def run_quick_start(home: Path, path: str) -> subprocess.CompletedProcess[str]:
    home.mkdir()
    proc = subprocess.run(
        ["bash", "-c", quick_start_command()],
        cwd=ROOT,
        env=fresh_home_env(home, path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def check_installed(home: Path, proc: subprocess.CompletedProcess[str]) -> None:
    # Setup ran: its table of every client it looked for. What it then finds depends on the
    # machine (a running `claude` process counts), so both outcomes are fine here.
    assert re.search(r"^client\s+found\s+scope", proc.stdout, re.M), proc.stdout
    venv = home / ".local" / "share" / "task-orchestrator" / "venv"
    env = fresh_home_env(home, "/usr/bin:/bin")
    # ... and the command setup registers works without PATH, as clients start it.
    code = "from task_orchestrator.installer.launcher import registered_program as r; print(r())"
    out = subprocess.run(
        [venv / "bin" / "python", "-I", "-c", code], capture_output=True, text=True, env=env
    )
    registered = Path(out.stdout.strip())
    assert registered == venv / "bin" / "task-orchestrator", out
    claude = home / ".claude.json"
    if claude.exists():  # Claude Code was found and configured: with that command
        entry = json.loads(claude.read_text("utf-8"))["mcpServers"]["task-orchestrator"]
        assert entry["command"] == str(registered)
    for program in (registered, home / ".local" / "bin" / "task-orchestrator"):
        version = subprocess.run([program, "version"], capture_output=True, text=True, env=env)
        assert version.returncode == 0, version.stderr
        assert "task-orchestrator" in version.stdout
        assert str(home) in version.stdout  # the data root is the new user's
    # The tasks commands and the board, as the binary's smoke test runs them.
    smoke = load_script(ROOT / "packaging" / "smoke.py", "smoke")
    for check in (smoke.check_tasks, smoke.check_board):
        check(registered, smoke.Sandbox(home / f"sandbox-{check.__name__}"))


def load_script(path: Path, name: str) -> ModuleType:
    """A script of this repository (not a package) as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name == "nt", reason="POSIX shells")]


@pytest.mark.skipif(
    not SYSTEM_PYTHON.exists() or not externally_managed(SYSTEM_PYTHON),
    reason="needs an externally managed /usr/bin/python3 (Debian 12, Ubuntu 24.04)",
)
def test_quick_start_with_the_externally_managed_system_python(tmp_path: Path) -> None:
    # PATH with only the system folders: `python3` is Debian's own.
    proc = run_quick_start(tmp_path / "new-user", "/usr/bin:/bin")
    # The README's old first command fails there; ours must not go that way.
    refused = subprocess.run(
        [SYSTEM_PYTHON, "-m", "pip", "install", "--user", "--dry-run", "pipx"],
        capture_output=True,
        text=True,
        env=fresh_home_env(tmp_path / "other", "/usr/bin:/bin"),
    )
    assert "externally-managed-environment" in refused.stderr
    check_installed(tmp_path / "new-user", proc)


def test_quick_start_with_the_default_python3(tmp_path: Path) -> None:
    proc = run_quick_start(tmp_path / "new-user", REAL_ENV.get("PATH", "/usr/bin:/bin"))
    check_installed(tmp_path / "new-user", proc)


def load_bootstrap() -> ModuleType:
    return load_script(BOOTSTRAP, "bootstrap_install")


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
@pytest.mark.parametrize(
    "env",
    [
        {"HOME": "/h"},
        {"HOME": "/h", "XDG_DATA_HOME": "/x", "LOCALAPPDATA": "C:/L"},
        {"HOME": "/h", "TASK_ORCHESTRATOR_HOME": "/elsewhere"},
    ],
)
def test_bootstrap_data_root_is_core_root(platform: str, env: dict[str, str]) -> None:
    assert load_bootstrap().data_root(env, platform) == data_root(env, platform)


def test_without_ensurepip_the_venv_is_filled_by_this_pythons_pip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Debian without python3-venv: venv is there, ensurepip is not."""
    boot = load_bootstrap()
    monkeypatch.setattr(boot, "has_ensurepip", lambda: False)
    monkeypatch.setenv("PIP_CACHE_DIR", PIP_CACHE)
    venv = tmp_path / "venv"
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheel_dir, ROOT],
        check=True,
        env={**REAL_ENV, "PIP_CACHE_DIR": PIP_CACHE},
    )
    (wheel,) = wheel_dir.glob("*.whl")
    assert boot.main(["--no-setup", "--venv", str(venv), "--from", str(wheel)]) == 0
    bindir = "Scripts" if os.name == "nt" else "bin"
    assert not (venv / bindir / "pip").exists()  # made without pip, filled from outside
    out = subprocess.run([venv / bindir / "task-orchestrator", "--version"], capture_output=True)
    assert out.returncode == 0 and b"task-orchestrator" in out.stdout


def test_without_ensurepip_pip_or_uv_it_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    boot = load_bootstrap()
    monkeypatch.setattr(boot, "has_ensurepip", lambda: False)
    monkeypatch.setattr(boot, "has_pip", lambda: False)
    monkeypatch.setattr(boot.shutil, "which", lambda _name: None)
    assert boot.main(["--no-setup", "--venv", str(tmp_path / "venv")]) == 1
    err = capsys.readouterr().err
    assert "sudo apt install python3-venv" in err
    assert not (tmp_path / "venv").exists()


def test_the_bootstrap_uses_only_the_standard_library() -> None:
    stdlib = Path(sysconfig.get_path("stdlib"))
    code = BOOTSTRAP.read_text("utf-8")
    for name in re.findall(r"^\s*(?:import|from) (\w+)", code, re.M):
        if name == "__future__":
            continue
        spec = importlib.util.find_spec(name)
        assert spec is not None, name
        origin = spec.origin or ""
        assert origin in ("built-in", "frozen") or Path(origin).is_relative_to(stdlib), name
