"""The release workflow: what triggers it, that it checks the tag against the package
version, publishes with trusted publishing, and that every script its steps call exists.
Read as text (no YAML parser among our dependencies): the checks are about lines."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from task_orchestrator import __version__

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = (ROOT / ".github" / "workflows" / "release.yml").read_text("utf-8")


def run_blocks() -> list[str]:
    """The text of every ``run:`` step, one-line or block (``run: |``)."""
    blocks: list[str] = []
    lines = WORKFLOW.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"^(\s*)(?:- )?run: ?(.*)$", line)
        if not match:
            continue
        indent, rest = len(match.group(1)), match.group(2)
        if rest.strip() != "|":
            blocks.append(rest)
            continue
        body = []
        for following in lines[i + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following.strip())
        blocks.append("\n".join(body))
    return blocks


def test_triggered_by_version_tags_only() -> None:
    assert re.search(r'^on:\n  push:\n    tags: \["v\*"\]\n\n', WORKFLOW, re.M)


def test_every_script_a_step_calls_exists() -> None:
    called = set()
    for block in run_blocks():
        called.update(re.findall(r"(?:python|bash)\s+((?:packaging|scripts)/[\w./-]+)", block))
    assert called >= {
        "packaging/release_check.py",
        "packaging/build.py",
        "packaging/smoke.py",
        "packaging/install-mcpb",
        "packaging/bundle.py",
    }
    missing = sorted(p for p in called if not (ROOT / p).is_file())
    assert not missing, missing


def test_builds_sdist_wheel_binaries_and_bundle() -> None:
    text = "\n".join(run_blocks())
    assert "python -m build" in text
    assert "packaging/build.py --archive" in text
    assert re.search(r"os: \[ubuntu-latest, macos-latest, windows-latest\]", WORKFLOW)
    assert "packaging/bundle.py" in text


def test_trusted_publishing_and_checksummed_release() -> None:
    pypi = WORKFLOW[WORKFLOW.index("\n  pypi:") : WORKFLOW.index("\n  github-release:")]
    assert "uses: pypa/gh-action-pypi-publish@release/v1" in pypi
    assert "id-token: write" in pypi
    assert "password" not in pypi and "secrets." not in WORKFLOW  # no API token
    release = WORKFLOW[WORKFLOW.index("\n  github-release:") :]
    assert "sha256sum" in release and "SHA256SUMS.txt" in release
    assert "gh release create" in release and "contents: write" in release


def test_the_tag_check_accepts_only_the_package_version() -> None:
    check = [sys.executable, str(ROOT / "packaging" / "release_check.py")]
    ok = subprocess.run([*check, f"v{__version__}"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([*check, "v999.0.0"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert f"is not v{__version__}" in bad.stderr
