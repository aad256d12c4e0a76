"""Checking one person's measures for a partner: the hot path of the API, kept to three queries."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone

from muster.audit.models import PartnerRead
from muster.measures.models import Measure
from muster.partners.keys import Caller
from muster.policy import loader
from muster.policy.clock import today_in
from muster.registry.models import Person
from muster.rules.notice_numbers import format_summons_number, summons_number
from muster.rules.policy import Pack


def pack() -> Pack:
    return loader.get_pack(settings.MUSTER_DEFAULT_PACK)


def active_measures(caller: Caller, national_id: str) -> dict[str, Any]:
    """Measures of the caller's kinds in force today. An unknown id gets the same empty answer
    as a person without measures; a malformed one raises InvalidNationalId."""
    current = pack()
    normalised = current.id_scheme.normalise(national_id)
    now = timezone.now()
    today: date = today_in(current, now)
    person_id = Person.objects.filter(national_id=normalised).values_list("id", flat=True).first()
    found: list[dict[str, Any]] = []
    if person_id is not None:
        rows = (Measure.objects.filter(person_id=person_id, status="active", kind__in=caller.kinds,
                                       effective_from__lte=today)
                .order_by("effective_from", "id")
                .values_list("id", "kind", "effective_from", "legal_basis", "summons_id"))
        found = [{"measure_id": mid, "kind": kind, "effective_from": start, "legal_basis": basis,
                  "summons_number": format_summons_number(summons_number(sid))}
                 for mid, kind, start, basis, sid in rows]
        PartnerRead.objects.create(at=now, partner=caller.name, person_id=person_id,
                                   purpose=f"measures check ({', '.join(sorted(caller.kinds))})")
    return {"national_id": normalised, "checked_on": today, "measures": found}
