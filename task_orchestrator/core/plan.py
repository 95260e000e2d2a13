"""Validation of a task tree before anything is written: titles, sizes, depth, and
dependency references resolved to nodes of the plan or existing tasks, with cycles refused.

Everything here is pure: :meth:`TaskStore.create_tree` calls :func:`flatten` first and only
opens a transaction once the whole plan is known to be valid, so a bad plan writes nothing.
"""

from __future__ import annotations

from . import fastjson
from .errors import InvalidInput
from .models import (
    MAX_CONTEXT_JSON,
    MAX_DESCRIPTION,
    MAX_PLAN_DEPTH,
    MAX_PLAN_NODES,
    MAX_TITLE,
    NewTask,
)
from .recordtype import Record

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar


class FlatNode(Record):
    __slots__ = (
        "index",
        "spec",
        "parent",
        "position",
        "deps_new",
        "deps_existing",
    )
    _defaults: ClassVar[dict[str, Any]] = {"deps_new": list, "deps_existing": list}
    index: int  # position in the flattened plan, root first
    spec: NewTask
    parent: int | None  # index of the parent node in the plan, None for the root
    position: int  # index among its siblings
    deps_new: list[int]
    deps_existing: list[str]


def check_text(title: str, description: str, where: str) -> str:
    """The cleaned title; raises with a message naming the offending node."""
    clean = " ".join(title.split())
    if not clean:
        raise InvalidInput(f"{where}: the title is empty; give every task a short title")
    if len(clean) > MAX_TITLE:
        raise InvalidInput(
            f"{where}: the title has {len(clean)} characters, more than {MAX_TITLE}; "
            "shorten it and put the detail in the description"
        )
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"{where}: the description has {len(description)} characters, more than "
            f"{MAX_DESCRIPTION}; summarize it or split the task"
        )
    return clean


def check_context(context: object, where: str) -> str:
    if not isinstance(context, dict):
        raise InvalidInput(f"{where}: context must be an object")
    try:
        text = fastjson.dumps(context, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{where}: context is not JSON-serializable ({exc})") from exc
    if len(text) > MAX_CONTEXT_JSON:
        raise InvalidInput(
            f"{where}: context is {len(text)} characters of JSON, more than {MAX_CONTEXT_JSON}"
        )
    return text


def flatten(root: NewTask, task_exists: Callable[[str], bool]) -> list[FlatNode]:
    """The plan as a list (root first, depth first), with every reference resolved.

    ``task_exists(id)`` says whether an existing task of the same workspace has that id.
    """
    nodes: list[FlatNode] = []

    def visit(spec: NewTask, parent: int | None, position: int, depth: int) -> None:
        if depth > MAX_PLAN_DEPTH:
            raise InvalidInput(f"the plan is nested deeper than {MAX_PLAN_DEPTH} levels")
        if len(nodes) >= MAX_PLAN_NODES:
            raise InvalidInput(
                f"the plan has more than {MAX_PLAN_NODES} tasks; plan the first part now and "
                "the rest under its tasks later"
            )
        node = FlatNode(index=len(nodes), spec=spec, parent=parent, position=position)
        where = "the task" if parent is None else f"subtask {position + 1} ({spec.title!r})"
        spec.title = check_text(spec.title, spec.description, where)
        check_context(spec.context, where)
        nodes.append(node)
        for i, child in enumerate(spec.subtasks):
            visit(child, node.index, i, depth + 1)

    visit(root, None, 0, 0)
    _resolve(nodes, task_exists)
    _refuse_cycles(nodes)
    return nodes


def _resolve(nodes: list[FlatNode], task_exists: Callable[[str], bool]) -> None:
    by_title: dict[str, list[int]] = {}
    for node in nodes:
        by_title.setdefault(node.spec.title.casefold(), []).append(node.index)
    siblings: dict[int | None, list[int]] = {}
    for node in nodes:
        siblings.setdefault(node.parent, []).append(node.index)

    for node in nodes:
        where = f"task {node.spec.title!r}"
        for ref in node.spec.depends_on:
            if isinstance(ref, bool):  # bool is an int subclass; True is not index 1
                raise InvalidInput(f"{where}: dependency {ref!r} is not an index, title or id")
            if isinstance(ref, int):
                group = siblings[node.parent]
                if not 0 <= ref < len(group):
                    raise InvalidInput(
                        f"{where}: dependency index {ref} is out of range; indexes count "
                        f"from 0 among its {len(group)} sibling tasks"
                    )
                target = group[ref]
            else:
                key = " ".join(str(ref).split()).casefold()
                matches = by_title.get(key, [])
                if len(matches) > 1:
                    raise InvalidInput(
                        f"{where}: dependency {ref!r} matches {len(matches)} tasks of the "
                        "plan; give them distinct titles or use an index"
                    )
                if matches:
                    target = matches[0]
                elif task_exists(str(ref)):
                    node.deps_existing.append(str(ref))
                    continue
                else:
                    raise InvalidInput(
                        f"{where}: dependency {ref!r} is neither the title of a task in this "
                        "plan, nor a sibling index, nor the id of an existing task in this "
                        "workspace"
                    )
            if target == node.index:
                raise InvalidInput(f"{where} depends on itself")
            if _is_ancestor(nodes, target, node.index) or _is_ancestor(nodes, node.index, target):
                raise InvalidInput(
                    f"{where}: a task cannot depend on its own parent or subtask; "
                    "the parent is finished by synthesizing its subtasks"
                )
            if target not in node.deps_new:
                node.deps_new.append(target)


def _is_ancestor(nodes: list[FlatNode], maybe_ancestor: int, index: int) -> bool:
    parent = nodes[index].parent
    while parent is not None:
        if parent == maybe_ancestor:
            return True
        parent = nodes[parent].parent
    return False


def find_cycle(edges: dict[int, list[int]]) -> list[int] | None:
    """A cycle in a dependency graph as a list of nodes, or None."""
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(edges, white)
    stack_path: list[int] = []

    def dfs(n: int) -> list[int] | None:
        color[n] = grey
        stack_path.append(n)
        for m in edges.get(n, []):
            if color.get(m, white) == grey:
                return [*stack_path[stack_path.index(m) :], m]
            if color.get(m, white) == white:
                found = dfs(m)
                if found:
                    return found
        stack_path.pop()
        color[n] = black
        return None

    for n in list(edges):
        if color[n] == white:
            found = dfs(n)
            if found:
                return found
    return None


def _refuse_cycles(nodes: list[FlatNode]) -> None:
    # Existing tasks cannot depend on tasks that do not exist yet, so any cycle lies wholly
    # inside the new plan.
    cycle = find_cycle({n.index: list(n.deps_new) for n in nodes})
    if cycle:
        names = " -> ".join(repr(nodes[i].spec.title) for i in cycle)
        raise InvalidInput(f"the dependencies form a cycle: {names}; remove one of them")
