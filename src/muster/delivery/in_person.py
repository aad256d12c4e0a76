"""A summons handed over in person: the person signed for it, or refused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from muster.audit import trail
from muster.delivery.models import Delivery, DeliveryEvent
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.policy import loader
from muster.rules.delivery import next_state
from muster.rules.notice_numbers import format_summons_number
from muster.rules.vocabulary import Channel
from muster.summons.outcomes import OutcomeError, find
from muster.summons.services import instant_problem_for


def hand_over(number_text: str, event: str, at: datetime, *, actor: Actor) -> dict[str, Any]:
    """Record handing a summons over in person: the person signed for it, or refused it.
    Either counts as service (by the policy's `served_by.in_person`) at the next tick, so `at` may
    lie neither before the summons was placed nor after now plus the clock skew."""
    if event not in ("signed", "refused"):
        raise OutcomeError("the event must be signed or refused")
    with transaction.atomic():
        summons = find(number_text)
        shown = format_summons_number(summons.number)
        if summons.status not in ("placed", "served"):
            raise OutcomeError(f"summons {shown} is {summons.status}: there is nothing to hand over")
        problem = instant_problem_for(at, summons)  # not before placement, not after now + skew
        if problem:
            raise OutcomeError(f"--at {problem}")
        if DeliveryEvent.objects.filter(summons_id=summons.pk, channel=Channel.IN_PERSON).exists():
            raise OutcomeError(f"summons {shown} was already handed over in person")
        day = today_in(loader.get_pack(summons.campaign.pack_code), at)
        delivery = Delivery.objects.create(summons=summons, person_id=summons.person_id, channel=Channel.IN_PERSON,
                                           state=next_state("queued", event), attempts=1)
        DeliveryEvent.objects.create(delivery=delivery, summons_id=summons.pk, person_id=summons.person_id,
                                     channel=Channel.IN_PERSON, event=event, happened_on=day, at=at,
                                     evidence=f"handed over in person by {actor.who}: {event}")
        trail.record(actor, f"summons.in_person_{event}", "summons", str(summons.number),
                     person_id=summons.person_id, purpose="handed over in person")
    return {"number": shown, "in_person": event, "on": day}
