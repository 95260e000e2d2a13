"""Build the standalone binary from a clean venv.

    python packaging/build.py [--no-onefile] [--reuse-venv] [--archive]

1. a fresh venv in build/venv (the checkout's own environment never leaks into the binary);
2. the project's wheel, installed there with its ``packaging`` extra (PyInstaller);
3. PyInstaller on packaging/task-orchestrator.spec, into dist/;
4. with --archive, release archives in dist/ (tar.gz, or zip on Windows: both keep the
   executable bit that CI artifact uploads would otherwise lose).

Prints how long each step took. Standard library only, any OS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "task-orchestrator.spec"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(cmd: list[str | Path], **kwargs: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def archive(dist: Path, onefile: bool) -> list[Path]:
    """``task-orchestrator-<version>-<os>-<machine>[-onefile].<tar.gz|zip>`` in ``dist``."""
    import platform
    import re

    text = (ROOT / "task_orchestrator" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', text)
    version = match.group(1) if match else "unknown"
    system = {"Darwin": "macos"}.get(platform.system(), platform.system().lower())
    stem = f"task-orchestrator-{version}-{system}-{platform.machine().lower()}"
    fmt = "zip" if os.name == "nt" else "gztar"
    exe = ".exe" if os.name == "nt" else ""
    made = [Path(shutil.make_archive(str(dist / stem), fmt, dist, "task-orchestrator"))]
    if onefile:
        # The onefile binary goes in under the plain name, so it runs as it is once unpacked.
        staging = dist / "onefile-staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        shutil.copy2(dist / f"task-orchestrator-onefile{exe}", staging / f"task-orchestrator{exe}")
        made.append(Path(shutil.make_archive(str(dist / f"{stem}-onefile"), fmt, staging)))
        shutil.rmtree(staging)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--no-onefile", action="store_true", help="build only the onedir variant")
    parser.add_argument(
        "--reuse-venv",
        action="store_true",
        help="keep build/venv if it exists (faster, less clean)",
    )
    parser.add_argument("--archive", action="store_true", help="also pack release archives")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the venv")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build")
    opts = parser.parse_args(argv)

    venv = opts.work / "venv"
    wheels = opts.work / "wheel"
    pip = ["-m", "pip", "--disable-pip-version-check", "--quiet"]
    # No .pyc at install time: PyInstaller compiles what it bundles itself.
    no_compile = ["--no-compile"]
    steps: list[tuple[str, float]] = []
    start = last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        steps.append((name, now - last))
        last = now

    if not (opts.reuse_venv and venv_python(venv).exists()):
        shutil.rmtree(venv, ignore_errors=True)
        run([opts.python, "-m", "venv", venv])
    python = venv_python(venv)
    lap("venv")

    shutil.rmtree(wheels, ignore_errors=True)
    run([python, *pip, "wheel", "--no-deps", "--wheel-dir", wheels, ROOT])
    (wheel,) = wheels.glob("task_orchestrator-*.whl")
    lap("wheel")

    # --force-reinstall of our wheel only: with --reuse-venv an unchanged version number
    # would otherwise keep the previous build's code.
    run([python, *pip, "install", *no_compile, f"{wheel}[packaging]"])
    run([python, *pip, "install", *no_compile, "--no-deps", "--force-reinstall", wheel])
    lap("install")

    spec_args = ["--", "--no-onefile"] if opts.no_onefile else []
    run(
        [
            python,
            "-m",
            "PyInstaller",
            SPEC,
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            "--distpath",
            opts.dist,
            "--workpath",
            opts.work / "pyinstaller",
            *spec_args,
        ]
    )
    lap("pyinstaller")

    if opts.archive:
        for path in archive(opts.dist, onefile=not opts.no_onefile):
            print(f"archive: {path}")
        lap("archive")

    total = time.perf_counter() - start
    print("build times: " + ", ".join(f"{n} {s:.1f}s" for n, s in steps) + f"; total {total:.1f}s")
    exe = ".exe" if os.name == "nt" else ""
    print(f"onedir:  {opts.dist / 'task-orchestrator' / ('task-orchestrator' + exe)}")
    if not opts.no_onefile:
        print(f"onefile: {opts.dist / ('task-orchestrator-onefile' + exe)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
