"""SessionEnd: close the session and record why it ended. All SessionEnd hooks share about
1.5 s, so this opens the store with a short busy timeout and does one write."""

from __future__ import annotations

from .protocol import Event
from .settings import Settings


def handle(event: Event, settings: Settings) -> dict[str, object] | None:
    import os

    from ..core.root import db_file
    from .state import SHORT_BUSY_TIMEOUT_S, open_store

    if not os.path.exists(db_file()):
        return None  # no store: no session was ever opened, nothing to close
    with open_store(event, busy_timeout=SHORT_BUSY_TIMEOUT_S, create=False) as store:
        session = store.find_session("claude-code", event.session_id)
        if session is not None and session.status == "active":
            store.close_session(session.id, event.text("reason", "other") or "other")
    return None
