"""The domain: task model, SQLite store, planner, workspace resolution and paths.

Only the standard library and platformdirs may be imported here: the hooks run this code on
every Claude Code event and must start in a few tens of milliseconds (DESIGN.md section 7).
"""
