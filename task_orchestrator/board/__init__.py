"""The board: a local web page over the task store (`task-orchestrator board`).

Imports starlette (and uvicorn, in the command), so only the ``board`` command loads this
package; the hooks and the server never do (tests/board/test_board_imports.py). See
docs/ARCHITECTURE.md, "The board".
"""
