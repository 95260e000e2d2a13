"""The script PyInstaller freezes: the binary's whole behaviour lives in
task_orchestrator.frozen, where it is typed and tested."""

import sys

from task_orchestrator.frozen import main

if __name__ == "__main__":
    sys.exit(main())
