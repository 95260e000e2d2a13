"""The end-to-end tests reuse the scripted model server of the hooks tests."""

from __future__ import annotations

import sys
from pathlib import Path

# tests/hooks is on sys.path only while its own tests are collected; the e2e tests need its
# hooks_fake_model whichever folders pytest was asked to run.
_HOOKS = str(Path(__file__).resolve().parents[1] / "hooks")
if _HOOKS not in sys.path:
    sys.path.insert(0, _HOOKS)
