"""One-click install links for editors that accept them (Cursor, VS Code).

A link carries a server entry the editor writes into its own config, so it is built by the
same function setup writes entries with (``ClientSpec.entry_for`` in installer/catalog.py),
with the command a link can carry: ``uvx task-orchestrator serve``, the PyPI route. A link
cannot know where an install lives on the reader's machine, so it relies on ``uvx`` being
on the editor's PATH; setup, which can, registers an absolute path instead
(docs/ARCHITECTURE.md, "Registered commands and PATH").
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote, urlencode

from .. import SERVER_NAME
from .catalog import load_clients

#: The command and arguments of the PyPI route (also server.json's package).
UVX_COMMAND = "uvx"
UVX_ARGS = [SERVER_NAME, "serve"]


def entry(client_id: str) -> dict[str, Any]:
    """The server entry ``client_id``'s config gets for the uvx route."""
    return load_clients()[client_id].entry_for(UVX_COMMAND, UVX_ARGS)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def cursor_link() -> str:
    config = base64.b64encode(_compact(entry("cursor")).encode()).decode()
    return "cursor://anysphere.cursor-deeplink/mcp/install?" + urlencode(
        {"name": SERVER_NAME, "config": config}
    )


def vscode_link() -> str:
    # VS Code takes the entry with its name in it, URL-encoded, as the whole query.
    return "vscode:mcp/install?" + quote(_compact({"name": SERVER_NAME, **entry("vscode")}))


def vscode_web_link() -> str:
    """What a README links to: GitHub does not make ``vscode:`` links clickable."""
    return "https://vscode.dev/redirect?url=" + quote(vscode_link(), safe="")


def links() -> dict[str, Any]:
    return {
        "cursor": {"link": cursor_link(), "entry": entry("cursor")},
        "vscode": {"link": vscode_link(), "web": vscode_web_link(), "entry": entry("vscode")},
    }
