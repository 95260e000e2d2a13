"""Headless Chromium as the board's browser tests and bench/bench_board.py start it: Debian's
`chromium` (scripts/install-browser), or $TASK_ORCHESTRATOR_BROWSER."""

from __future__ import annotations

import os

BROWSER = os.environ.get("TASK_ORCHESTRATOR_BROWSER") or "/usr/bin/chromium"
# Offline and quiet: without the background-networking flags Chromium keeps trying to reach
# Google's services, and each attempt is refused on a closed network.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
