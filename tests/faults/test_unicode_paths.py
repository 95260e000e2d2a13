"""Spaces and non-ASCII letters in every path at once: HOME, TASK_ORCHESTRATOR_HOME, the
workspace, and the program itself (a venv whose folder has them, with our wheel installed
by pip, so its console scripts are what pip writes for such a path). Install, list with the
real clients, start the server and call tools, run a hook, uninstall. (tests/e2e runs
doctor, and everything else, with a space and an ü in HOME and the pipx venv.)

TASK_ORCHESTRATOR_CLIENTS names the folder with the real claude and codex (scripts/test
sets it); without it everything else runs and the test then skips, saying what it left out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

import anyio
import json5
import pytest
from mcp import Client, StdioServerParameters
from process_support import run

from task_orchestrator.core.store import TaskStore

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "task_orchestrator"
# Captured at import, before the autouse fixture moves HOME: pip keeps its cache there.
TOOL_ENV = dict(os.environ)
NAME = "task-orchestrator"
BIN = "Scripts" if os.name == "nt" else "bin"
CURSOR = (
    '{\n  // à moi\n  "mcpServers": {"fichiers": {"command": "/opt/ü/fs", "args": ["日本"]}}\n}\n'
)
CODEX = '# réglages\nmodel = "o3"\n\n[mcp_servers."システム"]\ncommand = "/opt/ü/sys"\n'
SETTINGS = '{\n  "cleanupPeriodDays": 60,\n  "note": "ça marche ✓"\n}\n'
CLAUDE_JSON = '{\n  "numStartups": 3,\n  "note": "日本語"\n}\n'
PROMPT = "Add retries to the HTTP client in src/http.py and test them"


def quick_wheel(folder: Path) -> Path:
    """A wheel of the checkout, zipped here: the package's files, its metadata and console
    scripts. Hatchling's own build costs 3 to 6 s on 2 cores, and tests/packaging and
    tests/e2e already install the wheel it builds; this test is about the paths."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    version = re.search(r'__version__ = "([^"]+)"', (PACKAGE / "__init__.py").read_text("utf-8"))
    assert version is not None
    dist = f"task_orchestrator-{version[1]}"
    scripts = "".join(f"{k} = {v}\n" for k, v in project["scripts"].items())
    meta = {
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\n"
        f"Version: {version[1]}\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist}.dist-info/entry_points.txt": f"[console_scripts]\n{scripts}",
    }
    wheel = folder / f"{dist}-py3-none-any.whl"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(wheel, "w") as zf:
        for path in sorted(PACKAGE.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(ROOT).as_posix())
        for name, text in meta.items():
            zf.writestr(name, text)
        zf.writestr(f"{dist}.dist-info/RECORD", "")
    return wheel


def venv_with_our_wheel(folder: Path, wheels: Path) -> Path:
    """A venv at ``folder`` holding our wheel, installed by pip (so the console scripts are
    pip's); its dependencies come from this test's venv through a path entry."""
    run([sys.executable, "-m", "venv", "--without-pip", folder], TOOL_ENV)
    python = folder / BIN / "python"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            quick_wheel(wheels),
        ],
        TOOL_ENV,
    )
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], {})
    (Path(site.strip()) / "_deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return folder / BIN


def clients_folder() -> Path | None:
    value = os.environ.get("TASK_ORCHESTRATOR_CLIENTS")
    if not value:
        return None
    folder = Path(value)
    for exe in ("claude", "codex"):
        if not os.access(folder / exe, os.X_OK):
            pytest.fail(f"TASK_ORCHESTRATOR_CLIENTS={folder} but {exe} is missing there")
    return folder


async def plan_through_the_registered_server(
    command: str, args: list[str], env: dict[str, str], workspace: Path
) -> dict[str, Any]:
    params = StdioServerParameters(command=command, args=args, env=env, cwd=str(workspace))
    async with Client(params, mode="legacy") as c:
        init = await c.call_tool("orchestrator_initialize_session", {})
        assert not init.is_error, init
        plan = await c.call_tool(
            "orchestrator_plan_task", {"title": "Écrire la doc 日本", "subtasks": [{"title": "ü"}]}
        )
        assert not plan.is_error, plan
        status = await c.call_tool("orchestrator_get_status", {})
        assert not status.is_error and status.structured_content is not None, status
        return status.structured_content


@pytest.mark.slow
@pytest.mark.fault(
    "spaces and non-ASCII letters in HOME, TASK_ORCHESTRATOR_HOME, the workspace and the "
    "program path at once: install, real `claude`/`codex mcp list`, a server session, a "
    "hook, uninstall",
    "every step works; the configs stay valid for the real clients; uninstall gives every "
    "file back",
)
def test_paths_with_spaces_and_unicode_everywhere(tmp_path: Path) -> None:
    base = tmp_path / "Dév Space ü" / "日本"
    home, data_root = base / "home ü", base / "données 日本" / "orchestrator"
    workspace = home / "src" / "projet ü 日本"
    (workspace / ".git").mkdir(parents=True)
    bindir = venv_with_our_wheel(base / "outils ü" / "venv 日本", tmp_path / "wheels")
    program = bindir / NAME
    clients = clients_folder()
    env = {
        "HOME": str(home),
        "TASK_ORCHESTRATOR_HOME": str(data_root),
        "PATH": os.pathsep.join(
            [*([str(clients)] if clients else []), "/usr/local/bin", "/usr/bin", "/bin"]
        ),
        # Claude Code offline: no telemetry, no update check.
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
    }
    files = {
        home / ".cursor" / "mcp.json": CURSOR,
        home / ".codex" / "config.toml": CODEX,
        home / ".claude" / "settings.json": SETTINGS,
        home / ".claude.json": CLAUDE_JSON,
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # The program under test is the wheel in that venv, not this checkout.
    where = run(
        [bindir / "python", "-c", "import task_orchestrator as t; print(t.__file__)"], env, home
    )
    assert where.startswith(str(bindir.parent)), where

    # 1. install: every file stays valid and names the program by its exact path.
    clients_args = ["--client", "cursor", "--client", "codex", "--client", "claude-code"]
    # The settings.json route (--no-plugin); tests/hooks/test_plugin_e2e_claude.py: the plugin.
    run(
        [bindir / "orchestrator-setup", "install", *clients_args, "--yes", "--no-plugin"], env, home
    )
    cursor = json5.loads((home / ".cursor" / "mcp.json").read_text(encoding="utf-8"))
    assert cursor["mcpServers"][NAME]["command"] == str(program)
    codex = tomllib.loads((home / ".codex" / "config.toml").read_text(encoding="utf-8"))
    assert codex["mcp_servers"][NAME]["command"] == str(program)
    assert codex["mcp_servers"]["システム"]["command"] == "/opt/ü/sys"
    claude = json.loads((home / ".claude.json").read_text(encoding="utf-8"))
    assert claude["mcpServers"][NAME]["command"] == str(program)
    settings = json.loads((home / ".claude" / "settings.json").read_text(encoding="utf-8"))
    [prompt_group] = settings["hooks"]["UserPromptSubmit"]
    [hook] = prompt_group["hooks"]
    assert hook["command"] == str(bindir / "python") and settings["note"] == "ça marche ✓"

    # 2. the real clients read what we wrote, and Claude Code starts the server from it.
    if clients:
        listed = run([clients / "claude", "mcp", "list"], env, home)
        assert f"{NAME}: {program} serve - \u2714 Connected" in listed, listed
        line = next(
            (
                ln
                for ln in run([clients / "codex", "mcp", "list"], env, home).splitlines()
                if ln.startswith(NAME)
            ),
            "",
        )
        assert str(program) in line and "enabled" in line, line

    # 3. the server as a client starts it, in the workspace, answering tool calls.
    entry = cursor["mcpServers"][NAME]
    status = anyio.run(
        plan_through_the_registered_server, entry["command"], entry["args"], env, workspace
    )
    assert status["workspace"] == str(workspace)

    # 4. a hook, run as Claude Code runs it (exec form, no shell), in the workspace.
    payload = {
        "session_id": "5e551071-0000-4000-8000-00000000d1e5",
        "transcript_path": str(home / ".claude" / "projects" / "t ü.jsonl"),
        "cwd": str(workspace),
        "hook_event_name": "UserPromptSubmit",
        "prompt": PROMPT,
    }
    proc = subprocess.run(
        [hook["command"], *hook["args"]],
        input=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        capture_output=True,
        env=env,
        cwd=workspace,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    context = json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "tracked as task" in context, context
    with TaskStore.open(data_root / "data" / "tasks.db", create=False) as store:
        ws = store.workspace(workspace)
        titles = {
            r[0]
            for r in store.conn.execute("SELECT title FROM tasks WHERE workspace_id = ?", (ws.id,))
        }
    assert {"Écrire la doc 日本", "ü"} <= titles and any("retries" in t for t in titles), titles

    # 5. uninstall gives every file back (Claude Code may add keys of its own to its file).
    run([bindir / "orchestrator-setup", "uninstall", *clients_args, "--yes"], env, home)
    for path, text in files.items():
        after = path.read_text(encoding="utf-8")
        if path.name == ".claude.json":
            assert NAME not in after
            assert json.loads(text).items() <= json.loads(after).items(), after
        else:
            assert after == text, path
    if not clients:
        pytest.skip("TASK_ORCHESTRATOR_CLIENTS is not set: all but `claude/codex mcp list` ran")
