#!/usr/bin/env python3
"""Install task-orchestrator into a private virtual environment, then run its setup.

    python3 scripts/install.py --yes          from a checkout (installs the checkout)
    python3 install.py --from task-orchestrator --yes     (from PyPI; or a wheel file)

Standard library only, so it runs on any Python 3.10+ as it comes: Debian's and Ubuntu's
system Python (externally managed, PEP 668: `pip install --user` is refused there), a
python.org or pyenv Python, Homebrew's. It never installs into that Python: it makes its own
environment with ``python3 -m venv`` under the data root (the folder the standalone binary
installs itself into), installs the tool there with that environment's pip, links the two
commands into ~/.local/bin (as pipx does) and runs ``orchestrator-setup`` with the arguments
it was given. Run it again to upgrade. Debian and Ubuntu ship ``venv`` without ``ensurepip``
unless python3-venv is installed; then the environment is made without pip and filled by
this Python's own pip (python3-pip), or by uv if that is on PATH, or we say what to install.

Options of its own: ``--from SPEC`` (what to install: a checkout, a wheel, a PyPI
requirement; default this checkout, or PyPI when run outside one), ``--venv DIR``,
``--no-setup``. Every other argument goes to orchestrator-setup.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

APP = "task-orchestrator"
SCRIPTS = ("task-orchestrator", "orchestrator-setup")
WINDOWS = os.name == "nt"
BIN = "Scripts" if WINDOWS else "bin"
EXE = ".exe" if WINDOWS else ""


class InstallError(Exception):
    """Something the person running this can fix; the message says what."""


def data_root(environ: dict[str, str] | None = None, platform: str | None = None) -> str:
    """The same rules as task_orchestrator/core/root.py (a test holds them together): this
    script cannot import the package it is about to install."""
    env = dict(os.environ) if environ is None else environ
    override = env.get("TASK_ORCHESTRATOR_HOME", "").strip()
    if override:
        return os.path.abspath(os.path.expanduser(override))
    system = sys.platform if platform is None else platform
    home = env.get("HOME") or os.path.expanduser("~")
    if system == "darwin":
        return os.path.join(home, "Library", "Application Support", APP)
    if system.startswith("win"):
        base = env.get("LOCALAPPDATA", "").strip() or os.path.join(home, "AppData", "Local")
        return os.path.join(base, APP)
    xdg = env.get("XDG_DATA_HOME", "").strip()
    return os.path.join(xdg or os.path.join(home, ".local", "share"), APP)


def checkout_root() -> str | None:
    """The checkout this script belongs to, if it is in one."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        with open(os.path.join(root, "pyproject.toml"), encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return None
    return root if f'name = "{APP}"' in text else None


def has_ensurepip() -> bool:
    import importlib.util

    return importlib.util.find_spec("ensurepip") is not None


def has_pip() -> bool:
    import importlib.util

    return importlib.util.find_spec("pip") is not None


def run(cmd: list[str]) -> None:
    print("+ " + " ".join(cmd), flush=True)
    code = subprocess.call(cmd)
    if code != 0:
        raise InstallError(f"`{' '.join(cmd)}` failed (exit {code}); see its output above")


def venv_python(venv: str) -> str:
    return os.path.join(venv, BIN, "python" + EXE)


def make_venv(venv: str) -> list[str]:
    """Create the environment (or keep a working one) and return the pip command for it."""
    python = venv_python(venv)
    if os.path.isfile(python):
        probe = subprocess.call(
            [python, "-c", "import pip"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if probe == 0:
            return [python, "-m", "pip"]
    if has_ensurepip():
        run([sys.executable, "-m", "venv", "--clear", venv])
        return [python, "-m", "pip"]
    # Debian/Ubuntu without python3-venv: venv works, ensurepip is stripped out.
    if has_pip():
        run([sys.executable, "-m", "venv", "--clear", "--without-pip", venv])
        # pip's --python runs this pip inside the new environment, which is not externally
        # managed, so PEP 668 does not apply.
        return [sys.executable, "-m", "pip", "--python", python]
    uv = shutil.which("uv")
    if uv:
        run([uv, "venv", "--python", sys.executable, venv])
        return [uv, "pip", "--python", python]
    raise InstallError(
        f"{sys.executable} cannot make a virtual environment with pip: its ensurepip module "
        "is missing (Debian and Ubuntu split it out). Install it with `sudo apt install "
        "python3-venv` (or python3-pip, or put uv on PATH) and run this command again"
    )


def link_scripts(venv: str, home: str) -> str | None:
    """Links to the console scripts in ~/.local/bin, where pipx and uv put theirs. Only a
    missing name or an existing link is (re)written: a real file there is someone else's.
    Returns the folder, or None on Windows (no links without a privilege; use the full path)."""
    if WINDOWS:
        return None
    bindir = os.path.join(home, ".local", "bin")
    os.makedirs(bindir, exist_ok=True)
    for name in SCRIPTS:
        target = os.path.join(venv, BIN, name)
        link = os.path.join(bindir, name)
        if os.path.lexists(link):
            if not os.path.islink(link):
                print(f"note: {link} exists and is not a link; left alone (use {target})")
                continue
            os.unlink(link)
        os.symlink(target, link)
    return bindir


def parse(argv: list[str]) -> tuple[dict[str, str | bool | None], list[str]]:
    opts: dict[str, str | bool | None] = {"from": None, "venv": None, "setup": True}
    rest: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg in ("--from", "--venv"):
            value = next(it, None)
            if value is None:
                raise InstallError(f"{arg} needs a value")
            opts[arg[2:]] = value
        elif arg.startswith(("--from=", "--venv=")):
            key, _, value = arg[2:].partition("=")
            opts[key] = value
        elif arg == "--no-setup":
            opts["setup"] = False
        elif arg in ("-h", "--help"):
            print(__doc__)
            raise SystemExit(0)
        else:
            rest.append(arg)
    return opts, rest


def main(argv: list[str] | None = None) -> int:
    if sys.version_info < (3, 10):  # noqa: UP036 - run by any python3, not only ours
        print(f"task-orchestrator needs Python 3.10 or newer; this is {sys.version.split()[0]}")
        return 1
    try:
        opts, setup_args = parse(sys.argv[1:] if argv is None else argv)
        spec = opts["from"] or checkout_root() or APP
        venv = os.path.abspath(str(opts["venv"] or os.path.join(data_root(), "venv")))
        print(f"installing {spec} into {venv}", flush=True)
        pip = make_venv(venv)
        run([*pip, "install", "--quiet", "--disable-pip-version-check", "--upgrade", str(spec)])
        bindir = link_scripts(venv, os.path.expanduser("~"))
        setup = os.path.join(venv, BIN, "orchestrator-setup" + EXE)
        print(f"installed: {os.path.join(venv, BIN, 'task-orchestrator' + EXE)}")
        if bindir and bindir not in os.environ.get("PATH", "").split(os.pathsep):
            print(f"note: {bindir} is not on your PATH; add it to type the commands by name")
        if not opts["setup"]:
            return 0
        print("+ orchestrator-setup " + " ".join(setup_args), flush=True)
        return subprocess.call([setup, *setup_args])
    except InstallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
