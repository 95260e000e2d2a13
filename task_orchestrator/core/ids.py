"""Short, random, readable ids (``task_7kq2m9xw``): never ``max+1``, which collides when two
processes create tasks at once."""

from __future__ import annotations

import os

# No 0/o, 1/l/i: ids get read aloud and retyped by people and models.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_id(prefix: str, length: int = 8) -> str:
    # os.urandom rather than the secrets module: secrets imports hmac, hashlib and OpenSSL
    # (about 4 ms), which the hooks pay on every event. 64 random bits cover 31**8 ids
    # with negligible bias.
    number = int.from_bytes(os.urandom(8), "big")
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[digit])
    return prefix + "_" + "".join(chars)
