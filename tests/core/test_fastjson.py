"""core/fastjson.py must give exactly what json gives, for every document and every error."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from task_orchestrator.core import fastjson

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def same(a: Any, b: Any) -> bool:
    """Equality that counts NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def test_the_c_functions_are_in_use() -> None:
    # Otherwise everything below would compare json with itself.
    assert fastjson._scan is not None
    assert fastjson._c_encoder(True, False, None) is not None


@settings(max_examples=300)
@given(documents, st.booleans(), st.booleans())
def test_dumps_is_json_dumps(doc: Any, ensure_ascii: bool, sort_keys: bool) -> None:
    want = json.dumps(doc, ensure_ascii=ensure_ascii, sort_keys=sort_keys)
    assert fastjson.dumps(doc, ensure_ascii=ensure_ascii, sort_keys=sort_keys) == want


@settings(max_examples=300)
@given(documents, st.sampled_from(["", " ", "\n", " \t\r\n "]))
def test_loads_is_json_loads(doc: Any, pad: str) -> None:
    text = pad + json.dumps(doc, ensure_ascii=False) + pad
    assert same(fastjson.loads(text), json.loads(text))
    raw = text.encode("utf-8")
    assert same(fastjson.loads(raw), json.loads(raw))


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_bad_documents_fail_as_json_does(text: str) -> None:
    try:
        want: Any = json.loads(text)
    except ValueError as exc:
        with pytest.raises(type(exc)) as got:
            fastjson.loads(text)
        assert str(got.value) == str(exc)
    else:
        assert same(fastjson.loads(text), want)


@pytest.mark.parametrize(
    "raw",
    [b"", b"   ", b"{", b'{"a": 1} x', b"[1,]", b"NaN", b"-Infinity", b'"\xff"', b"\xef\xbb\xbf{}"],
)
def test_edge_cases(raw: bytes) -> None:
    try:
        want: Any = json.loads(raw)
    except ValueError as exc:
        with pytest.raises(type(exc)) as got:
            fastjson.loads(raw)
        assert str(got.value) == str(exc)
    else:
        assert same(fastjson.loads(raw), want)


def test_utf16_and_default_and_errors() -> None:
    doc = {"ü": [1, 2.5, None]}
    assert fastjson.loads(json.dumps(doc).encode("utf-16")) == doc
    assert fastjson.dumps({"t": {1, 2}.__class__}, default=str) == json.dumps(
        {"t": set}, default=str
    )
    with pytest.raises(TypeError, match="not JSON serializable"):
        fastjson.dumps({"s": {1}})
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        fastjson.dumps(loop)


@pytest.mark.usefixtures("without_coverage")
def test_importing_it_loads_neither_json_nor_re() -> None:
    code = (
        "import sys; from task_orchestrator.core import fastjson; "
        'fastjson.dumps(fastjson.loads(\'{"a": [1, 2.5, "x"]}\')); '
        "print(sorted(m for m in ('json', 're', 'enum') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_errors_before_json_is_imported() -> None:
    """_json finds json.decoder (for its error class) only when something imported it."""
    code = (
        "import sys; from task_orchestrator.core import fastjson\n"
        "for bad in ('{\"a\": ', '[1, 2', '{\"a\" 1}'):\n"
        "    try: fastjson.loads(bad)\n"
        "    except ValueError as exc: print(type(exc).__name__, exc)\n"
        "try: fastjson.value_at('[1, ', 0)\n"
        "except ValueError as exc: print(type(exc).__name__, exc)\n"
    )
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert out.stderr == ""
    assert out.stdout.splitlines() == [
        "JSONDecodeError Expecting value: line 1 column 7 (char 6)",
        "JSONDecodeError Expecting ',' delimiter: line 1 column 6 (char 5)",
        "JSONDecodeError Expecting ':' delimiter: line 1 column 6 (char 5)",
        "JSONDecodeError Expecting value: line 1 column 5 (char 4)",
    ]
