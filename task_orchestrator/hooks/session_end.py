"""SessionEnd: close the session and record why it ended. All SessionEnd hooks share about
1.5 s, so this opens the store with a short busy timeout and does one write (closing the session and
dropping its latest prompt, hooks/state.py)."""

from __future__ import annotations

from .protocol import Event
from .settings import Settings


def handle(event: Event, settings: Settings) -> dict[str, object] | None:
    import os

    from ..core import db
    from ..core.root import db_file
    from .state import PROMPT_MARK, SHORT_BUSY_TIMEOUT_S, open_store

    if event.store is None and not os.path.exists(db_file()):
        return None  # no store: no session was ever opened, nothing to close
    with open_store(event, busy_timeout=SHORT_BUSY_TIMEOUT_S, create=False) as store:
        session = store.find_session("claude-code", event.session_id)
        if session is not None and session.status == "active":
            with db.write(store.conn):  # one transaction: the budget allows one write
                store.close_session(session.id, event.text("reason", "other") or "other")
                # The session's latest prompt has served its purpose; its text goes.
                store.drop_marks(PROMPT_MARK + event.session_id)
    return None
