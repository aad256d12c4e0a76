"""Straight-through processing, what casework knows of the people of a batch, read in sets (chunks
of ids, never a query per person): their deferments in force, the grounds granted before, their
open applications and the next appearance of their open call-up summonses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.db.models import Min

from muster.casework.models import Application
from muster.kernel import db
from muster.registry.models import PersonStatus
from muster.rules.applications import BadNumber, Outcome, open_statuses, parse_number
from muster.rules.vocabulary import OPEN_SUMMONS, Purpose
from muster.summons.models import Summons

T = TypeVar("T")


@dataclass(frozen=True)
class InForce:
    """A deferment on one ground in force for a person: the status row in force (and the decision's
    number), with its renewals already granted from the day after (`later`): the deferment runs
    until the last of them ends."""

    status_id: int
    number: str
    valid_from: date
    valid_until: date | None
    later: tuple[tuple[int, date], ...] = ()  # (status id, first day) of renewals not yet begun

    @property
    def rows(self) -> tuple[tuple[int, date], ...]:
        return ((self.status_id, self.valid_from), *self.later)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def chunk_size() -> int:
    return 5000 if db.is_postgres() else 400


def in_force_of(person_ids: list[int], day: date) -> dict[tuple[int, str], InForce]:
    """The deferments in force on `day` by (person, ground), read from their statuses and the
    applications that granted them; a renewal that begins later extends the one in force."""
    rows = []
    for part in chunks(person_ids, chunk_size()):
        rows += list(PersonStatus.objects.filter(person_id__in=part, kind="deferred")
                     .exclude(decision_number="").exclude(valid_until__lt=day)
                     .values_list("id", "person_id", "decision_number", "valid_from", "valid_until"))
    app_ids = {}
    for row in rows:
        try:
            app_ids[row[2]] = parse_number(row[2])
        except BadNumber:
            continue
    grounds = {}
    for part in chunks(list(set(app_ids.values())), chunk_size()):
        grounds.update(dict(Application.objects.filter(pk__in=part).values_list("id", "ground")))
    chains: dict[tuple[int, str], list[tuple[int, str, date, date | None]]] = defaultdict(list)
    for sid, pid, number, since, until in sorted(rows, key=lambda r: (r[3], r[0])):
        ground = grounds.get(app_ids.get(number, 0))
        if ground is not None:
            chains[(pid, ground)].append((sid, number, since, until))
    out: dict[tuple[int, str], InForce] = {}
    for key, chain in chains.items():
        now_rows = [r for r in chain if r[2] <= day]
        if not now_rows:
            continue  # only a deferment that has not begun: none in force today
        sid, number, since, until = now_rows[-1]
        later = [r for r in chain if r[2] > day]
        last = None if any(r[3] is None for r in [now_rows[-1], *later]) else max(
            [until, *(r[3] for r in later)])  # type: ignore[type-var]
        out[key] = InForce(sid, number, since, last, tuple((r[0], r[2]) for r in later))
    return out


def granted_before(person_ids: list[int]) -> set[tuple[int, str]]:
    """(person, ground) of every deferment ever granted, from the person's applications (indexed
    by person; decisions are not)."""
    out: set[tuple[int, str]] = set()
    for part in chunks(person_ids, chunk_size()):
        out |= set(Application.objects.filter(person_id__in=part, kind="deferment",
                                              decisions__outcome=Outcome.GRANTED)
                   .values_list("person_id", "ground").distinct())
    return out


def open_applications(person_ids: list[int]) -> dict[tuple[int, str, str], str]:
    """(person, kind, ground) -> the number of the person's oldest open application on it: a fact
    no rule decides joins it rather than put a second one in the queue."""
    out: dict[tuple[int, str, str], str] = {}
    for part in chunks(person_ids, chunk_size()):
        for pk, pid, kind, ground in (Application.objects.filter(person_id__in=part, status__in=open_statuses())
                                      .order_by("-id").values_list("id", "person_id", "kind", "ground")):
            out[(pid, kind, ground)] = Application(pk=pk).number
    return out


def next_appearances(person_ids: list[int]) -> dict[int, date]:
    """The earliest appearance date of each person's open call-up summonses (a queued deferment's
    urgency, as muster.casework.applications.submit sets it)."""
    out: dict[int, date] = {}
    for part in chunks(person_ids, chunk_size()):
        out.update(dict(Summons.objects.filter(person_id__in=part, status__in=OPEN_SUMMONS,
                                               campaign__purpose=Purpose.CALL_UP)
                        .values("person_id").annotate(first=Min("appearance_date"))
                        .values_list("person_id", "first")))
    return out
