"""Refuse to release when the tag is not the package's version.

    python packaging/release_check.py v0.1.0

``task_orchestrator/__init__.py`` holds the one version (pyproject.toml reads it, and so do
server.json's test and the bundle); a tag ``vX.Y.Z`` must name exactly it, or PyPI would get
a package whose version is not the release's. Also checks server.json, which is edited by
hand. Reads the files as text: runs before anything is installed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def package_version() -> str:
    text = (ROOT / "task_orchestrator" / "__init__.py").read_text("utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.M)
    if not match:
        raise SystemExit("task_orchestrator/__init__.py has no __version__ line")
    return match.group(1)


def problems(tag: str) -> list[str]:
    version = package_version()
    found = []
    if tag != f"v{version}":
        found.append(f"tag {tag!r} is not v{version} (task_orchestrator/__init__.py)")
    server = json.loads((ROOT / "server.json").read_text("utf-8"))
    versions = {server["version"], *(p["version"] for p in server["packages"])}
    if versions != {version}:
        found.append(f"server.json names {sorted(versions)}, not {version}")
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    found = problems(args[0])
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    if not found:
        print(f"releasing {args[0]}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
