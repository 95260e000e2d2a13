"""``loads`` and ``dumps`` as the ``json`` package does them, without importing it.

``import json`` costs a hook about 3 to 4 ms (json.decoder and json.scanner import ``re``;
``bench/bench_imports.py`` measures it), on every Claude Code event: more than a start-up
trick must save to stay (docs/ARCHITECTURE.md, "The hook path"). The parsing and encoding themselves are C functions of the ``_json``
module, which imports nothing; this module drives them the way json.decoder and json.encoder
do, with json's defaults. Where ``_json`` is missing or does not take these arguments (another
Python implementation or version), everything goes through ``json`` itself: slower, never
different. Errors are json's own (``json.JSONDecodeError``, a ValueError; TypeError for what
cannot be encoded); building them imports json, which only a failure pays for.
tests/core/test_fastjson.py compares both on generated documents.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_WHITESPACE = " \t\n\r"  # json's WHITESPACE regex: [ \t\n\r]*


def _constant(name: str) -> float:
    return float(name.lower().replace("infinity", "inf"))  # NaN, Infinity, -Infinity


class _DecoderContext:
    """The attributes ``_json.make_scanner`` reads from a ``json.JSONDecoder()``."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_constant)


def _c_scanner() -> Callable[[str, int], tuple[Any, int]] | None:
    try:
        from _json import make_scanner

        # typeshed wants a JSONDecoder; the C code reads only the attributes above.
        context: Any = _DecoderContext()
        scan: Callable[[str, int], tuple[Any, int]] = make_scanner(context)
        return scan
    except Exception:  # no _json here, or it wants other arguments
        return None


def _fail(message: str, doc: str, pos: int) -> ValueError:
    import json

    return json.JSONDecodeError(message, doc, pos)


def loads(data: str | bytes | bytearray) -> Any:
    """``json.loads(data)``."""
    scan = _scan
    if isinstance(data, (bytes, bytearray)):
        if data[:3] == b"\xef\xbb\xbf" or b"\x00" in data[:4]:
            scan = None  # a BOM or UTF-16/32: json's encoding detection handles those
        else:
            data = data.decode("utf-8", "surrogatepass")
    if scan is None or not isinstance(data, str) or data.startswith("\ufeff"):
        import json

        return json.loads(data)
    start = len(data) - len(data.lstrip(_WHITESPACE))
    try:
        value, end = scan(data, start)
    except StopIteration as exc:
        raise _fail("Expecting value", data, exc.value) from None
    except Exception:
        # Bad JSON: _json builds its error from json.decoder, but finds that module only if
        # it is imported already (otherwise a SystemError). json itself says it properly.
        import json

        return json.loads(data)
    extra = data[end:].lstrip(_WHITESPACE)
    if extra:
        raise _fail("Extra data", data, len(data) - len(extra))
    return value


def value_at(text: str, index: int) -> tuple[Any, int]:
    """The JSON value that starts at ``text[index]`` (after any whitespace) and the index
    just past it; json.JSONDecodeError when there is none. For reading one part of a large
    document without parsing all of it."""
    start = index
    while start < len(text) and text[start] in _WHITESPACE:
        start += 1
    if _scan is None:
        import json

        value, end = json.JSONDecoder().raw_decode(text, start)
        return value, end
    try:
        return _scan(text, start)
    except StopIteration as exc:
        raise _fail("Expecting value", text, exc.value) from None
    except Exception:  # as in loads: let json report what is wrong
        import json

        value, end = json.JSONDecoder().raw_decode(text, start)
        return value, end


def _json_default(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _c_encoder(
    ensure_ascii: bool, sort_keys: bool, default: Callable[[Any], Any] | None
) -> Callable[[Any, int], Any] | None:
    try:
        from _json import encode_basestring, encode_basestring_ascii, make_encoder

        encoder: Callable[[Any, int], Any] = make_encoder(
            {},  # markers: circular references raise ValueError, as in json
            default or _json_default,
            encode_basestring_ascii if ensure_ascii else encode_basestring,
            None,  # indent
            ": ",
            ", ",
            sort_keys,
            False,  # skipkeys
            True,  # allow_nan
        )
        return encoder
    except Exception:
        return None


def dumps(
    value: Any,
    *,
    ensure_ascii: bool = True,
    sort_keys: bool = False,
    default: Callable[[Any], Any] | None = None,
) -> str:
    """``json.dumps(value, ensure_ascii=..., sort_keys=..., default=...)``."""
    encode = _c_encoder(ensure_ascii, sort_keys, default) if _scan is not None else None
    if encode is None:
        import json

        return json.dumps(value, ensure_ascii=ensure_ascii, sort_keys=sort_keys, default=default)
    chunks = encode(value, 0)
    return "".join(chunks)


_scan = _c_scanner()
