"""Templates and specialist routing: the data the server hands to a planning model.

Specialists (roles) and templates (named subtask trees) are JSON files shipped in
``task_orchestrator/data``; a file of the same name in the user's config folder
(``<config>/specialists/NAME.json``, ``<config>/templates/NAME.json``) replaces the shipped one,
so a user can tune a role or add a template without touching the package.

Routing and template choice are keyword scores over the text: deterministic, explainable
("matched: test, coverage") and free of any model call, because the client's model does the
thinking and the server only gives it structure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..core.enums import Specialist
from ..core.errors import InvalidInput
from ..core.models import NewTask

FALLBACK_TEMPLATE = "general"
_WORD = re.compile(r"[a-z0-9][a-z0-9+#.-]*")


@dataclass(frozen=True)
class SpecialistProfile:
    name: Specialist
    role: str
    expertise: tuple[str, ...]
    approach: tuple[str, ...]
    expected_output: str
    keywords: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class TemplateStep:
    title: str
    description: str
    specialist: Specialist
    depends_on: tuple[int, ...]
    estimated_effort: str | None


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    keywords: tuple[str, ...]
    steps: tuple[TemplateStep, ...]
    source: str


@dataclass(frozen=True)
class Routing:
    specialist: Specialist
    score: int
    matched: tuple[str, ...]


@dataclass
class Catalog:
    specialists: dict[Specialist, SpecialistProfile]
    templates: dict[str, Template]
    problems: list[str] = field(default_factory=list)

    def profile(self, specialist: Specialist) -> SpecialistProfile:
        return self.specialists.get(specialist) or self.specialists[Specialist.GENERALIST]

    def template(self, name: str) -> Template:
        key = name.strip().casefold()
        if key not in self.templates:
            raise InvalidInput(
                f"no template {name!r}; choose one of: {', '.join(sorted(self.templates))}, "
                "or pass subtasks yourself"
            )
        return self.templates[key]

    def route(self, text: str) -> Routing:
        """The specialist whose keywords best match ``text``; ties go to the earlier role in
        :class:`Specialist`, no match at all to the generalist."""
        words = _words(text)
        best = Routing(Specialist.GENERALIST, 0, ())
        for spec in Specialist:
            prof = self.specialists.get(spec)
            if prof is None:
                continue
            matched = tuple(k for k in prof.keywords if k in words)
            if len(matched) > best.score:
                best = Routing(spec, len(matched), matched)
        return best

    def choose_template(self, text: str) -> tuple[Template, tuple[str, ...]]:
        """The template whose keywords best match ``text`` (the fallback when none does)."""
        words = _words(text)
        best_name = FALLBACK_TEMPLATE
        best_matched: tuple[str, ...] = ()
        for name in sorted(self.templates):
            matched = tuple(k for k in self.templates[name].keywords if k in words)
            if len(matched) > len(best_matched):
                best_name, best_matched = name, matched
        return self.templates[best_name], best_matched


def _words(text: str) -> set[str]:
    found = set(_WORD.findall(text.casefold()))
    # A cheap stem: "tests", "testing" and "tested" also count as "test".
    for word in list(found):
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                found.add(word[: -len(suffix)])
    return found


def expand_template(template: Template, title: str, description: str) -> list[NewTask]:
    """The template's steps as subtasks of a task titled ``title``."""
    short = title if len(title) <= 120 else title[:117] + "..."
    out: list[NewTask] = []
    for step in template.steps:
        text = step.description
        if description:
            text += "\n\nGoal of the whole task: " + description[:2_000]
        out.append(
            NewTask(
                title=step.title.replace("{title}", short),
                description=text,
                specialist=step.specialist,
                estimated_effort=step.estimated_effort,
                depends_on=list(step.depends_on),
            )
        )
    return out


# -- loading ----------------------------------------------------------------------------


def load_catalog(config_dir: Path | None = None) -> Catalog:
    """Shipped specialists and templates, overridden by same-named user files. A broken user
    file is reported in ``problems`` and skipped, never fatal: the server must still start."""
    problems: list[str] = []
    specialists: dict[Specialist, SpecialistProfile] = {}
    templates: dict[str, Template] = {}
    for kind in ("specialists", "templates"):
        for source, data in _read_dir(kind, config_dir, problems):
            try:
                if kind == "specialists":
                    prof = _profile(data, source)
                    specialists[prof.name] = prof
                else:
                    tpl = _template(data, source)
                    templates[tpl.name] = tpl
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(f"{source}: {exc!r}; file ignored")
    if Specialist.GENERALIST not in specialists:
        specialists[Specialist.GENERALIST] = SpecialistProfile(
            Specialist.GENERALIST,
            "You are a capable generalist.",
            (),
            (),
            "A summary.",
            (),
            "builtin",
        )
    if FALLBACK_TEMPLATE not in templates:
        templates[FALLBACK_TEMPLATE] = Template(
            FALLBACK_TEMPLATE,
            "A single step.",
            (),
            (TemplateStep("Do: {title}", "Carry out the work.", Specialist.GENERALIST, (), None),),
            "builtin",
        )
    return Catalog(specialists, templates, problems)


def _read_dir(
    kind: str, config_dir: Path | None, problems: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    shipped = resources.files("task_orchestrator").joinpath("data").joinpath(kind)
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            found[entry.name] = (
                f"package:{kind}/{entry.name}",
                json.loads(entry.read_text("utf-8")),
            )
    user = None if config_dir is None else config_dir / kind
    if user is not None and user.is_dir():
        for path in sorted(user.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                problems.append(f"{path}: {exc}; file ignored")
                continue
            if not isinstance(data, dict):
                problems.append(f"{path}: not a JSON object; file ignored")
                continue
            found[path.name] = (str(path), data)
    return [found[name] for name in sorted(found)]


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def _profile(data: dict[str, Any], source: str) -> SpecialistProfile:
    return SpecialistProfile(
        name=Specialist(data["name"]),
        role=str(data["role"]),
        expertise=_strings(data.get("expertise", [])),
        approach=_strings(data.get("approach", [])),
        expected_output=str(data.get("expected_output", "")),
        keywords=tuple(k.casefold() for k in _strings(data.get("keywords", []))),
        source=source,
    )


def _template(data: dict[str, Any], source: str) -> Template:
    steps: list[TemplateStep] = []
    for raw in data["subtasks"]:
        deps = tuple(int(d) for d in raw.get("depends_on", []))
        if any(not 0 <= d < len(steps) for d in deps):
            raise ValueError("depends_on must point to an earlier step")
        steps.append(
            TemplateStep(
                title=str(raw["title"]),
                description=str(raw.get("description", "")),
                specialist=Specialist(raw.get("specialist", "generalist")),
                depends_on=deps,
                estimated_effort=raw.get("estimated_effort"),
            )
        )
    if not steps:
        raise ValueError("a template needs at least one subtask")
    return Template(
        name=str(data["name"]).casefold(),
        description=str(data.get("description", "")),
        keywords=tuple(k.casefold() for k in _strings(data.get("keywords", []))),
        steps=tuple(steps),
        source=source,
    )
