"""Property: for generated JSON / JSONC / TOML / goose YAML documents in many styles, install then
uninstall restores the original bytes, and install only inserts (one contiguous splice that
holds our entry: nothing outside it changes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from task_orchestrator.errors import UserError
from task_orchestrator.installer import jsonedit
from task_orchestrator.installer.writers import WRITERS

NAME = "task-orchestrator"
ENTRY = {"command": "/opt/my tools/task-orchestrator", "args": ["serve"]}

keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8).filter(
    lambda k: k != NAME
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=10),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=8,
)


@st.composite
def styles(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "indent": draw(st.sampled_from([None, 2, 4, "\t"])),
        "crlf": draw(st.booleans()),
        "bom": draw(st.booleans()),
        "trailing": draw(st.booleans()),
        "comments": draw(st.booleans()),
        "final_newline": draw(st.booleans()),
        "ascii": draw(st.booleans()),
    }


def render(value: Any, style: dict[str, Any], level: int = 0) -> str:
    """JSONC in the given style: our own renderer, so trailing commas and comments appear."""
    ind = style["indent"]
    if not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=style["ascii"])
    items = (
        [
            json.dumps(k, ensure_ascii=style["ascii"]) + ": " + render(v, style, level + 1)
            for k, v in value.items()
        ]
        if isinstance(value, dict)
        else [render(v, style, level + 1) for v in value]
    )
    open_, close = ("{", "}") if isinstance(value, dict) else ("[", "]")
    if ind is None:
        body = ", ".join(items) + ("," if style["trailing"] else "")
        comment = " /* c */ " if style["comments"] else ""
        return open_ + comment + body + close
    unit = ind if isinstance(ind, str) else " " * ind
    pad = unit * (level + 1)
    sep = ",\n" + pad
    lines = (
        open_
        + (" // note" if style["comments"] else "")
        + "\n"
        + pad
        + sep.join(items)
        + ("," if style["trailing"] else "")
        + "\n"
        + unit * level
        + close
    )
    return lines


@st.composite
def json_documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    style = draw(styles())
    doc: dict[str, Any] = draw(st.dictionaries(keys, values, max_size=4))
    container = draw(
        st.sampled_from(
            [
                ["mcpServers"],
                ["servers"],
                ["projects", "/p", "mcpServers"],
                ["mcp"],  # opencode, Crush
                ["amp.mcpServers"],  # Amp: one key with a dot in it
            ]
        )
    )
    if draw(st.booleans()):
        node = doc
        for k in container[:-1]:
            node = node.setdefault(k, {}) if isinstance(node.get(k, {}), dict) else {}
        node[container[-1]] = draw(st.dictionaries(keys, values, max_size=3))
    text = render(doc, style)
    if style["final_newline"]:
        text += "\n"
    if style["crlf"]:
        text = text.replace("\n", "\r\n")
    if style["bom"]:
        text = jsonedit.BOM + text
    return text, container


def _single_insertion(before: str, after: str) -> bool:
    p = 0
    while p < len(before) and before[p] == after[p]:
        p += 1
    s = 0
    while s < len(before) - p and before[-1 - s] == after[-1 - s]:
        s += 1
    return p + s == len(before)


def _drop(value: Any, path: list[str]) -> Any:
    node = value
    for k in path[:-1]:
        node = node[k]
    del node[path[-1]]
    return value


# opencode's shape: the command is one list, program first.
ARGV_ENTRY = {
    "type": "local",
    "command": ["/opt/my tools/task-orchestrator", "serve"],
    "enabled": True,
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_documents(), st.sampled_from([ENTRY, ARGV_ENTRY]))
def test_json_install_uninstall_roundtrip(
    case: tuple[str, list[str]], entry: dict[str, Any]
) -> None:
    text, container = case
    writer = WRITERS["jsonc"]
    body = text.removeprefix(jsonedit.BOM)
    original = jsonedit.loads(body)
    if not all(isinstance(x, dict) for x in _walk(original, container)):
        return  # a non-object in the way: install must refuse, covered elsewhere
    new, hints = writer.install(text, container, NAME, entry)
    assert _single_insertion(text, new)
    after = jsonedit.loads(new.removeprefix(jsonedit.BOM))
    assert _get(after, [*container, NAME]) == entry
    assert _prune(_drop(after, [*container, NAME]), container, original) == original
    again, _ = writer.install(new, container, NAME, entry)
    assert again == new
    assert writer.uninstall(new, container, NAME, hints) == text


def _walk(value: Any, path: list[str]) -> list[Any]:
    out = [value]
    for k in path:
        if not isinstance(value, dict) or k not in value:
            break
        value = value[k]
        out.append(value)
    return out


def _get(value: Any, path: list[str]) -> Any:
    for k in path:
        value = value[k]
    return value


def _prune(value: Any, path: list[str], original: Any) -> Any:
    """Drop the empty containers install created (they are not in the original)."""
    for depth in range(len(path), 0, -1):
        node, orig = value, original
        for k in path[: depth - 1]:
            node = node[k]
            orig = orig.get(k, {}) if isinstance(orig, dict) else {}
        if node.get(path[depth - 1]) == {} and path[depth - 1] not in orig:
            del node[path[depth - 1]]
    return value


toml_keys = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda k: k != "mcp_servers"
)
toml_values = st.one_of(
    st.integers(-1000, 1000),
    st.booleans(),
    st.text(max_size=8),
    st.lists(st.integers(0, 9), max_size=3),
)


@st.composite
def toml_documents(draw: st.DrawFn) -> str:
    doc = tomlkit.document()
    if draw(st.booleans()):
        doc.add(tomlkit.comment(draw(st.text(alphabet="abc ✓#", max_size=10))))
    for k, v in draw(st.dictionaries(toml_keys, toml_values, max_size=3)).items():
        doc[k] = v
    if draw(st.booleans()):
        servers = tomlkit.table(is_super_table=True)
        for name in draw(st.lists(toml_keys, max_size=2, unique=True)):
            t = tomlkit.table()
            t["command"] = draw(st.text(max_size=5))
            servers[name] = t
        doc["mcp_servers"] = servers
    for name in draw(st.lists(toml_keys, max_size=2, unique=True)):
        if name in doc:
            continue
        t = tomlkit.table()
        for k, v in draw(st.dictionaries(toml_keys, toml_values, max_size=2)).items():
            t[k] = v
        doc[name] = t
    text = tomlkit.dumps(doc)
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(toml_documents())
def test_toml_install_uninstall_roundtrip(text: str) -> None:
    writer = WRITERS["toml"]
    original = tomlkit.loads(text).unwrap()
    new, hints = writer.install(text, ["mcp_servers"], NAME, ENTRY)
    assert _single_insertion(text, new)
    after = tomlkit.loads(new).unwrap()
    assert after["mcp_servers"].pop(NAME) == ENTRY
    if not after["mcp_servers"] and "mcp_servers" not in original:
        del after["mcp_servers"]
    assert after == original
    assert writer.install(new, ["mcp_servers"], NAME, ENTRY)[0] == new
    assert writer.uninstall(new, ["mcp_servers"], NAME, hints) == text


def test_toml_update_keeps_user_subtables_and_neighbours() -> None:
    writer = WRITERS["toml"]
    text = (
        'x = 1\n\n[mcp_servers.task-orchestrator]\ncommand = "/old"\nargs = ["serve"]\n\n'
        '[mcp_servers.task-orchestrator.env]\nA = "1"\n\n# profiles follow\n[other]\ny = 2\n'
    )
    current = writer.read_entry(text, ["mcp_servers"], NAME)
    new, hints = writer.install(text, ["mcp_servers"], NAME, {**current, **ENTRY})
    assert writer.read_entry(new, ["mcp_servers"], NAME) == {**ENTRY, "env": {"A": "1"}}
    assert new.endswith("\n\n# profiles follow\n[other]\ny = 2\n") and new.startswith("x = 1\n\n")
    back = writer.uninstall(new, ["mcp_servers"], NAME, hints)
    assert back == "x = 1\n\n# profiles follow\n[other]\ny = 2\n"


yaml_keys = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,8}", fullmatch=True).filter(
    lambda k: k not in ("extensions", NAME)
)
yaml_scalars = st.one_of(
    st.integers(-1000, 1000),
    st.sampled_from(["true", "false", "null", "~"]),
    st.from_regex(r"[a-z][a-z0-9 ./-]{0,10}", fullmatch=True).map(str.rstrip),
    st.text(max_size=8).map(json.dumps),
)
GOOSE_ENTRY = {
    "type": "stdio",
    "cmd": "/opt/my tools/task-orchestrator",
    "args": ["serve"],
    "enabled": True,
    "name": NAME,
    "timeout": 300,
}


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    """config.yaml files in the styles goose and its users write: comments, blank lines,
    nested maps, block sequences at the key's indent, 2 or 4 spaces, CRLF, no final break."""
    unit = " " * draw(st.sampled_from([2, 4]))
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# " + draw(st.text(alphabet="abc ✓#:", max_size=10)))
    top = draw(st.lists(yaml_keys, max_size=3, unique=True))
    where = draw(st.integers(0, len(top)))
    for i in range(len(top) + 1):
        if i == where and draw(st.booleans()):
            lines.append("extensions:" + draw(st.sampled_from(["", "  # mine"])))
            for ext in draw(st.lists(yaml_keys, max_size=3, unique=True)):
                lines.append(f"{unit}{ext}:")
                for k, v in draw(st.dictionaries(yaml_keys, yaml_scalars, max_size=3)).items():
                    lines.append(f"{unit * 2}{k}: {v}")
                if draw(st.booleans()):
                    lines.append(f"{unit * 2}args:")
                    lines += [f"{unit * 2}- {a}" for a in draw(st.lists(yaml_scalars, max_size=2))]
                if draw(st.booleans()):
                    lines.append(draw(st.sampled_from(["", f"{unit}# note", "# column 0"])))
        if i < len(top):
            if draw(st.booleans()):
                lines.append(f"{top[i]}: {draw(yaml_scalars)}")
            else:
                lines.append(f"{top[i]}:")
                lines.append(f"{unit}inner: {draw(yaml_scalars)}")
        if draw(st.booleans()):
            lines.append("")
    nl = "\r\n" if draw(st.booleans()) else "\n"
    text = nl.join(lines)
    if lines and draw(st.booleans()):
        text += nl
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_documents())
def test_yaml_block_install_uninstall_roundtrip(text: str) -> None:
    writer = WRITERS["yaml-block"]
    writer.check(text, "config.yaml")
    new, hints = writer.install(text, ["extensions"], NAME, GOOSE_ENTRY)
    assert _single_insertion(text, new)
    assert writer.read_entry(new, ["extensions"], NAME) == GOOSE_ENTRY
    writer.check(new, "config.yaml")
    assert writer.install(new, ["extensions"], NAME, GOOSE_ENTRY)[0] == new
    assert writer.uninstall(new, ["extensions"], NAME, hints) == text


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("extensions: {}\n", 1, "not a block mapping"),
        ("a: 1\nextensions:\n  - name: x\n", 3, "a list"),
        ("extensions:\n\tx:\n", 2, "tab indentation"),
        ("a: 1\n---\nb: 2\n", 2, "more than one YAML document"),
        ("- a\n", 1, "not a mapping"),
        ("extensions:\n  a: {}\nextensions:\n  b: {}\n", 3, "appears twice"),
        ("extensions:\n    a:\n      x: 1\n  b: 2\n", 4, "inconsistent indentation"),
    ],
)
def test_yaml_block_refuses_what_it_cannot_edit(text: str, line: int, why: str) -> None:
    writer = WRITERS["yaml-block"]
    with pytest.raises(UserError, match=f"config.yaml: cannot edit safely at line {line}: .*{why}"):
        writer.check(text, "config.yaml")


def test_yaml_block_reads_and_removes_the_entry_goose_rewrote() -> None:
    """goose rewrites config.yaml with serde_yaml: plain scalars, sequences at the key's
    indent, keys sorted, extra keys. Our entry is still found, updated in place and removed."""
    writer = WRITERS["yaml-block"]
    text = (
        "GOOSE_MODEL: x\nextensions:\n  task-orchestrator:\n    args:\n    - serve\n"
        "    bundled: null\n    cmd: /opt/my tools/task-orchestrator\n"
        "    enabled: true\n    name: task-orchestrator\n    timeout: 300\n    type: stdio\n"
        "  z:\n    type: builtin\nGOOSE_MODE: auto\n"
    )
    assert writer.read_entry(text, ["extensions"], NAME) == {**GOOSE_ENTRY, "bundled": None}
    moved = {**GOOSE_ENTRY, "bundled": None, "cmd": "/new/task-orchestrator"}
    new, _ = writer.install(text, ["extensions"], NAME, moved)
    assert writer.read_entry(new, ["extensions"], NAME) == moved
    assert new.endswith("  z:\n    type: builtin\nGOOSE_MODE: auto\n")
    back = writer.uninstall(new, ["extensions"], NAME, {})
    assert back == "GOOSE_MODEL: x\nextensions:\n  z:\n    type: builtin\nGOOSE_MODE: auto\n"
