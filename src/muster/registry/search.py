"""Looking people up for the officer console: by national id, or by family name and birth date,
within the officer's districts only. Someone outside them is reported exactly as someone who does
not exist (PersonNotFound, no hint), so the console never tells whether an id is registered elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from muster.registry.models import Person
from muster.registry.records import PersonNotFound
from muster.rules import access as rules
from muster.rules.national_id import InvalidNationalId
from muster.rules.policy import Pack

MAX_RESULTS = 20
NAME_CHARS = 100  # the registry's name columns


class SearchProblem(ValueError):
    """The search form is not usable as filled in; the message names the field."""


@dataclass(frozen=True)
class Found:
    """A search hit: only what tells namesakes apart, never the national id or the address."""

    person_id: int
    family_name: str
    given_name: str
    patronymic: str
    birth_date: date | None
    district: str


def _scope(actor: rules.Accessor) -> Q:
    return Q() if actor.all_districts else Q(district__in=sorted(actor.districts))


def search(actor: rules.Accessor, pack: Pack, *, national_id: str = "", family_name: str = "",
           birth_date: date | None = None) -> list[Found]:
    """Matches within the actor's districts, at most MAX_RESULTS. A national id alone, or a family
    name (any case, Cyrillic or Latin) with a birth date."""
    national_id, family_name = national_id.strip(), " ".join(family_name.split())
    if len(national_id) > 32:
        raise SearchProblem("national_id: at most 32 characters")
    if len(family_name) > NAME_CHARS:
        raise SearchProblem(f"family_name: at most {NAME_CHARS} characters")
    people = Person.objects.filter(_scope(actor))
    if national_id:
        try:
            people = people.filter(national_id=pack.id_scheme.normalise(national_id))
        except InvalidNationalId as exc:
            raise SearchProblem(f"national_id: {exc}") from None
    elif family_name and birth_date is not None:
        # Exact birth date narrows to a few rows by the (district, birth_date) index; the name is
        # compared case-insensitively in Python, the same on SQLite (ASCII-only LOWER) and PostgreSQL.
        wanted = family_name.casefold()
        hits = [p for p in people.filter(birth_date=birth_date).order_by("id")[:5000]
                if (p.family_name or "").casefold() == wanted]
        return [_found(p) for p in hits[:MAX_RESULTS]]
    else:
        raise SearchProblem("national_id: give a national id, or a family name and a birth date")
    return [_found(p) for p in people.order_by("id")[:MAX_RESULTS]]


def in_scope(actor: rules.Accessor, person_id: int) -> Person:
    """The person, if within the actor's districts; else PersonNotFound, as for no one at all."""
    person = Person.objects.filter(_scope(actor), pk=person_id).first()
    if person is None:
        raise PersonNotFound("no such person in your districts")
    return person


def _found(p: Person) -> Found:
    return Found(p.pk, p.family_name or "", p.given_name or "", p.patronymic or "", p.birth_date, p.district or "")
