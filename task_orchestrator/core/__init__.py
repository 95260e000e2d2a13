"""The domain: the task model, the SQLite store, every task rule, workspaces, documents,
private files and paths.

Only the standard library is imported here, and the modules the hooks load stay cheap to
import: the hooks run this code on every Claude Code event within a start-up budget
(docs/ARCHITECTURE.md, "The hook path"). What only the server needs (templates and
specialist routing) lives in server/.
"""
