"""What `task-orchestrator tasks` needs beyond click: which workspace and store a command acts
on (place.py), the data it shows (plans.py, export.py) and how a terminal draws it
(render.py, the only module here that imports rich). The hooks and the server import none of
it (tests/cli/test_tasks_imports.py)."""
