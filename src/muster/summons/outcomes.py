"""Record what came of a summons, and lift the measures that rest on it the same day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from muster.audit import trail
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.ledger.models import Event
from muster.ledger.outbox import hold_for_writing
from muster.measures import suspension
from muster.measures.models import Measure
from muster.policy import loader
from muster.rules.notice_numbers import (
    InvalidNumber,
    format_summons_number,
    parse_summons_number,
    sequence_of,
)
from muster.rules.outcomes import (
    CLOSED_STATUS,
    LIFT,
    OUTCOMES,
    OutcomeRefused,
    check_outcome,
    kinds_lifted,
)
from muster.rules.vocabulary import MeasureStatus
from muster.summons.models import Summons


class OutcomeError(ValueError):
    pass


@dataclass
class Outcome:
    number: str
    status: str
    lifted: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "status": self.status, "measures_lifted": self.lifted}


def find(number_text: str) -> Summons:
    """The summons for a printed number; InvalidNumber for a wrong check digit, LookupError if none."""
    number = parse_summons_number(number_text)
    summons = Summons.objects.select_related("campaign").filter(pk=sequence_of(number)).first()
    if summons is None:
        raise LookupError(f"no summons {format_summons_number(number)}")
    return summons


def record(number_text: str, outcome: str, at: datetime, *, actor: Actor, reason: str = "") -> Outcome:
    if outcome not in OUTCOMES:
        raise OutcomeError(f"outcome must be one of {', '.join(OUTCOMES)}")
    with transaction.atomic():
        summons = find(number_text)
        summons = Summons.objects.select_for_update().select_related("campaign").get(pk=summons.pk)
        shown = format_summons_number(summons.number)
        try:
            check_outcome(summons.status, outcome)
        except OutcomeRefused as exc:
            raise OutcomeError(f"summons {shown}: {exc}"
                               + (f" ({summons.closed_reason})" if summons.closed_reason else "")) from None
        if at < summons.placed_at:
            raise OutcomeError(f"--at {at.isoformat()} is before the summons was placed ({summons.placed_at.isoformat()})")
        pack = loader.get_pack(summons.campaign.pack_code)
        day = today_in(pack, at)
        version = pack.version(summons.policy_version)
        summons.status = CLOSED_STATUS[outcome]
        summons.closed_at = at
        summons.closed_reason = f"{outcome.replace('_', ' ')} on {day}" + (f": {reason}" if reason else "")
        summons.save(update_fields=["status", "closed_at", "closed_reason"])
        Event.objects.create(type=f"summons.{outcome}", person_id=summons.person_id, summons_id=summons.pk,
                             payload={"number": summons.number, "on": day.isoformat()}, occurred_at=at)
        hold_for_writing()
        lifting = Measure.objects.select_for_update().filter(
            summons=summons, kind__in=kinds_lifted(version, outcome),
            status__in=(MeasureStatus.PENDING, MeasureStatus.ACTIVE, MeasureStatus.SUSPENDED)).order_by("id")
        done = suspension.change(LIFT, lifting, day, at, reason=f"summons {outcome.replace('_', ' ')} on {day}",
                                 by=f"summons:{shown}")
        lifted = [measure.kind for measure in done.announced]
        trail.record(actor, f"summons.{outcome}", "summons", str(summons.number), person_id=summons.person_id,
                     purpose=reason or outcome)
    return Outcome(shown, CLOSED_STATUS[outcome], lifted)


__all__ = ["InvalidNumber", "OutcomeError", "find", "record"]
