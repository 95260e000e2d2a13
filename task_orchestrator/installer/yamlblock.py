"""Goose's config.yaml: our entry as one block under the top-level ``extensions:`` mapping.

config.yaml is goose's own settings file (provider, model, every extension), so it is
edited as text, the way the TOML writer appends a table: the install inserts one block of
lines, the uninstall removes exactly those lines, and nothing else in the file is touched.
We carry no YAML library: a round-trip YAML editor would be a large dependency for one
client, and a plain load-and-dump would drop the user's comments and reorder keys.

What we cannot edit safely we refuse, naming the line: tab indentation, several documents,
a top-level that is not a block mapping, ``extensions`` written twice, in flow style
(``extensions: {...}``) or as a list. This is a structural check of the parts we touch, not
a YAML parser: a YAML error elsewhere in the file is goose's to report.

Our values are written as JSON (strings quoted, lists and maps in flow style), which YAML
reads as the same values. goose rewrites config.yaml itself when the user changes a setting
(serde_yaml: plain scalars, block sequences at the key's indent); ``read_entry`` reads that
form of our block too, so a rewritten entry is still recognised, updated and removed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..errors import UserError
from .jsonedit import BOM, newline_of

Hints = dict[str, Any]
_KEY = re.compile(r"^(?P<key>[A-Za-z0-9_][A-Za-z0-9_.-]*|\"[^\"]*\"|'[^']*')[ \t]*:(?:[ \t]+|$)")


@dataclass
class _Line:
    start: int  # offset of the first character
    end: int  # offset after its line break (or the end of the text)
    text: str  # without the line break

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip(" "))

    @property
    def content(self) -> bool:
        s = self.text.strip()
        return bool(s) and not s.startswith("#")


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        out.append(_Line(pos, pos + len(raw), body))
        pos += len(raw)
    return out


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        return key[1:-1]
    return key


def _strip_comment(value: str) -> str:
    value = value.strip()
    if value.startswith("#"):
        return ""
    if value.startswith(("'", '"')):
        return value
    m = re.search(r"[ \t]#", value)
    return (value[: m.start()] if m else value).strip()


def _scalar(value: str) -> Any:
    v = _strip_comment(value)
    if v.startswith('"'):
        try:
            return json.loads(v)
        except ValueError:
            return v[1:-1]
    if v.startswith("'") and v.endswith("'") and len(v) >= 2:
        return v[1:-1].replace("''", "'")
    if v.startswith(("[", "{")):
        try:
            return json.loads(v)
        except ValueError:
            if v.startswith("[") and v.endswith("]"):
                inner = v[1:-1].strip()
                return [_scalar(p) for p in inner.split(",")] if inner else []
            return v
    if v in ("", "~", "null", "Null", "NULL"):
        return None
    if v in ("true", "True", "TRUE"):
        return True
    if v in ("false", "False", "FALSE"):
        return False
    if re.fullmatch(r"[-+]?[0-9]+", v):
        return int(v)
    if re.fullmatch(r"[-+]?([0-9]*\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?", v):
        return float(v)
    return v


def _mapping(lines: list[_Line], indent: int) -> dict[str, Any]:
    """The block mapping whose keys sit at ``indent`` (the subset goose and we write)."""
    out: dict[str, Any] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.content or line.indent != indent:
            i += 1
            continue
        m = _KEY.match(line.text[indent:])
        if not m:
            i += 1
            continue
        key = _unquote(m.group("key"))
        rest = line.text[indent + m.end() :]
        j = i + 1
        while j < len(lines) and (
            not lines[j].content
            or lines[j].indent > indent
            or (lines[j].indent == indent and lines[j].text.lstrip().startswith("- "))
        ):
            j += 1
        child = [ln for ln in lines[i + 1 : j] if ln.content]
        if _strip_comment(rest) or not child:
            out[key] = _scalar(rest)
        elif child[0].text.lstrip().startswith("-"):
            out[key] = [_scalar(c.text.lstrip()[1:]) for c in child]
        else:
            out[key] = _mapping(child, child[0].indent)
        i = j
    return out


@dataclass
class _Layout:
    lines: list[_Line]
    ext: int | None  # index of the ``extensions:`` line
    last: int | None  # index of the block's last content line (None: the block is empty)
    indent: int  # the children's indent
    entry: tuple[int, int] | None  # our entry's first and last line indexes


def _refuse(source: str, line: int, why: str) -> UserError:
    return UserError(
        f"{source}: cannot edit safely at line {line}: {why}; add task-orchestrator to "
        "`extensions:` by hand (see README, Clients) or fix the file; nothing was written"
    )


def _layout(text: str, container: list[str], name: str, source: str = "<text>") -> _Layout:
    if len(container) != 1:
        raise UserError(f"the YAML block writer takes one top-level key, not {container}")
    body = text.removeprefix(BOM)
    lines = _lines(body)
    ext = None
    first = True
    for n, line in enumerate(lines):
        if line.text[: len(line.text) - len(line.text.lstrip(" \t"))].count("\t"):
            raise _refuse(source, n + 1, "tab indentation")
        if re.match(r"^(---|\.\.\.)([ \t]|$)", line.text):
            if first and line.text.startswith("---") and not line.text[3:].strip():
                continue
            raise _refuse(source, n + 1, "more than one YAML document")
        if not line.content or line.indent:
            continue
        if first and not _KEY.match(line.text):
            raise _refuse(source, n + 1, "the top level is not a mapping of keys")
        first = False
        m = _KEY.match(line.text)
        if m and _unquote(m.group("key")) == container[0]:
            if ext is not None:
                raise _refuse(source, n + 1, f"`{container[0]}` appears twice")
            if _strip_comment(line.text[m.end() :]):
                raise _refuse(source, n + 1, f"`{container[0]}` is not a block mapping")
            ext = n
    if ext is None:
        return _Layout(lines, None, None, 2, None)
    last = None
    indent = 0
    entry_start: int | None = None
    entry_end: int | None = None
    prev = ext
    for n in range(ext + 1, len(lines)):
        line = lines[n]
        if not line.content:
            continue
        if line.indent == 0:
            break
        if indent == 0:
            indent = line.indent
            if line.text.lstrip().startswith("-"):
                raise _refuse(source, n + 1, f"`{container[0]}` is a list, not a mapping")
        if line.indent < indent:
            raise _refuse(source, n + 1, "inconsistent indentation")
        last = n
        if line.indent == indent:
            m = _KEY.match(line.text[indent:])
            if m is None:
                raise _refuse(source, n + 1, f"not a `key:` line inside `{container[0]}`")
            if entry_start is not None and entry_end is None:
                entry_end = prev
            if _unquote(m.group("key")) == name:
                if entry_start is not None:
                    raise _refuse(source, n + 1, f"`{name}` appears twice")
                entry_start = n
        prev = n
    if entry_start is not None and entry_end is None:
        entry_end = last
    entry = None if entry_start is None or entry_end is None else (entry_start, entry_end)
    return _Layout(lines, ext, last, indent or 2, entry)


def _render(name: str, entry: dict[str, Any], indent: int, nl: str) -> list[str]:
    pad = " " * indent
    out = [f"{pad}{name}:"]
    for key, value in entry.items():
        out.append(f"{pad}{pad}{key}: {json.dumps(value, ensure_ascii=False)}")
    return [line + nl for line in out]


class YamlBlockWriter:
    def check(self, text: str, source: str) -> None:
        _layout(text, ["extensions"], "task-orchestrator", source)

    def read_entry(self, text: str, container: list[str], name: str) -> Any | None:
        lay = _layout(text, container, name)
        if lay.entry is None:
            return None
        start, end = lay.entry
        value = _mapping(lay.lines[start : end + 1], lay.indent)
        return value.get(name)

    def install(
        self, text: str, container: list[str], name: str, entry: dict[str, Any]
    ) -> tuple[str, Hints]:
        bom = BOM if text.startswith(BOM) else ""
        body = text[len(bom) :]
        lay = _layout(text, container, name)
        nl = newline_of(body)
        block = _render(name, entry, lay.indent, nl)
        hints: Hints = {}
        if lay.entry is not None:
            start, end = lay.entry
            a, b = lay.lines[start].start, lay.lines[end].end
            tail = "" if body[a:b].endswith(("\n", "\r")) else nl
            new = body[:a] + "".join(block).removesuffix(tail and nl) + body[b:]
        elif lay.ext is None:
            prefix = nl if body and not body.endswith(("\n", "\r")) else ""
            new = body + prefix + f"{container[0]}:{nl}" + "".join(block)
            hints = {"created": True, "prefix": prefix}
            if not body.strip():
                hints["blank"] = text
        else:
            after = lay.lines[lay.last if lay.last is not None else lay.ext]
            at = after.end
            if body[after.start : at].endswith(("\n", "\r")):
                new = body[:at] + "".join(block) + body[at:]
            else:  # the last line of the file, with no line break: ours goes after one
                new = body[:at] + nl + "".join(block).removesuffix(nl) + body[at:]
        out = bom + new
        if self.read_entry(out, container, name) != entry:
            raise UserError("the YAML block did not read back as written; nothing was written")
        return out, hints

    def uninstall(self, text: str, container: list[str], name: str, hints: Hints) -> str | None:
        bom = BOM if text.startswith(BOM) else ""
        body = text[len(bom) :]
        lay = _layout(text, container, name)
        if lay.entry is None:
            return text
        start, end = lay.entry
        a, b = lay.lines[start].start, lay.lines[end].end
        if b == len(body) and not body.endswith(("\n", "\r")):
            a -= len(newline_of(body))  # the line break we put before our last line
        new = body[:a] + body[b:]
        if hints.get("created") and lay.ext is not None:
            rest = _layout(new, container, name)
            if rest.ext is not None and rest.last is None:
                line = rest.lines[rest.ext]
                prefix = str(hints.get("prefix", ""))
                cut = line.start - (len(prefix) if new[: line.start].endswith(prefix) else 0)
                if line.end == len(new):
                    new = new[:cut]
        if "blank" in hints and not new.strip():
            return str(hints["blank"])
        return bom + new
