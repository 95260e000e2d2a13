"""Events that could not reach the store (it was locked past our short busy timeout) are
kept in a spool file and replayed, in order, by the next hook that opens the store. So a busy
store delays the bookkeeping instead of losing it.

Only events whose effect does not depend on being answered at once are spooled: the
mirroring events, work prompts, PreCompact and SessionEnd. Payloads are slimmed to the fields
the handlers read first (a Write payload carries the whole file).
"""

from __future__ import annotations

import os

from ..core import fastjson
from ..core.root import data_root

SPOOLED_EVENTS = frozenset(
    {"UserPromptSubmit", "PostToolUse", "TaskCreated", "TaskCompleted", "PreCompact", "SessionEnd"}
)
MAX_SPOOL_BYTES = 5_000_000  # past this the oldest bookkeeping is not worth a slow hook
_INPUT_KEYS = (
    "taskId",
    "status",
    "subject",
    "description",
    "activeForm",
    "file_path",
    "notebook_path",
)
_replaying = False


def spool_path() -> str:
    return os.path.join(data_root(), "data", "hooks-spool.jsonl")


def slim(payload: dict[str, object]) -> dict[str, object]:
    out = {k: v for k, v in payload.items() if k not in ("tool_input", "tool_response")}
    tool_input = payload.get("tool_input")
    if isinstance(tool_input, dict):
        out["tool_input"] = {k: tool_input[k] for k in _INPUT_KEYS if k in tool_input}
    response = payload.get("tool_response")
    if isinstance(response, dict) and isinstance(response.get("task"), dict):
        out["tool_response"] = {"task": {"id": response["task"].get("id")}}
    prompt = out.get("prompt")
    if isinstance(prompt, str) and len(prompt) > 20_000:
        out["prompt"] = prompt[:20_000]
    return out


def save(event: str, payload: dict[str, object]) -> bool:
    """Append one event; False when it cannot be kept (not spoolable, spool full, no disk)."""
    if event not in SPOOLED_EVENTS:
        return False
    path = spool_path()
    line = fastjson.dumps({"event": event, "payload": slim(payload)}, ensure_ascii=False) + "\n"
    try:
        if os.path.exists(path) and os.path.getsize(path) + len(line) > MAX_SPOOL_BYTES:
            return False
        # One write() of one line with O_APPEND: concurrent hooks never interleave lines.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError:
        return False
    return True


def replaying() -> bool:
    return _replaying


def replay() -> None:
    """Apply spooled events, oldest first. Claiming the file by renaming it makes sure two
    hooks never replay the same events; what fails because the store is still busy goes back
    to the spool, anything else is logged and dropped."""
    global _replaying
    path = spool_path()
    if _replaying or not os.path.exists(path):
        return
    claimed = f"{path}.{os.getpid()}"
    try:
        os.replace(path, claimed)
        with open(claimed, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        os.unlink(claimed)
    except OSError:
        return
    from ..core.errors import StoreBusy
    from .log import log
    from .protocol import Event
    from .runner import handler
    from .settings import load_settings

    settings = load_settings()
    _replaying = True
    try:
        for index, line in enumerate(lines):
            try:
                item = fastjson.loads(line)
                name, payload = str(item["event"]), item["payload"]
                handler(name).handle(Event(name, payload), settings)
            except Exception as exc:
                if isinstance(exc, StoreBusy):
                    for rest in lines[index:]:
                        item = fastjson.loads(rest)
                        save(str(item["event"]), item["payload"])
                    log("warning", f"spool replay stopped, store busy again: {exc}")
                    return
                log("warning", f"spooled event dropped: {type(exc).__name__}: {exc}")
        if lines:
            log("info", f"replayed {len(lines)} spooled hook events")
    finally:
        _replaying = False
