"""One writer per file format, registered in one dict behind a Protocol.

Each writer works on text and returns text: reading, locking, backups and the atomic write
are the caller's (fileops.py), so a writer is a pure function that tests can hammer.
``hints`` is what the writer needs to undo its own insert exactly (sections it created, a
line break it added, whether the file was blank); the caller keeps it in the manifest.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from ..errors import UserError
from . import jsonedit
from .yamlblock import YamlBlockWriter

Hints = dict[str, Any]


class Writer(Protocol):
    def check(self, text: str, source: str) -> None:
        """Raise a UserError naming the file and the position if ``text`` cannot be parsed."""

    def read_entry(self, text: str, container: list[str], name: str) -> Any | None: ...

    def install(
        self, text: str, container: list[str], name: str, entry: dict[str, Any]
    ) -> tuple[str, Hints]: ...

    def uninstall(self, text: str, container: list[str], name: str, hints: Hints) -> str | None:
        """The text without our entry; None means the file should not exist."""


def _blank(text: str) -> bool:
    return text.lstrip(jsonedit.BOM).strip() == ""


class JsonWriter:
    """JSON and JSONC: the surgical span editor (jsonedit.py)."""

    def check(self, text: str, source: str) -> None:
        if not _blank(text):
            jsonedit.parse(text.removeprefix(jsonedit.BOM), source)

    def read_entry(self, text: str, container: list[str], name: str) -> Any | None:
        if _blank(text):
            return None
        body = text.removeprefix(jsonedit.BOM)
        node = jsonedit.find(body, jsonedit.parse(body), [*container, name])
        return None if node is None else jsonedit._to_value(body, node)

    def install(
        self, text: str, container: list[str], name: str, entry: dict[str, Any]
    ) -> tuple[str, Hints]:
        if not _blank(text) and self.read_entry(text, container, name) == entry:
            return text, {}  # write only when the content changes
        if _blank(text):
            value: Any = entry
            for key in reversed([*container, name]):
                value = {key: value}
            body = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
            return body, {"blank": text}
        bom = jsonedit.BOM if text.startswith(jsonedit.BOM) else ""
        body = text[len(bom) :]
        root = jsonedit.parse(body)
        if root.kind != "object":
            raise UserError("the file's top level is not a JSON object")
        edit, depth, padded = jsonedit.set_path(body, root, [*container, name], entry)
        return bom + edit.apply(body), {"depth": depth, "padded": padded}

    def uninstall(self, text: str, container: list[str], name: str, hints: Hints) -> str | None:
        if _blank(text):
            return text
        bom = jsonedit.BOM if text.startswith(jsonedit.BOM) else ""
        body = text[len(bom) :]
        root = jsonedit.parse(body)
        path = [*container, name]
        if jsonedit.find(body, root, path) is None:
            return text
        if "blank" in hints and _only_chain(body, root, path):
            blank: str | None = hints["blank"]
            return blank
        depth = int(hints.get("depth", len(path) - 1))
        depth = min(depth, len(path) - 1)
        # Remove the highest section we created, if nothing but our entry is left in it.
        cut = len(path) - 1
        for d in range(depth, len(path) - 1):
            sub = jsonedit.find(body, root, path[: d + 1])
            if sub is not None and _only_chain(body, sub, path[d + 1 :]):
                cut = d
                break
        parent = jsonedit.find(body, root, path[:cut])
        assert parent is not None
        padded = bool(hints.get("padded")) and cut == depth
        edit = jsonedit.remove_item(body, parent, parent.index(path[cut]), padded)
        return bom + edit.apply(body)


def _only_chain(text: str, node: jsonedit.Node, rest: list[str]) -> bool:
    """True when ``node`` holds nothing but the keys of ``rest``, one per level."""
    for key in rest:
        if node.kind != "object" or len(node.items) != 1 or node.items[0][0] != key:
            return False
        node = node.items[0][2]
    return True


class TomlWriter:
    """TOML. tomlkit parses (and keeps comments and tables when we must edit in place), but
    a new entry is appended as text, ``[container.name]`` at the end of the file, because
    tomlkit re-spaces neighbouring tables on removal and install+uninstall must be
    byte-identical. Every result is re-parsed before it is returned."""

    def _parse(self, text: str, source: str = "<text>") -> Any:
        import tomlkit
        from tomlkit.exceptions import ParseError

        try:
            return tomlkit.parse(text)
        except ParseError as exc:
            raise UserError(
                f"{source}: cannot parse at line {exc.line}, column {exc.col}: {exc}; "
                "fix the file and retry; nothing was written"
            ) from None

    def check(self, text: str, source: str) -> None:
        self._parse(text, source)

    def read_entry(self, text: str, container: list[str], name: str) -> Any | None:
        node: Any = self._parse(text).unwrap()
        for key in [*container, name]:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def _render(self, container: list[str], name: str, entry: dict[str, Any]) -> str:
        """Our table as TOML text; nested values (an env the user added) become sub-tables
        under our header, which a flat dump would get wrong."""
        import tomlkit

        doc = tomlkit.document()
        table = tomlkit.table()
        for k, v in entry.items():
            table[k] = v
        node: Any = doc
        for key in container:
            node.add(key, tomlkit.table(is_super_table=True))
            node = node[key]
        node.add(name, table)
        return tomlkit.dumps(doc)

    def _header(self, container: list[str], name: str) -> str:
        return self._render(container, name, {"x": 1}).splitlines()[0]

    def _span(self, text: str, header: str) -> tuple[int, int] | None:
        """Where our ``[table]`` starts and ends: the next header that is not one of our
        own sub-tables (``[mcp_servers.task-orchestrator.env]``), or the end of the file."""
        m = re.search(r"(?m)^[ \t]*" + re.escape(header) + r"[ \t]*(#.*)?\r?$", text)
        if not m:
            return None
        sub = header[:-1] + "."
        headers = re.compile(r"(?m)^[ \t]*\[")
        pos = m.end()
        while True:
            nxt = headers.search(text, pos)
            if nxt is None:
                end = len(text)
                break
            if not text[nxt.end() - 1 :].startswith(sub):
                end = nxt.start()
                break
            pos = nxt.end()
        # Blank and comment lines before the next header belong to what follows (a comment
        # introducing the next table), not to us.
        lines = text[m.start() : end].splitlines(keepends=True)
        while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
            end -= len(lines.pop())
        return m.start(), end

    def install(
        self, text: str, container: list[str], name: str, entry: dict[str, Any]
    ) -> tuple[str, Hints]:
        if self.read_entry(text, container, name) == entry:
            return text, {}
        nl = jsonedit.newline_of(text)
        header = self._header(container, name)
        table = self._render(container, name, entry).replace("\n", nl)
        span = self._span(text, header)
        if span is not None:
            out = text[: span[0]] + table + text[span[1] :]
            hints: Hints = {"depth": len(container) + 1}
        elif self.read_entry(text, container, name) is not None or _inline(text, container):
            return self._install_tomlkit(text, container, name, entry)
        else:
            prefix = ""
            if text and not text.endswith("\n"):
                prefix += nl
            if text.strip():
                prefix += nl
            out = text + prefix + table
            hints = {"prefix": prefix, "blank": text} if _blank(text) else {"prefix": prefix}
        self._parse(out)
        return out, hints

    def _install_tomlkit(
        self, text: str, container: list[str], name: str, entry: dict[str, Any]
    ) -> tuple[str, Hints]:
        import tomlkit

        doc = self._parse(text)
        node: Any = doc
        for key in container:
            if key not in node:
                node[key] = tomlkit.table(is_super_table=True)
            node = node[key]
        table = tomlkit.table()
        for k, v in entry.items():
            table[k] = v
        node[name] = table
        return tomlkit.dumps(doc), {"depth": len(container) + 1}

    def uninstall(self, text: str, container: list[str], name: str, hints: Hints) -> str | None:
        if self.read_entry(text, container, name) is None:
            return text
        span = self._span(text, self._header(container, name))
        if span is not None:
            start, end = span
            prefix = str(hints.get("prefix", ""))
            if prefix and text[:start].endswith(prefix):
                start -= len(prefix)
            else:  # not our append: do not leave two blank lines where the table was
                nl = jsonedit.newline_of(text)
                while text[:start].endswith(nl + nl) and text[end:].startswith(nl):
                    start -= len(nl)
            out = text[:start] + text[end:]
            if "blank" in hints and not out.strip():
                return str(hints["blank"])
            self._parse(out)
            return out
        doc = self._parse(text)
        node: Any = doc
        for key in container:
            node = node[key]
        del node[name]
        return str(doc.as_string())


def _inline(text: str, container: list[str]) -> bool:
    """True when the container is written as ``key = {...}`` or dotted keys, where a
    ``[container.name]`` header would be invalid; then tomlkit edits in place."""
    return bool(container) and bool(
        re.search(r"(?m)^[ \t]*" + re.escape(container[0]) + r"[ \t]*[=.]", text)
    )


class YamlOwnFileWriter:
    """Continue reads every YAML file in ``.continue/mcpServers/``: the file is ours alone,
    so there is nothing to merge and no YAML library to carry."""

    def check(self, text: str, source: str) -> None:
        if text.strip() and "# written by task-orchestrator" not in text:
            raise UserError(
                f"{source} exists and was not written by task-orchestrator; move it away and retry"
            )

    def read_entry(self, text: str, container: list[str], name: str) -> Any | None:
        if "# written by task-orchestrator" not in text:
            return None
        command = args = None
        for line in text.splitlines():
            s = line.strip()
            if s.startswith("command:"):
                command = json.loads(s.split(":", 1)[1])
            elif s.startswith("args:"):
                args = json.loads(s.split(":", 1)[1])
        return {"command": command, "args": args}

    def install(
        self, text: str, container: list[str], name: str, entry: dict[str, Any]
    ) -> tuple[str, Hints]:
        # JSON strings and arrays are valid YAML flow scalars/sequences: quoting stays exact
        # for paths with spaces, colons or backslashes.
        lines = [
            "# written by task-orchestrator (orchestrator-setup); removed by its uninstall",
            f"name: {name}",
            "version: 0.0.1",
            "schema: v1",
            "mcpServers:",
            f"  - name: {name}",
            f"    command: {json.dumps(entry['command'])}",
            f"    args: {json.dumps(entry.get('args', []))}",
        ]
        return "\n".join(lines) + "\n", {}

    def uninstall(self, text: str, container: list[str], name: str, hints: Hints) -> str | None:
        return None


WRITERS: dict[str, Writer] = {
    "json": JsonWriter(),
    "jsonc": JsonWriter(),
    "toml": TomlWriter(),
    "yaml-own-file": YamlOwnFileWriter(),
    "yaml-block": YamlBlockWriter(),
}


def writer_for(fmt: str) -> Writer:
    try:
        return WRITERS[fmt]
    except KeyError:
        raise UserError(f"unknown config format {fmt!r}") from None
