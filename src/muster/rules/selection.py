"""Who a campaign summons first in a district: the policy's selection order as a table of sort keys.

The issuing SQL builds its ORDER BY from the same table (sort_keys), so the batch and `ranked`
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from operator import attrgetter

from muster.rules.liability import StatusPeriod


@dataclass(frozen=True)
class Candidate:
    """A person liable on the placement date and not yet summoned for the campaign."""

    national_id: str  # normalised: unique, plain digits for the shipped id schemes
    birth_date: date


# selection key (campaigns.selection_order in a policy) -> (the Candidate field it sorts by, descending?)
SORT_KEYS: dict[str, tuple[str, bool]] = {
    "oldest_first": ("birth_date", False),
    "youngest_first": ("birth_date", True),
    "national_id": ("national_id", False),
}
DEFAULT_ORDER = ("oldest_first",)  # a policy without a selection order
TIE_BREAK = SORT_KEYS["national_id"]  # last, unless the order has it already: national ids are unique


def sort_keys(selection_order: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """The (field, descending) pairs to sort by, first to last: the policy's keys (oldest first when
    it sets none), then the national id, so that the order is total and a rerun picks the same people."""
    keys = [SORT_KEYS[k] for k in selection_order or DEFAULT_ORDER]
    if all(field != TIE_BREAK[0] for field, _ in keys):
        keys.append(TIE_BREAK)
    return tuple(keys)


def ranked(candidates: Iterable[Candidate], selection_order: tuple[str, ...]) -> list[Candidate]:
    """A district's candidates in the order they are summoned."""
    order = list(candidates)
    for field, descending in reversed(sort_keys(selection_order)):  # stable sorts, last key first
        order.sort(key=attrgetter(field), reverse=descending)
    return order


def select(candidates: Iterable[Candidate], selection_order: tuple[str, ...], count: int) -> list[Candidate]:
    """The first `count` of a district's candidates (all of them when there are fewer)."""
    return ranked(candidates, selection_order)[:max(0, count)]


# A person granted alternative civilian service (muster.casework) is called up for it, never for
# military service: call-up campaigns leave them out, alternative-service campaigns take only them.
ALTERNATIVE_SERVICE = "alternative_service"


def takes_part(purpose: str, statuses: Iterable[StatusPeriod], on: date) -> bool:
    """Whether a liable person is a candidate for a campaign of `purpose` placed on `on`."""
    alternative = any(s.kind == ALTERNATIVE_SERVICE and s.holds_on(on) for s in statuses)
    if purpose == "call_up":
        return not alternative
    if purpose == ALTERNATIVE_SERVICE:
        return alternative
    return True
