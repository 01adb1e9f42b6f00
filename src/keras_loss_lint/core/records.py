"""`Record`: the one frozen-value helper of the package, used from the core's diagnostics to the faces.

It gives what `@dataclass(frozen=True, order=True)` gives, without importing `dataclasses` (and with it
`inspect`, `ast`, `dis`) or generating code per class, which together cost a run answered by the cache
more than the rest of that run. Like `core.diagnostics`, it imports nothing of the package.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """A frozen value with defaults: what `@dataclass(frozen=True)` gives, without importing
    `dataclasses` (and with it `inspect`, `ast`, `dis`) or generating code per class, which together
    cost a run answered by the cache more than the rest of that run. Fields are the `__slots__`;
    records of one type compare and order by their fields, in that order."""

    __slots__: tuple[str, ...] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.__slots__
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes at most {len(names)} positional arguments")
        values = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names or name in values:
                raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument {name!r}")
            values[name] = value
        for name in names:
            if name not in values:
                if name not in self._defaults:
                    raise TypeError(f"{type(self).__name__}() is missing the argument {name!r}")
                values[name] = self._defaults[name]
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot assign to {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def replace(self: R, **changes: Any) -> R:
        """A copy with some fields changed (`dataclasses.replace`)."""
        return type(self)(**{**dict(zip(self.__slots__, self._fields())), **changes})

    def __reduce__(self) -> tuple[Any, ...]:  # pickled to pool workers: rebuild through __init__
        return (type(self), self._fields())

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields() == self._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(self.__slots__, self._fields()))
        return f"{type(self).__name__}({fields})"

    def __lt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self._fields() < other._fields())

    def __le__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self._fields() <= other._fields())

    def __gt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self._fields() > other._fields())

    def __ge__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self._fields() >= other._fields())
