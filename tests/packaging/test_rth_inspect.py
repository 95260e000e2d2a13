"""packaging/rth_inspect.py maps a frozen module's relative file name into the bundle, and
reads base_library.zip only when a lookup needs it."""

from __future__ import annotations

import inspect
import runpy
import sys
import zipfile
from pathlib import Path
from types import FunctionType

import pytest

HOOK = Path(__file__).resolve().parents[2] / "packaging" / "rth_inspect.py"


def function_from(filename: str) -> FunctionType:
    namespace: dict[str, object] = {}
    exec(compile("def f():\n    pass\n", filename, "exec"), namespace)
    f = namespace["f"]
    assert isinstance(f, FunctionType)
    return f


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    with zipfile.ZipFile(tmp_path / "base_library.zip", "w") as zf:
        zf.writestr("json/__init__.pyc", b"")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    # The hook replaces inspect.getsourcefile; put the original back afterwards.
    monkeypatch.setattr(inspect, "getsourcefile", inspect.getsourcefile)
    runpy.run_path(str(HOOK))
    return tmp_path


def test_a_module_in_base_library_zip(bundle: Path) -> None:
    found = inspect.getsourcefile(function_from("json/__init__.py"))
    assert found == str(bundle / "base_library.zip" / "json" / "__init__.pyc")


def test_a_module_in_the_pyz_maps_under_meipass(bundle: Path) -> None:
    found = inspect.getsourcefile(function_from("task_orchestrator/frozen.py"))
    assert found == str(bundle / "task_orchestrator" / "frozen.py")


def test_an_absolute_path_in_the_bundle_is_kept(bundle: Path) -> None:
    inside = str(bundle / "x" / "y.py")
    assert inspect.getsourcefile(function_from(inside)) == inside


def test_anything_else_falls_back_to_the_original(bundle: Path) -> None:
    assert inspect.getsourcefile(test_anything_else_falls_back_to_the_original) == __file__
