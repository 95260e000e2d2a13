"""A clean environment for programs we start (``claude mcp add-json``, editors, a shell).

A PyInstaller build changes its own environment before Python starts: the bootloader puts
the bundle's library folder first on ``LD_LIBRARY_PATH`` (``LIBPATH`` on AIX) and keeps the
original in ``<NAME>_ORIG``; a onefile build also leaves ``_PYI_*`` variables that tell a
child bootloader it is a re-exec of the same app. A child that inherits either can load our
bundled libssl/libffi instead of its own, or, if it is another PyInstaller app (or our own
binary), reuse our unpacked folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from .selfinstall import is_frozen

# Variables the bootloader rewrites and whose original value it saves as NAME + "_ORIG".
_LIBRARY_PATH_VARS = ("LD_LIBRARY_PATH", "LIBPATH", "DYLD_LIBRARY_PATH")
#: Tells a child PyInstaller bootloader to start afresh (PyInstaller 6.10+).
RESET_VAR = "PYINSTALLER_RESET_ENVIRONMENT"


def clean_env(
    environ: Mapping[str, str] | None = None,
    *,
    frozen: bool | None = None,
    bundle_dir: str | None = None,
) -> dict[str, str]:
    """A copy of ``environ`` (default: ``os.environ``) fit for a child process.

    Outside a frozen build it is an unchanged copy. Inside one the library path variables
    get their original values back, or are removed when the bootloader created them (their
    value points into ``bundle_dir``, default ``sys._MEIPASS``), and the reset variable is
    set. A variable the bootloader did not touch (it leaves macOS's alone) is kept.
    """
    env = dict(os.environ if environ is None else environ)
    if not (is_frozen() if frozen is None else frozen):
        return env
    bundle = bundle_dir if bundle_dir is not None else getattr(sys, "_MEIPASS", None)
    for var in _LIBRARY_PATH_VARS:
        original = env.pop(var + "_ORIG", None)
        if original is not None:
            env[var] = original
        elif bundle and bundle in env.get(var, ""):
            del env[var]
    env[RESET_VAR] = "1"
    return env
