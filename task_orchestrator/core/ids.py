"""Short, random, readable ids (``task_7kq2m9xw``): never ``max+1``, which collides when two
processes create tasks at once."""

from __future__ import annotations

import secrets

# No 0/o, 1/l/i: ids get read aloud and retyped by people and models.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_id(prefix: str, length: int = 8) -> str:
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
