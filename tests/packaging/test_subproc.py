from __future__ import annotations

import os

from task_orchestrator.installer.subproc import RESET_VAR, clean_env

BUNDLE = "/opt/app/_internal"


def test_unfrozen_is_a_plain_copy() -> None:
    env = {"LD_LIBRARY_PATH": "/x", "PATH": "/bin"}
    out = clean_env(env, frozen=False)
    assert out == env
    assert out is not env


def test_frozen_restores_the_original_library_path() -> None:
    env = {"LD_LIBRARY_PATH": f"{BUNDLE}:/x", "LD_LIBRARY_PATH_ORIG": "/x", "PATH": "/bin"}
    out = clean_env(env, frozen=True, bundle_dir=BUNDLE)
    assert out == {"LD_LIBRARY_PATH": "/x", "PATH": "/bin", RESET_VAR: "1"}


def test_frozen_drops_a_library_path_the_bootloader_created() -> None:
    out = clean_env({"LD_LIBRARY_PATH": BUNDLE}, frozen=True, bundle_dir=BUNDLE)
    assert out == {RESET_VAR: "1"}


def test_frozen_keeps_a_library_path_the_bootloader_did_not_touch() -> None:
    # macOS builds leave DYLD_LIBRARY_PATH alone: the user's value must survive.
    out = clean_env({"DYLD_LIBRARY_PATH": "/usr/local/lib"}, frozen=True, bundle_dir=BUNDLE)
    assert out["DYLD_LIBRARY_PATH"] == "/usr/local/lib"


def test_input_is_not_changed() -> None:
    env = {"LD_LIBRARY_PATH": BUNDLE, "LD_LIBRARY_PATH_ORIG": "/x"}
    clean_env(env, frozen=True, bundle_dir=BUNDLE)
    assert env == {"LD_LIBRARY_PATH": BUNDLE, "LD_LIBRARY_PATH_ORIG": "/x"}


def test_defaults_to_os_environ_outside_a_frozen_build() -> None:
    assert clean_env() == dict(os.environ)
