"""One person's record: values, provenance and liability (read through muster.registry.services)."""

from __future__ import annotations

from datetime import date
from typing import Any

from muster.registry.models import Observation, Person, PersonStatus
from muster.rules.liability import PersonFacts, StatusPeriod, liability_on
from muster.rules.national_id import InvalidNationalId
from muster.rules.person_record import OBSERVED_FIELDS
from muster.rules.policy import Pack


class PersonNotFound(LookupError):
    pass


def facts_of(person: Person) -> PersonFacts:
    statuses = tuple(StatusPeriod(s.kind, s.valid_from, s.valid_until, s.reason)
                     for s in PersonStatus.objects.filter(person=person))
    return PersonFacts(sex=person.sex or "", birth_date=person.birth_date,
                       citizenship=person.citizenship or "", death_date=person.death_date,
                       statuses=statuses)


def find(national_id: str, pack: Pack) -> Person:
    """Normalise by the pack's id scheme and look up; InvalidNationalId or PersonNotFound."""
    normalised = pack.id_scheme.normalise(national_id)
    person = Person.objects.filter(national_id=normalised).first()
    if person is None:
        raise PersonNotFound(f"no person with national id {pack.id_scheme.display(normalised)} in the registry")
    return person


def record_of(person: Person, pack: Pack, on: date, *, explained: bool = False) -> dict[str, Any]:
    """The record as a plain dict (the caller has checked access and logged the read); `explained`
    adds the liability reasons as data (for interfaces that translate them; not in the JSON)."""
    obs_ids = {person.observation_id_of(f) for f in OBSERVED_FIELDS} - {None}
    observations = {o.pk: o for o in Observation.objects.filter(pk__in=obs_ids).select_related("source")}
    fields: dict[str, object] = {}
    provenance: dict[str, object] = {}
    for f in OBSERVED_FIELDS:
        value = getattr(person, f)
        fields[f] = value.isoformat() if isinstance(value, date) else value
        obs = observations.get(person.observation_id_of(f))
        provenance[f] = None if obs is None else {
            "source": obs.source.name, "observed_at": obs.observed_at.isoformat(),
            "kind": obs.kind, "reference": obs.reference}
    liability = liability_on(facts_of(person), pack, on)
    record: dict[str, Any] = {
        "national_id": person.national_id,
        "national_id_display": pack.id_scheme.display(person.national_id),
        "fields": fields,
        "provenance": provenance,
        "statuses": [{"kind": s.kind, "valid_from": s.valid_from.isoformat(),
                      "valid_until": s.valid_until.isoformat() if s.valid_until else None,
                      "reason": s.reason or None, "decision": s.decision_number or None}
                     for s in PersonStatus.objects.filter(person=person).order_by("valid_from")],
        "liability": liability.as_dict(),
        "on": on.isoformat(),
        "pack": pack.code,
    }
    if explained:
        record["liability_explained"] = liability.explanations
    return record


__all__ = ["InvalidNationalId", "PersonNotFound", "facts_of", "find", "record_of"]
