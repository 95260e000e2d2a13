"""Where a frozen (PyInstaller) build installs itself. Filled in by the packaging work."""

from __future__ import annotations

import sys
from pathlib import Path


def stable_executable() -> Path:
    """The binary's stable per-user path (until self-install lands: the running binary)."""
    return Path(sys.executable).absolute()
