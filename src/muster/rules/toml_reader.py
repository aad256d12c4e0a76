"""A small strict reader over parsed TOML tables.

Every problem is collected with the file and the dotted key it concerns, so a
bad file can be refused whole with a message that says where to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: key '{self.key}'" if self.key else self.file
        return f"{where}: {self.message}"


class PolicyError(ValueError):
    """A pack or policy file is invalid; `problems` lists every place."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


_TYPE_NAMES = {str: "a string", int: "an integer", bool: "a boolean (true/false)",
               date: "a date (YYYY-MM-DD)", list: "an array", dict: "a table"}


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, datetime):
        return f"a date-time ({value.isoformat()})"
    for typ, name in ((date, "a date"), (int, "an integer"), (float, "a float"),
                      (str, "a string"), (list, "an array"), (dict, "a table")):
        if isinstance(value, typ):
            shown = repr(value) if not isinstance(value, list | dict) else ""
            return f"{name} {shown}".strip()
    return type(value).__name__


def _is(value: Any, typ: type) -> bool:
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typ is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    return isinstance(value, typ)


class _Missing:
    pass


MISSING = _Missing()


class TableReader:
    """Reads one TOML table; records unknown, missing and mistyped keys."""

    def __init__(self, file: str, data: dict[str, Any], path: str, problems: list[Problem]):
        self.file, self.data, self.path, self.problems = file, data, path, problems
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def problem(self, name: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.key(name) if name else self.path, message))

    def _get(self, name: str, typ: type, required: bool, default: Any) -> Any:
        self.seen.add(name)
        if name not in self.data:
            if required:
                self.problem(name, f"is missing (expected {_TYPE_NAMES[typ]})")
            return default
        value = self.data[name]
        if not _is(value, typ):
            self.problem(name, f"expected {_TYPE_NAMES[typ]}, got {describe(value)}")
            return default
        return value

    def req(self, name: str, typ: type, default: Any = None) -> Any:
        return self._get(name, typ, True, default)

    def opt(self, name: str, typ: type, default: Any = None) -> Any:
        return self._get(name, typ, False, default)

    def choice(self, name: str, choices: tuple[str, ...], required: bool = True,
               default: str | None = None) -> Any:
        value = self._get(name, str, required, default)
        if value is not None and value not in choices:
            self.problem(name, f"must be one of {', '.join(choices)}; got {value!r}")
            return default
        return value

    def str_list(self, name: str, required: bool = True,
                 choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self._get(name, list, required, [])
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.problem(f"{name}[{i}]", f"expected a string, got {describe(item)}")
            elif choices is not None and item not in choices:
                self.problem(f"{name}[{i}]", f"must be one of {', '.join(choices)}; got {item!r}")
            else:
                out.append(item)
        return tuple(out)

    def positive(self, name: str, required: bool = True, default: int | None = None,
                 minimum: int = 0) -> Any:
        value = self._get(name, int, required, default)
        if isinstance(value, int) and value < minimum:
            self.problem(name, f"must be at least {minimum}; got {value}")
            return default
        return value

    def table(self, name: str, required: bool = True) -> TableReader | None:
        value = self._get(name, dict, required, None)
        if value is None:
            return None
        return TableReader(self.file, value, self.key(name), self.problems)

    def tables(self, name: str, required: bool = False) -> list[TableReader]:
        value = self._get(name, list, required, [])
        readers = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.problem(f"{name}[{i}]", f"expected a table, got {describe(item)}")
                continue
            readers.append(TableReader(self.file, item, f"{self.key(name)}[{i}]", self.problems))
        return readers

    def done(self) -> None:
        """Record every key that nobody asked for."""
        for name in self.data:
            if name not in self.seen:
                known = ", ".join(sorted(self.seen)) or "none"
                self.problem(name, f"unknown key (known keys here: {known})")
