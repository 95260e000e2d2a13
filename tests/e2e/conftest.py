"""The end-to-end tests reuse the scripted model server of the hooks tests, and one pipx
install of the wheel."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests/hooks is on sys.path only while its own tests are collected; the e2e tests need its
# hooks_fake_model whichever folders pytest was asked to run.
_HOOKS = str(Path(__file__).resolve().parents[1] / "hooks")
if _HOOKS not in sys.path:
    sys.path.insert(0, _HOOKS)


@pytest.fixture(scope="session")
def pipx_install(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One wheel, pipx-installed once for every machine of the run (both Claude Code
    versions, both setup routes)."""
    from e2e_support import build_and_pipx_install

    return build_and_pipx_install(tmp_path_factory.mktemp("e2e tools ü"))
