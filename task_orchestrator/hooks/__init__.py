"""Claude Code hooks: one module per event. Standard library and core only (no click,
pydantic, mcp or psutil): they run on every event and must start fast."""
