"""A partner register's submission of facts for straight-through processing (enrolment, medical,
employment): validated (muster.rules.submissions.register_facts), then kept as a RegisterFact. It
changes no registry field. A national id the registry does not hold is kept the same way, with no
person: the partner's answer, and the work done before it, are the same for both."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from muster.kernel.actor import Actor
from muster.partners.models import RegisterFact
from muster.registry.models import Person
from muster.registry.submissions import SubmissionRejected, check_observed_at
from muster.rules.national_id import InvalidNationalId
from muster.rules.person_record import FieldError
from muster.rules.policy import Pack
from muster.rules.submissions import register_facts


def store(actor: Actor, pack: Pack, national_id: str, kind: str, data: dict[str, object],
          observed_at: datetime, now: datetime) -> RegisterFact:
    """Keep one submission's facts (SubmissionRejected names each problem; nothing is kept then)."""
    assert actor.partner_id is not None
    observed_at = check_observed_at(observed_at, now)
    today = now.astimezone(ZoneInfo(pack.time_zone)).date()
    facts, problems = register_facts(kind, data, today)
    try:
        normalised = pack.id_scheme.normalise(national_id)
    except InvalidNationalId as exc:
        problems.insert(0, FieldError("national_id", str(exc)))
    if problems:
        raise SubmissionRejected(problems)
    person_id = Person.objects.filter(national_id=normalised).values_list("pk", flat=True).first()
    return RegisterFact.objects.create(person_id=person_id, partner_id=actor.partner_id, source=kind, facts=facts,
                                       pack_code=pack.code, observed_at=observed_at, received_at=now)
