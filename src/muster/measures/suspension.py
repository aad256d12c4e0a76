"""Suspend, reinstate and lift measures: what an appeal does to them (issue 12), and the one lift
that a summons' outcome uses too (muster.summons.outcomes).

A suspended measure is not in force (muster.rules.outcomes.in_force): partners' checks leave it
out, and the ledger's `measure.suspended` tells their feeds, webhooks and replicas, and the
person. Reinstating puts it back in force (`measure.reinstated`); lifting ends it for good
(`measure.lifted`). Which change each status allows is the pure rule
muster.rules.outcomes.transition; this module applies it to locked rows, with the ledger event
and the audit-trail record of each change, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from muster.audit import access, trail
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.ledger.models import Event
from muster.ledger.outbox import hold_for_writing
from muster.measures.models import Measure
from muster.policy import loader
from muster.rules import access as rules
from muster.rules import limits as lengths
from muster.rules.notice_numbers import summons_number
from muster.rules.outcomes import LIFT, REINSTATE, SUSPEND, announces, refusal, too_early, transition


class SuspensionError(ValueError):
    """The change cannot be made as asked (the message names the argument); nothing was written."""


@dataclass
class Changes:
    """What one call did: the measures it changed, and those it left with the reason why."""

    changed: list[int] = field(default_factory=list)
    left: dict[int, str] = field(default_factory=dict)
    announced: list[Measure] = field(default_factory=list)  # changed with an event (not pending)


def last_change(action: str, measure: Measure) -> date | None:
    """The day of the measure's last change that `action` may not come before."""
    if action == REINSTATE:
        return measure.suspended_on
    days = [d for d in (measure.suspended_on, measure.reinstated_on) if d is not None]
    return max(days) if days else None


def change(action: str, measures: Iterable[Measure], day: date, at: datetime, *, reason: str, by: str) -> Changes:
    """Apply `action` on `day` to measures the caller has locked (select_for_update), inside its
    transaction, with writers of the ledger held (`hold_for_writing`); one event per announced
    change. Measures the rule does not let change are left, with the reason."""
    done = Changes()
    for measure in measures:
        was = measure.status
        after = transition(action, was)
        if after is None:
            done.left[measure.pk] = refusal(action, was)
            continue
        measure.status = after
        if action == SUSPEND:
            measure.suspended_on, measure.suspended_by, measure.suspend_reason = day, by, reason
            fields, event = ["suspended_on", "suspended_by", "suspend_reason"], {"suspended_on": day.isoformat()}
        elif action == REINSTATE:
            measure.reinstated_on, measure.reinstated_by, measure.reinstate_reason = day, by, reason
            fields, event = ["reinstated_on", "reinstated_by", "reinstate_reason"], {"reinstated_on": day.isoformat()}
        else:
            measure.lifted_on, measure.lifted_by, measure.lift_reason = day, by, reason
            fields, event = ["lifted_on", "lifted_by", "lift_reason"], {
                "lifted_on": day.isoformat(), "summons_number": summons_number(measure.summons_id)}
        measure.save(update_fields=["status", *fields])
        done.changed.append(measure.pk)
        announced = announces(action, was)
        if announced is None:
            continue  # never signed off, so never applied: nobody outside was told of it
        Event.objects.create(type=announced, person_id=measure.person_id, summons_id=measure.summons_id,
                             measure_id=measure.pk, occurred_at=at,
                             payload={"kind": measure.kind, **event, "reason": reason, "by": by})
        done.announced.append(measure)
    return done


def _checked_text(reason: str, by: str) -> tuple[str, str]:
    reason, by = reason.strip(), by.strip()
    if not reason:
        raise SuspensionError("--reason: say why")
    if not by:
        raise SuspensionError("--by: name what made the change (e.g. appeal:P-0000012)")
    try:
        lengths.check("measure change reason", reason, "--reason")
        lengths.check("measure changed by", by, "--by")
    except lengths.TooLong as exc:
        raise SuspensionError(str(exc)) from None
    return reason, by


def act(actor: Actor, action: str, measure_ids: Sequence[int], at: datetime, *, reason: str, by: str) -> Changes:
    """`action` (suspend, reinstate or lift) on the measures named, as `actor`, in one transaction
    with their ledger events and audit records. LookupError for an id that names no measure,
    AccessDenied outside the actor's districts, SuspensionError for bad input or a change dated
    before a measure's last one: in each case nothing is written. Measures whose status does
    not allow the change are left as they are and reported in `left`."""
    reason, by = _checked_text(reason, by)
    ids = sorted(set(measure_ids))
    if not ids:
        raise SuspensionError("name at least one measure")
    with transaction.atomic():
        hold_for_writing()
        measures = list(Measure.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("id"))
        where = dict(Measure.objects.filter(pk__in=ids).values_list("pk", "summons__district"))
        packs = dict(Measure.objects.filter(pk__in=ids).values_list("pk", "summons__campaign__pack_code"))
        missing = [i for i in ids if i not in where]
        if missing:
            raise LookupError(f"no measure {', '.join(map(str, missing))}")
        for district in sorted(set(where.values()), key=str):
            access.require(rules.may_act_on_person(actor, district))
        days = {code: today_in(loader.get_pack(code), at) for code in set(packs.values())}
        for measure in measures:
            day, before = days[packs[measure.pk]], last_change(action, measure)
            if transition(action, measure.status) is not None and too_early(day, before):
                raise SuspensionError(f"--at: {day} is before measure {measure.pk} last changed ({before})")
        done = Changes()
        for code, day in sorted(days.items()):
            part = change(action, [m for m in measures if packs[m.pk] == code], day, at, reason=reason, by=by)
            done.changed += part.changed
            done.left.update(part.left)
            done.announced += part.announced
        for measure in measures:
            if measure.pk in done.left:
                continue
            trail.record(actor, f"measure.{action}", "measure", str(measure.pk), person_id=measure.person_id,
                         purpose=f"{measure.kind} {_PAST[action]} by {by}: {reason}"[:300])
    return done


_PAST = {SUSPEND: "suspended", REINSTATE: "reinstated", LIFT: "lifted"}
