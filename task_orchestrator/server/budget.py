"""The size budget of tool answers.

Every answer, errors included, stays under :data:`MAX_ANSWER_BYTES` of JSON whatever the
store holds or the caller sends: clients cut tool results at about 25,000 tokens, and a cut
answer is worse than a short one that says how to get the rest. Sizes are bytes of compact
JSON as sent: a character takes 1 to 6 bytes there (UTF-8, or a \\u escape for a control
character), so counting characters is no bound.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

MAX_ANSWER_BYTES = 100_000
#: Of that, what the structured content and the transcript text may each use.
STRUCTURED_BUDGET = 80_000
TEXT_BUDGET = 12_000


def json_size(value: Any) -> int:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8", "replace"))


def clip(text: str, budget: int, note: str = "") -> str:
    """``text`` cut so that its JSON takes at most ``budget`` bytes, with a marker saying
    how much was left out (and ``note``, where to find the rest)."""
    if json_size(text) <= budget:
        return text
    tail = f" [... cut: {len(text)} characters in all{'; ' + note if note else ''}]"
    room = budget - json_size(tail)
    low, high = 0, min(len(text), max(room, 0))
    while low < high:  # the longest prefix that fits
        mid = (low + high + 1) // 2
        if json_size(text[:mid]) <= room:
            low = mid
        else:
            high = mid - 1
    return text[:low] + tail


M = TypeVar("M")


def fit(items: Sequence[M], budget: int, size: Callable[[M], int] = json_size) -> list[M]:
    """The longest head of ``items`` whose JSON list fits in ``budget`` bytes."""
    out: list[M] = []
    used = 2
    for item in items:
        used += size(item) + 1
        if used > budget:
            break
        out.append(item)
    return out
