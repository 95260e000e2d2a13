"""Data: one file per MCP client, read by the installer's catalog."""
