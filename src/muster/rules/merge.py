"""How observations of a person merge into the registry, field by field.

A more trusted source wins for each field whatever the times (the pack ranks the sources:
muster.rules.source_trust; rank 0 is the most trusted); between equally trusted sources the newer
observation wins. An empty value was not observed
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
    """What the registry holds for one field: the value, when it was observed, and its source's rank
    for the field (0 most trusted)."""

    value: object
    observed_at: datetime | None
    rank: int = 0


def field_wins(stored: Stored | None, incoming: object, observed_at: datetime, rank: int = 0) -> bool:
    """Whether an incoming value, observed at `observed_at` by a source of `rank` for this field,
    replaces the stored one: never from a less trusted source, whatever its time; always from a
    more trusted one (an equal value then moves its provenance to the more trusted source)."""
    if incoming is None:
        return False
    if stored is None or stored.value is None or stored.observed_at is None:
        return True
    if rank != stored.rank:
        return rank < stored.rank
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
