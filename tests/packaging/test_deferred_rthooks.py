"""packaging/pyi_rth_deferred.py, run outside a frozen build: a deferred runtime hook runs
right after the first import of its module, and not before."""

from __future__ import annotations

import runpy
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HOOK = Path(__file__).resolve().parents[2] / "packaging" / "pyi_rth_deferred.py"
PROBE = "to_deferred_probe"


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fake sys._MEIPASS holding one deferred hook that patches the PROBE module."""
    deferred = tmp_path / "bundle" / "_pyi_rth_deferred"
    deferred.mkdir(parents=True)
    (deferred / f"{PROBE}.py").write_text(f"import {PROBE}\n{PROBE}.patched = True\n", "utf-8")
    (tmp_path / f"{PROBE}.py").write_text("patched = False\n", "utf-8")
    monkeypatch.setattr(sys, "_MEIPASS", str(deferred.parent), raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    yield deferred.parent
    sys.modules.pop(PROBE, None)


def test_the_hook_runs_on_first_import(bundle: Path) -> None:
    runpy.run_path(str(HOOK))
    assert PROBE not in sys.modules
    module = __import__(PROBE)
    assert module.patched is True
    assert module.__loader__.__class__.__name__ != "ThenRunHook"
    assert not [f for f in sys.meta_path if type(f).__name__ == "DeferredHooks"]


def test_an_already_imported_module_is_patched_at_once(bundle: Path) -> None:
    module = __import__(PROBE)
    assert module.patched is False
    runpy.run_path(str(HOOK))
    assert module.patched is True


def test_no_bundle_folder_means_nothing_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    before = list(sys.meta_path)
    runpy.run_path(str(HOOK))
    assert sys.meta_path == before
