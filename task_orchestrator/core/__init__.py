"""The domain: task model, SQLite store, planner, workspace resolution and paths.

Only the standard library may be imported here (root.py computes the data root without
platformdirs): the hooks run this code on every Claude Code event and must start in a few
tens of milliseconds (docs/ARCHITECTURE.md, "Start-up budget of the hook path").
"""
