"""Build the MCP bundle for Claude Desktop: dist/task-orchestrator-VERSION.mcpb.

    python packaging/bundle.py [--out dist] [--mcpb PATH] [--stage-only]

The bundle's server type is ``uv`` (MCP bundle manifest 0.4): it carries our source and a
``pyproject.toml`` naming the dependencies, and Claude Desktop installs them, and a Python,
with its own uv. One small bundle then serves macOS, Windows and Linux on any architecture;
a ``binary`` bundle would need one PyInstaller build per OS and architecture, each some
tens of MB. The manifest lists the server's tools as tools/list gives them (so it cannot
drift), and one setting, the data folder, which becomes TASK_ORCHESTRATOR_HOME.

The dependencies are in both places the tools read: ``pyproject.toml`` (the bundle format
requires it) and main.py's inline script metadata, which is what ``uv run`` resolves (see
``script_metadata``).

Steps: stage build/bundle/ (manifest.json, pyproject.toml, server/main.py and
server/task_orchestrator/), then ``mcpb validate`` and ``mcpb pack`` with the CLI that
packaging/install-mcpb puts in .cache/mcpb. Needs the project installed (it imports the
server to list its tools).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STAGE = ROOT / "build" / "bundle"
MCPB = (
    ROOT / ".cache" / "mcpb" / "node_modules" / ".bin" / ("mcpb.cmd" if os.name == "nt" else "mcpb")
)
DATA_ROOT_KEY = "data_root"

MAIN = '''{metadata}"""The MCP bundle's entry point: the server over stdio, from the source beside this file
(this folder is first on sys.path because the file is run as a script)."""

import sys

from task_orchestrator.__main__ import main

sys.exit(main(["serve"]))
'''


def server_tools() -> list[dict[str, str]]:
    """Name and first sentence of each tool, from tools/list of the real server with every
    tool on (a throwaway data root, so the builder's own config.toml cannot narrow it)."""
    import anyio
    from mcp import Client

    with tempfile.TemporaryDirectory() as root:
        os.environ["TASK_ORCHESTRATOR_HOME"] = root
        from task_orchestrator.server.app import build_server

        async def listed() -> list[dict[str, str]]:
            async with Client(build_server(), mode="legacy") as client:
                tools = (await client.list_tools()).tools
            return [{"name": t.name, "description": first_sentence(t.description)} for t in tools]

        return anyio.run(listed)


def first_sentence(text: str | None) -> str:
    text = " ".join((text or "").split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def pyproject() -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10 only
        import tomli as tomllib
    with open(ROOT / "pyproject.toml", "rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    return data


def manifest(version: str, description: str, tools: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "manifest_version": "0.4",
        "name": "task-orchestrator",
        "display_name": "Task Orchestrator",
        "version": version,
        "description": "Plan work as a tree of tasks with specialist roles, execute and complete "
        "them, in a local store.",
        "long_description": description,
        "author": {"name": "task-orchestrator developers"},
        "license": "MIT",
        "keywords": ["tasks", "planning", "orchestration"],
        "server": {
            "type": "uv",
            "entry_point": "server/main.py",
            # What the host runs: uv on main.py, whose inline metadata (PEP 723) names the
            # dependencies; our source sits beside it. The working directory stays the
            # client's (no --directory).
            "mcp_config": {
                "command": "uv",
                "args": ["run", "--script", "${__dirname}/server/main.py"],
                "env": {"TASK_ORCHESTRATOR_HOME": "${user_config." + DATA_ROOT_KEY + "}"},
            },
        },
        "tools": tools,
        "user_config": {
            DATA_ROOT_KEY: {
                "type": "directory",
                "title": "Data folder",
                "description": "Where the task store, config and logs live. Leave empty for the "
                "default (the same folder the command-line install uses), so Claude Desktop "
                "and your other clients share one store.",
                "required": False,
            }
        },
        "compatibility": {
            "platforms": ["darwin", "win32", "linux"],
            "runtimes": {"python": ">=3.10"},
        },
    }


def bundle_pyproject(project: dict[str, Any]) -> str:
    """A virtual uv project (``package = false``): only the dependencies are installed; our
    source runs from the bundle, so no build backend is needed on the user's machine."""
    deps = ",\n".join(f"  {json.dumps(d)}" for d in project["dependencies"])
    return (
        "[project]\n"
        f'name = "task-orchestrator-bundle"\n'
        f'version = "{project["version"]}"\n'
        f'requires-python = "{project["requires-python"]}"\n'
        f"dependencies = [\n{deps},\n]\n\n"
        "[tool.uv]\npackage = false\n"
    )


def script_metadata(project: dict[str, Any]) -> str:
    """PEP 723 inline metadata for main.py. uv resolves a script's dependencies for the
    Python that runs it, where a project (pyproject.toml) is locked for every platform and
    Python version at once: that needs every platform's wheels (pywin32, tomli, ...), so a
    host without an index, or a package whose markers name a platform PyPI has nothing for,
    fails to start. The script form also keeps the bundle folder free of .venv and uv.lock."""
    deps = "".join(f"#   {json.dumps(d)},\n" for d in project["dependencies"])
    return (
        "# /// script\n"
        f"# requires-python = {json.dumps(project['requires-python'])}\n"
        f"# dependencies = [\n{deps}# ]\n# ///\n"
    )


def stage(out: Path) -> Path:
    from task_orchestrator import __version__

    project = dict(pyproject()["project"], version=__version__)
    if out.exists():
        shutil.rmtree(out)
    (out / "server").mkdir(parents=True)
    shutil.copytree(
        ROOT / "task_orchestrator",
        out / "server" / "task_orchestrator",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    main = MAIN.replace("{metadata}", script_metadata(project))
    (out / "server" / "main.py").write_text(main, "utf-8")
    (out / "pyproject.toml").write_text(bundle_pyproject(project), "utf-8")
    (out / ".mcpbignore").write_text(".venv/\n__pycache__/\n*.pyc\nuv.lock\n", "utf-8")
    data = manifest(__version__, project["description"], server_tools())
    (out / "manifest.json").write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    return out


def run(cmd: list[str | Path]) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the .mcpb goes")
    parser.add_argument("--stage", type=Path, default=STAGE, help="the staging folder")
    parser.add_argument("--mcpb", type=Path, default=MCPB, help="the mcpb CLI")
    parser.add_argument("--stage-only", action="store_true", help="no validate, no pack")
    args = parser.parse_args(argv)
    from task_orchestrator import __version__

    staged = stage(args.stage)
    print(f"staged {staged}")
    if args.stage_only:
        return 0
    if not args.mcpb.exists():
        print(f"{args.mcpb} is missing: run `bash packaging/install-mcpb` first", file=sys.stderr)
        return 1
    run([args.mcpb, "validate", staged / "manifest.json"])
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"task-orchestrator-{__version__}.mcpb"
    run([args.mcpb, "pack", staged, target])
    print(f"bundle: {target} ({target.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
