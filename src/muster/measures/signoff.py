"""Officers' sign-off of measures the policy will not let start on its own, and reading a person's measures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from muster.audit import trail
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.ledger.models import Event
from muster.ledger.outbox import hold_for_writing
from muster.measures.models import Measure
from muster.policy import loader
from muster.rules.notice_numbers import format_summons_number, summons_number
from muster.rules.outcomes import start_on_signing
from muster.rules.vocabulary import MeasureStatus

TRIGGER_TEXT = {"placement": "placed in the register", "served": "served", "missed": "not appeared by the end of the grace days"}


class SignOffError(ValueError):
    pass


def _row(m: Measure, version_rules: dict[tuple[str, str], str]) -> dict[str, Any]:
    number = format_summons_number(summons_number(m.summons_id))
    trigger = version_rules.get((m.policy_version, m.kind), "")
    suspension = _change(m.suspended_on, m.suspended_by, m.suspend_reason)
    reinstatement = _change(m.reinstated_on, m.reinstated_by, m.reinstate_reason)
    if m.status == MeasureStatus.LIFTED:
        reason = m.lift_reason
    elif m.status == MeasureStatus.DECLINED:
        reason = f"declined by an officer: {m.lift_reason}"
    elif m.status == MeasureStatus.SUSPENDED and suspension:
        reason = f"suspended from {m.suspended_on} by {m.suspended_by}: {m.suspend_reason}"
    else:
        reason = (f"summons {number} {TRIGGER_TEXT.get(trigger, trigger)}; from {m.effective_from}: "
                  f"{m.legal_basis}")
        if reinstatement:
            reason += f"; reinstated on {m.reinstated_on} by {m.reinstated_by}: {m.reinstate_reason}"
    return {"id": m.pk, "kind": m.kind, "status": m.status, "effective_from": m.effective_from.isoformat(),
            "lifted_on": m.lifted_on.isoformat() if m.lifted_on else None, "reason": reason,
            "legal_basis": m.legal_basis, "number": number, "policy_version": m.policy_version,
            "lifted_by": m.lifted_by or None, "suspension": suspension, "reinstatement": reinstatement}


def _change(day: date | None, by: str, reason: str) -> dict[str, str] | None:
    """The last suspension or reinstatement of a measure: when, by what and why (None: never)."""
    return None if day is None else {"on": day.isoformat(), "by": by, "reason": reason}


def _triggers(pack_code: str) -> dict[tuple[str, str], str]:
    pack = loader.get_pack(pack_code)
    return {(v.code, r.kind): r.trigger for v in pack.versions for r in v.measures}


def of_person(person_id: int, pack_code: str) -> list[dict[str, Any]]:
    """Every measure of a person, active and past (the caller checked access and logged the read)."""
    triggers = _triggers(pack_code)
    return [_row(m, triggers) for m in Measure.objects.filter(summons__person_id=person_id)
            .select_related("basis").order_by("effective_from", "id")]


def district_of(measure_id: int) -> str | None:
    """The district of the summons a measure rests on (for the officer's scope); LookupError if none."""
    found = Measure.objects.filter(pk=measure_id).values_list("summons__district", flat=True).first()
    if found is None:
        raise LookupError(f"no measure {measure_id}")
    return found


def pending(pack_code: str, districts: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """The sign-off queue, oldest first (no personal data beyond the summons number); only the
    measures on summonses of `districts` when given."""
    triggers = _triggers(pack_code)
    queue = Measure.objects.filter(status=MeasureStatus.PENDING)
    if districts is not None:
        queue = queue.filter(summons__district__in=sorted(districts))
    return [_row(m, triggers) for m in queue.select_related("basis").order_by("effective_from", "id")]


def _pending(measure_id: int) -> Measure:
    measure = Measure.objects.select_for_update(of=("self",)).select_related("basis").filter(pk=measure_id).first()
    if measure is None:
        raise LookupError(f"no measure {measure_id}")
    if measure.status != MeasureStatus.PENDING:
        raise SignOffError(f"measure {measure_id} is {measure.status}, not waiting for sign-off")
    return measure


def sign(measure_id: int, at: datetime, pack_code: str, *, actor: Actor) -> dict[str, Any]:
    """The officer signs: the measure comes into force (muster.rules.outcomes.start_on_signing)."""
    today = today_in(loader.get_pack(pack_code), at)
    with transaction.atomic():
        hold_for_writing()
        measure = _pending(measure_id)
        measure.status = MeasureStatus.ACTIVE
        measure.effective_from = start_on_signing(measure.effective_from, today)
        measure.save(update_fields=["status", "effective_from"])
        Event.objects.create(type="measure.applied", person_id=measure.person_id, summons_id=measure.summons_id,
                             measure_id=measure.pk, occurred_at=at,
                             payload={"kind": measure.kind, "signed_by": actor.who})
        trail.record(actor, "measure.sign", "measure", str(measure.pk), person_id=measure.person_id,
                     purpose=f"{measure.kind} signed off")
    return _row(measure, _triggers(pack_code))


def decline(measure_id: int, at: datetime, reason: str, pack_code: str, *, actor: Actor) -> dict[str, Any]:
    """The officer declines: the measure never starts, and nobody outside is told of it."""
    if not reason.strip():
        raise SignOffError("--reason: say why the measure is declined")
    day: date = today_in(loader.get_pack(pack_code), at)
    with transaction.atomic():
        measure = _pending(measure_id)
        measure.status = MeasureStatus.DECLINED
        measure.lifted_on = day
        measure.lift_reason = reason.strip()[:200]
        measure.save(update_fields=["status", "lifted_on", "lift_reason"])
        trail.record(actor, "measure.decline", "measure", str(measure.pk), person_id=measure.person_id,
                     purpose=f"{measure.kind} declined: {measure.lift_reason}")
    return _row(measure, _triggers(pack_code))
