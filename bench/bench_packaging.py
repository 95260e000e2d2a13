"""Start-up cost of each way the product ships, as whole processes.

    python bench/bench_packaging.py [--runs 21] [--script PATH] [--onedir PATH] [--onefile PATH]
                                    [--figures FILE]

Times ``--help`` and ``hook SessionStart`` (a real Claude Code payload on stdin) for the onedir
binary, the onefile binary (when built) and the console script of a pipx install, and
``python -c pass`` with the console script's own interpreter, all interleaved in one run
(these machines are shared and noisy: only ratios taken together mean much). Without
--script it pipx-installs the wheel of this checkout into a temporary folder first. Prints a
markdown table of medians, each as a ratio to ``python -c pass``, the binary sizes, and the
budget check: the onedir hook within 2x the console script's hook. ``--figures FILE`` also
writes every figure as JSON (bench/figures.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figures import Figures, slug

from task_orchestrator.installer.launcher import hook_command

ROOT = Path(__file__).resolve().parent.parent
EXE = ".exe" if os.name == "nt" else ""
BIN = "Scripts" if os.name == "nt" else "bin"
FIXTURE = ROOT / "tests" / "packaging" / "fixtures" / "SessionStart.json"
BUDGET = 2.0  # onedir hook / console-script hook


def pipx_install(base: Path) -> Path:
    """pipx-install this checkout's wheel under ``base``; return the console script."""
    tools = base / "tools"
    python = tools / BIN / ("python" + EXE)
    quiet = {"check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([sys.executable, "-m", "venv", str(tools)], **quiet)  # type: ignore[call-overload]
    subprocess.run([str(python), "-m", "pip", "install", "-q", "pipx"], **quiet)  # type: ignore[call-overload]
    wheels = base / "wheels"
    subprocess.run(
        [str(python), "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        **quiet,  # type: ignore[call-overload]
    )
    (wheel,) = wheels.glob("*.whl")
    env = {
        **os.environ,
        "PIPX_HOME": str(base / "pipx"),
        "PIPX_BIN_DIR": str(base / "bin"),
        "PIPX_MAN_DIR": str(base / "man"),  # else pipx creates ~/.local/share/man
    }
    subprocess.run([str(python), "-m", "pipx", "install", str(wheel)], env=env, **quiet)  # type: ignore[call-overload]
    return base / "pipx" / "venvs" / "task-orchestrator" / BIN / ("task-orchestrator" + EXE)


def interpreter_of(script: Path) -> Path:
    """The python a console script runs with: its shebang on POSIX, its folder on Windows."""
    if os.name != "nt":
        first = script.read_bytes().split(b"\n", 1)[0]
        if first.startswith(b"#!"):
            return Path(first[2:].decode().strip().split()[0])
    return script.parent / ("python" + EXE)


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def time_once(cmd: list[str], stdin: bytes, env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start-up benchmark of the packaged forms.")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--script", type=Path, help="a console script (default: pipx-install)")
    parser.add_argument(
        "--onedir",
        type=Path,
        default=ROOT / "dist" / "task-orchestrator" / f"task-orchestrator{EXE}",
    )
    parser.add_argument(
        "--onefile", type=Path, default=ROOT / "dist" / f"task-orchestrator-onefile{EXE}"
    )
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    opts = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-packaging-") as tmp:
        base = Path(tmp)
        script = opts.script or pipx_install(base / "install")
        python = interpreter_of(script)
        project = base / "project"
        (project / ".git").mkdir(parents=True)
        # The real layout, as a user has it: the data root comes from HOME.
        env = {**os.environ, "HOME": str(base)}
        for var in ("TASK_ORCHESTRATOR_HOME", "XDG_DATA_HOME", "CLAUDE_CONFIG_DIR"):
            env.pop(var, None)
        # Our server registered, as after setup: otherwise every SessionStart reports it
        # missing, and the hook measured would be the trouble path, which loads logging.
        (base / ".claude.json").write_text(
            json.dumps({"mcpServers": {"task-orchestrator": {}}}), encoding="utf-8"
        )
        payload = json.loads(FIXTURE.read_text("utf-8"))
        payload["cwd"] = str(project)
        hook_in = json.dumps(payload).encode()

        programs: dict[str, Path] = {"console script (pipx)": script}
        for label, path in (("onedir binary", opts.onedir), ("onefile binary", opts.onefile)):
            if path.is_file():
                programs[label] = path
        cases: dict[str, tuple[list[str], bytes]] = {
            "python -c pass": ([str(python), "-c", "pass"], b"")
        }
        for label, path in programs.items():
            cases[f"{label} --help"] = ([str(path), "--help"], b"")
            # The hook as setup registers it: the binary itself, or for pipx the venv's
            # interpreter running our entry point (installer/launcher.py).
            hook = hook_command(str(path), frozen=label != "console script (pipx)")
            cases[f"{label} hook SessionStart"] = ([*hook, "hook", "SessionStart"], hook_in)

        for cmd, stdin in cases.values():  # warm the page cache; not counted
            time_once(cmd, stdin, env, project)
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(opts.runs):  # interleaved, so drift in machine load hits all alike
            for name, (cmd, stdin) in cases.items():
                samples[name].append(time_once(cmd, stdin, env, project))

    report(samples, programs, opts.runs, python).write(opts.figures)
    return 0


def report(
    samples: dict[str, list[float]], programs: dict[str, Path], runs: int, python: Path
) -> Figures:
    """Print the tables (times in seconds) and return the same numbers as figures."""
    figs = Figures("packaging")
    medians = {name: statistics.median(s) for name, s in samples.items()}
    floor = medians["python -c pass"]
    print(f"{runs} runs each, interleaved; python: {python}\n")
    print("| command | median ms | x `python -c pass` |")
    print("|---|---:|---:|")
    for name, median in medians.items():
        figs.add(f"{slug(name)}.median_ms", median * 1000, "ms", "time")
        if name != "python -c pass":
            figs.add(f"{slug(name)}.ratio", median / floor, "x", "ratio")
        print(f"| `{name}` | {median * 1000:.1f} | {median / floor:.2f} |")
    print("\n| artifact | size |\n|---|---:|")
    for label, path in programs.items():
        if label != "console script (pipx)":
            shown = path.parent if label == "onedir binary" else path
            mib = size_of(shown) / 2**20
            figs.add(f"{slug(label)}.mib", mib, "MiB", "size")
            print(f"| {label} (`{shown.name}`) | {mib:.1f} MiB |")
    onedir_hook = medians.get("onedir binary hook SessionStart")
    if onedir_hook is not None:
        ratio = onedir_hook / medians["console script (pipx) hook SessionStart"]
        figs.add("onedir_hook_over_console_hook", ratio, "x", "ratio", budget=BUDGET)
        verdict = "within" if ratio <= BUDGET else "OVER"
        print(f"\nonedir hook / console-script hook: {ratio:.2f} ({verdict} the {BUDGET}x budget)")
    return figs


if __name__ == "__main__":
    sys.exit(main())
