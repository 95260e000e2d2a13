"""The MCP server: adapts the core to MCP tools and resources (no SQL here)."""
