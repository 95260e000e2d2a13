"""PyInstaller runtime hook: run some of PyInstaller's own runtime hooks on first import of
the module they patch, instead of at every start.

PyInstaller runs ``pyi_rth_inspect``, ``pyi_rth_multiprocessing`` and ``pyi_rth_pkgutil``
before our code whenever those modules are in the bundle (mcp and pydantic put them there).
They import inspect, zipfile, multiprocessing and pkgutil, which cost about 60 ms on every
start, roughly three quarters of a ``hook`` call that imports none of them. Each only patches
its module for a frozen app, so running it right after that module is first imported is
equivalent. The spec moves their sources to ``_pyi_rth_deferred/<module>.py`` in the bundle.
"""

from __future__ import annotations

# Not `from typing import ...`: typing (and importlib.abc, which pulls in pathlib and
# zipfile) would cost part of what this hook saves. Annotations here are never evaluated.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any


def _install() -> None:
    import os
    import sys

    folder = os.path.join(getattr(sys, "_MEIPASS", ""), "_pyi_rth_deferred")
    try:
        pending = {f[:-3]: os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".py")}
    except OSError:
        return

    def run(path: str) -> None:
        with open(path, encoding="utf-8") as f:
            code = compile(f.read(), path, "exec")
        exec(code, {"__name__": "__pyi_rth_deferred__", "__file__": path})

    class ThenRunHook:  # a loader (duck-typed, see above)
        def __init__(self, real: Any, hook: str) -> None:
            self.real, self.hook = real, hook

        def create_module(self, spec: ModuleSpec) -> ModuleType | None:
            module: ModuleType | None = self.real.create_module(spec)
            return module

        def exec_module(self, module: ModuleType) -> None:
            # Hand the module its real loader back first: inspect and pkgutil ask it later.
            module.__loader__ = self.real
            if module.__spec__ is not None:
                module.__spec__.loader = self.real
            self.real.exec_module(module)
            run(self.hook)

    class DeferredHooks:  # a meta path finder
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
            hook = pending.pop(name, None)
            if hook is None:
                return None
            if not pending:
                sys.meta_path.remove(self)
            for finder in sys.meta_path:
                if finder is self:
                    continue
                spec: ModuleSpec | None = finder.find_spec(name, path, target)
                if spec is not None and spec.loader is not None:
                    spec.loader = ThenRunHook(spec.loader, hook)  # type: ignore[assignment]
                    return spec
            return None

    for name in [n for n in pending if n in sys.modules]:  # already imported: run now
        run(pending.pop(name))
    if pending:
        sys.meta_path.insert(0, DeferredHooks())


_install()
del _install, TYPE_CHECKING
