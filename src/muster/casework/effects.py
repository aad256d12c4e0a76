"""What a decision does once it takes effect, in the decision's transaction:

- a granted deferment, exemption or alternative service puts its status on the person
  (muster.registry.statuses), with the reason liability shows, and cancels the person's open
  call-up summonses whose appearance date falls inside the period, lifting their measures that day
  (muster.summons.outcomes.record, as an officer's cancellation does);
- an accepted excuse closes its summons as excused and lifts its measures that day;
- a decision on an application an allowed appeal reopened supersedes the decision set aside: a
  status that decision granted ends that day, and the measures the appeal suspended are
  reinstated by a new refusal or lifted by a grant (`by="appeal:P-…"`);
- every decision is told to the person: a `decision.made` event in the ledger and a message in
  their electronic account (announced by email without details).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muster.casework.models import Appeal, Application, Decision
from muster.delivery.models import PersonMessage
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.ledger.models import Event
from muster.measures import services as measures
from muster.measures.models import Measure
from muster.policy import loader
from muster.registry import statuses
from muster.rules.appeals import parse_number as parse_appeal_number
from muster.rules.applications import STATUS_OF_KIND, Outcome, status_reason
from muster.rules.casework import Period
from muster.rules.casework_policy import Ground
from muster.rules.notice_numbers import format_summons_number
from muster.rules.vocabulary import OPEN_SUMMONS, EventType, MeasureStatus, Purpose
from muster.summons import outcomes
from muster.summons.models import Summons

DECISION_TOPIC = str(EventType.DECISION_MADE)


class EffectRefused(ValueError):
    """The decision cannot take effect (e.g. its summons was closed meanwhile): nothing is written."""


def take_effect(decision: Decision, app: Application, ground: Ground, at: datetime, *, actor: Actor) -> dict[str, Any]:
    """Apply the decision's effects; returns what was done (for the audit purpose and the caller)."""
    done: dict[str, Any] = {"status": None, "summonses_cancelled": [], "summons_excused": None, "measures_lifted": []}
    if decision.outcome == Outcome.GRANTED:
        if app.kind in STATUS_OF_KIND:
            period = Period(decision.period_from, decision.period_until, "")  # type: ignore[arg-type]
            reason = status_reason(app.kind, ground, period if app.kind == "deferment" else None, app.number)
            statuses.grant_status(app.person_id, STATUS_OF_KIND[app.kind], decision.period_from,  # type: ignore[arg-type]
                                  decision.period_until, reason, app.number)
            done["status"] = reason
            _cancel_call_ups(decision, app, at, actor, done)
        elif app.kind == "excuse" and app.summons_id is not None:
            _excuse(app, ground, at, actor, done)
    decision.in_effect = True
    decision.save(update_fields=["in_effect"])
    tell_person(decision, app, at)
    return done


def supersede(set_aside: Decision, app: Application, at: datetime) -> None:
    """The decision an allowed appeal set aside has no effect from the day of the ruling
    (muster.casework.appeals): a status it granted ends (its reminders stop). Called again with the
    new decision, it then finds nothing left to end."""
    if set_aside.in_effect and set_aside.outcome == Outcome.GRANTED and app.kind in STATUS_OF_KIND:
        statuses.end_status(app.number, today_in(loader.get_pack(app.pack_code), at))
    set_aside.in_effect = False
    set_aside.save(update_fields=["in_effect"])


def settle_appeal(appeal_number: str, outcome: str, at: datetime, actor: Actor) -> list[int]:
    """The measures the appeal suspended that are still suspended: in force again after a new
    refusal, lifted after a grant. Returns those changed."""
    appeal = Appeal.objects.get(pk=parse_appeal_number(appeal_number))
    still = list(Measure.objects.filter(pk__in=appeal.suspended, status=MeasureStatus.SUSPENDED)
                 .order_by("id").values_list("pk", flat=True))
    if not still:
        return []
    by = f"appeal:{appeal_number}"
    if outcome == Outcome.REFUSED:
        return measures.reinstate(actor, still, at, reason=f"refused again after appeal {appeal_number}", by=by)
    return measures.lift(actor, still, at, reason=f"granted after appeal {appeal_number}", by=by)


def _record(summons: Summons, outcome: str, at: datetime, actor: Actor, reason: str) -> outcomes.Outcome:
    when = max(at, summons.placed_at)  # a summons placed after the decision's instant is closed when placed
    try:
        return outcomes.record(format_summons_number(summons.number), outcome, when, actor=actor, reason=reason)
    except outcomes.OutcomeError as exc:
        raise EffectRefused(str(exc)) from None


def _cancel_call_ups(decision: Decision, app: Application, at: datetime, actor: Actor, done: dict[str, Any]) -> None:
    open_call_ups = Summons.objects.filter(person_id=app.person_id, status__in=OPEN_SUMMONS,
                                           campaign__purpose=Purpose.CALL_UP,
                                           appearance_date__gte=decision.period_from)
    if decision.period_until is not None:
        open_call_ups = open_call_ups.filter(appearance_date__lte=decision.period_until)
    for summons in open_call_ups.order_by("id"):
        result = _record(summons, "cancelled", at, actor,
                         f"{app.kind.replace('_', ' ')} granted (decision {app.number})")
        done["summonses_cancelled"].append(result.number)
        done["measures_lifted"] += result.lifted


def _excuse(app: Application, ground: Ground, at: datetime, actor: Actor, done: dict[str, Any]) -> None:
    summons = Summons.objects.get(pk=app.summons_id)
    result = _record(summons, "excused", at, actor, f"{ground.code} ({ground.name}): decision {app.number}")
    done["summons_excused"] = result.number
    done["measures_lifted"] += result.lifted


def tell_person(decision: Decision, app: Application, at: datetime) -> PersonMessage:
    """The ledger's `decision.made` event and the person's message about it (the message's
    event_id is the event's, so it is made once)."""
    details = {"application": app.number, "kind": app.kind, "ground": app.ground, "outcome": decision.outcome,
               "reasons": list(decision.reasons), "legal_basis": decision.legal_basis,
               "period_from": decision.period_from.isoformat() if decision.period_from else None,
               "period_until": decision.period_until.isoformat() if decision.period_until else None,
               "appeal_deadline": decision.appeal_deadline.isoformat() if decision.appeal_deadline else None}
    event = Event.objects.create(type=DECISION_TOPIC, person_id=app.person_id,
                                 summons_id=app.summons_id, payload=details, occurred_at=at)
    email = app.person.email
    return PersonMessage.objects.create(
        person_id=app.person_id, event_id=event.pk, topic=DECISION_TOPIC, details=details, created_at=at,
        email_state="queued" if email else "none", attempts=0, next_attempt_at=at if email else None)
