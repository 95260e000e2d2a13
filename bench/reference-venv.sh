#!/usr/bin/env bash
# Installs the reference implementation (PyPI mcp-task-orchestrator) in its own venv in
# .cache/reference-venv: it needs mcp<2, which cannot share a venv with our mcp 2.x.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.cache/reference-venv
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import mcp_task_orchestrator" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "mcp-task-orchestrator==1.8.0" "mcp>=1.9,<2"
