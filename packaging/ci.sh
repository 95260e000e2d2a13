#!/usr/bin/env bash
# Build the binary from a clean venv and smoke-test both variants (what CI runs on Linux).
#   bash packaging/ci.sh        PYTHON=python3.12 bash packaging/ci.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
exe=""
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) exe=".exe" ;; esac

start=$SECONDS
# --archive as the release workflow builds it, so CI runs the release's build step.
"$python" packaging/build.py --archive
echo "packaging: built in $((SECONDS - start))s (clean venv, wheel, PyInstaller onedir + onefile)"
"$python" packaging/smoke.py \
  --binary "dist/task-orchestrator/task-orchestrator$exe" \
  --binary "dist/task-orchestrator-onefile$exe"
