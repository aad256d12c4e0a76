"""How observations of a person merge into the registry, field by field.

The newer observation wins for each field; an empty value was not observed
and never erases; an equal value changes nothing (so re-importing a file is
a no-op). Within one file, a later row counts as newer. The set-based merge
in muster.registry.importer implements exactly this, and a property test
checks the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Stored:
    """What the registry holds for one field: the value and when it was observed."""

    value: object
    observed_at: datetime | None


def field_wins(stored: Stored | None, incoming: object, observed_at: datetime) -> bool:
    """Whether an incoming value replaces the stored one."""
    if incoming is None:
        return False
    if stored is None or stored.value is None or stored.observed_at is None:
        return True
    return stored.value != incoming and stored.observed_at <= observed_at


def collapse(rows: Iterable[Sequence[object]]) -> tuple[object, ...]:
    """Rows of one file for one person, in file order, into one: last non-empty value wins."""
    result: list[object] | None = None
    for row in rows:
        if result is None:
            result = list(row)
            continue
        for i, value in enumerate(row):
            if value is not None:
                result[i] = value
    if result is None:
        raise ValueError("collapse needs at least one row")
    return tuple(result)
