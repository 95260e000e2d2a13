"""A small stand-in for dataclasses on the hook path.

``import dataclasses`` pulls in ``inspect`` (and with it ``ast``, ``dis``, ``tokenize``), and
building each dataclass runs ``exec``: about 10 ms together here (bench/bench_imports.py),
most of a hook's budget (docs/ARCHITECTURE.md, "The hook path"). A :class:`Record` keeps
what we used of them: named fields in ``__slots__``, keyword construction with defaults,
equality, repr and ``as_dict``.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar


class Record:
    __slots__: ClassVar[tuple[str, ...]] = ()
    #: Defaults by field name; a callable default (``list``, ``dict``) is a factory.
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self.__slots__)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        for name in self.__slots__:
            if name in values:
                value = values[name]
            elif name in self._defaults:
                default = self._defaults[name]
                value = default() if callable(default) else default
            else:
                raise TypeError(f"{type(self).__name__} needs a value for {name!r}")
            object.__setattr__(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable fields (dicts, lists) inside

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"{type(self).__name__}({fields})"


class FrozenRecord(Record):
    """A record whose fields cannot be reassigned after construction."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")
