"""Deferred runtime hook for ``inspect`` (used instead of PyInstaller's pyi_rth_inspect).

In a frozen app a code object's file name is relative (PyInstaller strips build paths), so
``inspect.getsourcefile`` must map it back into the bundle: to the entry script, to a
``.pyc`` inside ``base_library.zip``, or under ``sys._MEIPASS``. PyInstaller's own hook does
this but reads the zip's file list (importing zipfile, bz2 and lzma) the moment inspect is
imported, and ``dataclasses`` imports inspect, so every hook call would pay for it. This one
reads the list on the first call that needs it. Run by pyi_rth_deferred.py right after
inspect is imported.
"""

from __future__ import annotations


def _install() -> None:
    import inspect
    import os
    import sys

    prefix = os.path.normpath(getattr(sys, "_MEIPASS", ""))
    base_library = os.path.join(prefix, "base_library.zip")
    names: set[str] = set()
    loaded: list[bool] = []  # empty until the zip's file list has been read

    def base_library_names() -> set[str]:
        if not loaded:
            import zipfile

            try:
                with zipfile.ZipFile(base_library) as zf:
                    names.update(os.path.normpath(n) for n in zf.namelist())
            except (OSError, zipfile.BadZipFile):
                pass
            loaded.append(True)
        return names

    original = inspect.getsourcefile

    def getsourcefile(obj: object) -> str | None:
        filename = os.path.normpath(inspect.getfile(obj))  # type: ignore[arg-type]
        if not os.path.isabs(filename):
            main_file = getattr(sys.modules.get("__main__"), "__file__", None)
            if main_file and filename == os.path.basename(main_file):
                return str(main_file)
            if filename + "c" in base_library_names():
                return os.path.normpath(os.path.join(base_library, filename + "c"))
            return os.path.normpath(os.path.join(prefix, filename))
        if filename.startswith(prefix):
            return filename
        return original(obj)  # type: ignore[arg-type]

    inspect.getsourcefile = getsourcefile  # type: ignore[assignment]


_install()
del _install
