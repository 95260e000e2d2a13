"""A surgical JSON / JSONC editor: parse to spans, then splice text.

Why our own and not a round-trip library: we must change only our entry and keep every other
byte (comments, trailing commas, key order, indentation, CRLF, BOM). A parser that records the
start and end offset of every member is enough to do that by string splicing, and it lets the
insert and the remove be exact inverses of each other, which is what makes install followed
by uninstall byte-identical (tests/installer/test_setup_property.py proves it).

Accepted syntax: JSON plus ``//`` and ``/* */`` comments and trailing commas (what VS Code
and Zed call JSONC). The BOM is kept as is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import UserError

BOM = "\ufeff"


class ParseError(UserError):
    def __init__(self, message: str, text: str, pos: int, source: str = "<text>") -> None:
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        self.line, self.column = line, col
        super().__init__(
            f"{source}: cannot parse at line {line}, column {col}: {message}; "
            "fix the file (or restore it with `orchestrator-setup restore FILE`) and retry; "
            "nothing was written"
        )


@dataclass
class Node:
    kind: str  # "object" | "array" | "scalar"
    start: int
    end: int  # exclusive
    # For containers: children in order. Objects: (key, key_start, value); arrays: (None, start, value).
    items: list[tuple[str | None, int, Node]] = field(default_factory=list)
    # Position of the comma following each item, or -1.
    commas: list[int] = field(default_factory=list)

    # With a duplicated key, the last one wins, as in JavaScript's JSON.parse (what the
    # Electron clients use): that is the one to edit.
    def get(self, key: str) -> Node | None:
        i = self.index(key)
        return None if i < 0 else self.items[i][2]

    def index(self, key: str) -> int:
        for i in range(len(self.items) - 1, -1, -1):
            if self.items[i][0] == key:
                return i
        return -1


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = ("true", "false", "null")


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0

    def fail(self, message: str, pos: int | None = None) -> ParseError:
        return ParseError(message, self.text, self.pos if pos is None else pos, self.source)

    def skip(self) -> None:
        """Whitespace and comments."""
        t = self.text
        while self.pos < len(t):
            c = t[self.pos]
            if c in " \t\r\n":
                self.pos += 1
            elif t.startswith("//", self.pos):
                nl = t.find("\n", self.pos)
                self.pos = len(t) if nl < 0 else nl
            elif t.startswith("/*", self.pos):
                close = t.find("*/", self.pos + 2)
                if close < 0:
                    raise self.fail("unterminated comment")
                self.pos = close + 2
            else:
                return

    def string(self) -> str:
        start = self.pos
        t = self.text
        i = start + 1
        while i < len(t):
            c = t[i]
            if c == "\\":
                i += 2
                continue
            if c == '"':
                try:
                    value: str = json.loads(t[start : i + 1])
                except json.JSONDecodeError as exc:
                    raise self.fail(f"bad string ({exc.msg})", start) from None
                self.pos = i + 1
                return value
            if c == "\n":
                break
            i += 1
        raise self.fail("unterminated string", start)

    def value(self) -> Node:
        self.skip()
        t = self.text
        if self.pos >= len(t):
            raise self.fail("unexpected end of file")
        c = t[self.pos]
        start = self.pos
        if c == "{":
            return self.container("object", "}")
        if c == "[":
            return self.container("array", "]")
        if c == '"':
            self.string()
            return Node("scalar", start, self.pos)
        m = _NUMBER.match(t, self.pos)
        if m and m.end() > self.pos:
            self.pos = m.end()
            return Node("scalar", start, self.pos)
        for lit in _LITERALS:
            if t.startswith(lit, self.pos):
                self.pos += len(lit)
                return Node("scalar", start, self.pos)
        raise self.fail(f"unexpected character {c!r}")

    def container(self, kind: str, close: str) -> Node:
        node = Node(kind, self.pos, -1)
        self.pos += 1
        while True:
            self.skip()
            if self.pos >= len(self.text):
                raise self.fail(f"missing {close!r}")
            if self.text[self.pos] == close:
                self.pos += 1
                node.end = self.pos
                return node
            item_start = self.pos
            key: str | None = None
            if kind == "object":
                if self.text[self.pos] != '"':
                    raise self.fail("expected a quoted key")
                key = self.string()
                self.skip()
                if self.pos >= len(self.text) or self.text[self.pos] != ":":
                    raise self.fail("expected ':'")
                self.pos += 1
            node.items.append((key, item_start, self.value()))
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                node.commas.append(self.pos)
                self.pos += 1
            else:
                node.commas.append(-1)
                self.skip()
                if self.pos >= len(self.text) or self.text[self.pos] != close:
                    raise self.fail(f"expected ',' or {close!r}")


def parse(text: str, source: str = "<text>") -> Node:
    """Parse a whole document (BOM already stripped) into spans; raises ParseError."""
    p = _Parser(text, source)
    node = p.value()
    p.skip()
    if p.pos != len(text):
        raise p.fail("unexpected text after the document")
    return node


def loads(text: str, source: str = "<text>") -> Any:
    """The value of a JSONC document, via the span tree (comments and trailing commas ok)."""
    return _to_value(text, parse(text, source))


def _to_value(text: str, node: Node) -> Any:
    if node.kind == "scalar":
        return json.loads(text[node.start : node.end])
    if node.kind == "array":
        return [_to_value(text, v) for _, _, v in node.items]
    return {k: _to_value(text, v) for k, _, v in node.items}


# ---------------------------------------------------------------- layout helpers


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _line_indent(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    m = re.match(r"[ \t]*", text[line_start:pos])
    return m.group(0) if m else ""


def _indent_unit(text: str) -> str:
    """The file's indentation step: tabs if lines start with tabs, else the smallest run."""
    widths = [len(m) for m in re.findall(r"\n( +)[^ \r\n]", text)]
    if re.search(r"\n\t+[^\t\r\n]", text) and not widths:
        return "\t"
    return " " * (min(widths) if widths else 2)


def _multiline(text: str, node: Node) -> bool:
    if node.items:
        return "\n" in text[node.start : node.items[0][1]]
    return "\n" in text[node.start : node.end]


def render(value: Any, indent: str, unit: str, nl: str, multiline: bool) -> str:
    """``value`` as JSON text whose continuation lines start at ``indent``."""
    if not multiline:
        return json.dumps(value, ensure_ascii=False)
    body = json.dumps(value, indent=unit if unit != "\t" else "\t", ensure_ascii=False)
    return body.replace("\n", nl + indent)


def _item_text(key: str | None, value: Any, indent: str, unit: str, nl: str, ml: bool) -> str:
    head = "" if key is None else json.dumps(key, ensure_ascii=False) + ": "
    return head + render(value, indent, unit, nl, ml)


@dataclass(frozen=True)
class Edit:
    """One splice: replace text[start:end] with new. ``padded`` records that we also added
    the line break before the closing bracket of a container that was empty, so that removal
    can take it away again (kept in the manifest)."""

    start: int
    end: int
    new: str
    padded: bool = False

    def apply(self, text: str) -> str:
        return text[: self.start] + self.new + text[self.end :]


def insert_item(text: str, node: Node, key: str | None, value: Any) -> Edit:
    """Append a member (object) or element (array) to ``node``, matching its style."""
    nl = newline_of(text)
    unit = _indent_unit(text)
    ml = _multiline(text, node)
    if node.items:
        first_start = node.items[0][1]
        indent = _line_indent(text, first_start) if ml else ""
        item = _item_text(key, value, indent, unit, nl, ml)
        sep = nl + indent if ml else " "
        last_value = node.items[-1][2]
        last_comma = node.commas[-1]
        if last_comma >= 0:  # keep the trailing-comma style: `a,` -> `a,\n  ours,`
            return Edit(last_comma + 1, last_comma + 1, sep + item + ",")
        return Edit(last_value.end, last_value.end, "," + sep + item)
    close_indent = _line_indent(text, node.start)
    indent = close_indent + unit
    item = _item_text(key, value, indent, unit, nl, True)
    inner = text[node.start + 1 : node.end - 1]
    padded = "\n" not in inner
    new = nl + indent + item + (nl + close_indent if padded else "")
    return Edit(node.start + 1, node.start + 1, new, padded)


def remove_item(text: str, node: Node, index: int, padded: bool = False) -> Edit:
    """The inverse of insert_item for an item it appended; a tidy removal otherwise."""
    _, start, value = node.items[index]
    comma = node.commas[index]
    n = len(node.items)
    if n == 1:
        end = comma + 1 if comma >= 0 else value.end
        if padded:  # exactly the line break insert_item added before the bracket
            expected = newline_of(text) + _line_indent(text, node.start)
            if text.startswith(expected, end):
                end += len(expected)
        return Edit(node.start + 1, end, "")
    if index == n - 1:
        prev_value = node.items[index - 1][2]
        prev_comma = node.commas[index - 1]
        if comma >= 0:  # inverse of the trailing-comma insert
            return Edit(prev_comma + 1, comma + 1, "")
        return Edit(prev_value.end, value.end, "")
    # In the middle: take our line(s) out whole when we sit on our own lines.
    line_start = text.rfind("\n", 0, start) + 1
    begin = line_start if text[line_start:start].strip() == "" else start
    end = comma + 1
    m = re.match(r"[ \t]*(\r?\n)?", text[end:])
    if begin == line_start and m and m.group(1):
        end += m.end()
    else:
        end += len(text[end:]) - len(text[end:].lstrip(" \t"))
    return Edit(begin, end, "")


def replace_value(text: str, value_node: Node, value: Any) -> Edit:
    nl = newline_of(text)
    unit = _indent_unit(text)
    ml = "\n" in text[value_node.start : value_node.end]
    indent = _line_indent(text, value_node.start)
    return Edit(value_node.start, value_node.end, render(value, indent, unit, nl, ml))


def find(text: str, root: Node, path: list[str]) -> Node | None:
    node: Node | None = root
    for key in path:
        if node is None or node.kind != "object":
            return None
        node = node.get(key)
    return node


def set_path(text: str, root: Node, path: list[str], value: Any) -> tuple[Edit, int, bool]:
    """Set ``path`` to ``value``. Returns the edit, how many leading keys of ``path``
    already existed (so the caller knows which sections it created), and the padding flag."""
    node = root
    for depth, key in enumerate(path):
        if node.kind != "object":
            raise UserError(f"expected an object at {'.'.join(path[:depth]) or 'the top'}")
        child = node.get(key)
        if child is None:
            nested: Any = value
            for k in reversed(path[depth + 1 :]):
                nested = {k: nested}
            edit = insert_item(text, node, key, nested)
            return edit, depth, edit.padded
        if depth == len(path) - 1:
            return replace_value(text, child, value), depth + 1, False
        node = child
    raise AssertionError("empty path")


def append_to_array(text: str, array: Node, value: Any) -> Edit:
    return insert_item(text, array, None, value)
