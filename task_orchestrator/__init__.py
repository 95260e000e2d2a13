"""task-orchestrator: plan, track and finish work across every MCP client."""

__version__ = "0.1.0"

#: The name under which the server is registered in every client config.
SERVER_NAME = "task-orchestrator"
