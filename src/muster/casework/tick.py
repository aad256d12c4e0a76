"""Casework's step of the time engine (muster.engine.turn): mark open applications past their due
date overdue, remind each person, once, 30 days before a deferment of theirs ends, and suspend the
measures that started on a summons an open appeal watches (muster.rules.appeals.watches_summons).
It runs right after the notices' tick, in the same turn, before the partners' feed is published.

State-driven: an application is marked once (`overdue_marked_at`), a decision reminded once
(`reminded_at`), so a second turn at the same time does nothing. "Today" is the local date in each
pack's time zone; the cut-offs come from the pure rules (muster.rules.applications).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction

from muster.casework.models import Appeal, Decision
from muster.delivery.models import PersonMessage
from muster.kernel import db as sql
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.ledger.models import Event
from muster.measures import services as measures
from muster.measures.models import Measure
from muster.policy import loader
from muster.policy.models import PackRecord
from muster.rules.appeals import AppealStatus, MeasureFacts, newly_held
from muster.rules.applications import (
    REMIND_DAYS_BEFORE_END,
    Outcome,
    format_number,
    reminder_due,
    running_statuses,
)
from muster.rules.vocabulary import EventType, MeasureStatus

REMINDER_TOPIC = str(EventType.DEFERMENT_ENDING)


def step(now: datetime) -> dict[str, int]:
    counts = {"applications_overdue": 0, "deferment_reminders": 0,
              "measures_held_by_appeals": _hold_new_measures(now)}
    for code in PackRecord.objects.order_by("code").values_list("code", flat=True):
        pack = loader.get_pack(code)
        today = today_in(pack, now)
        with transaction.atomic():
            counts["applications_overdue"] += _mark_overdue(code, today, now)
            counts["deferment_reminders"] += _remind(code, today, now)
    return counts


def _mark_overdue(pack_code: str, today: object, now: datetime) -> int:
    """Set-based: every open application of the pack whose due date has passed (but for one waiting
for the person, whose time limit is paused), marked once; the
    partial index `application_overdue_unmarked` holds only the unmarked ones, so marked rows are
    never read again."""
    statuses = running_statuses()  # one waiting for the person is paused: never overdue
    marks = ", ".join(["%s"] * len(statuses))
    with connection.cursor() as cur:
        cur.execute(f"UPDATE casework_application SET overdue_marked_at = %s WHERE status IN ({marks}) "
                    f"AND due_on < %s AND overdue_marked_at IS NULL AND pack_code = %s",
                    [sql.dt(now), *statuses, today, pack_code])
        return int(cur.rowcount)


def _remind(pack_code: str, today, now: datetime) -> int:  # type: ignore[no-untyped-def]
    """A message to each person whose granted deferment ends within 30 days, once."""
    due = (Decision.objects.select_for_update(of=("self",)).select_related("application", "application__person")
           .filter(in_effect=True, reminded_at__isnull=True, outcome=Outcome.GRANTED,
                   application__kind="deferment", application__pack_code=pack_code,
                   period_until__gte=today, period_until__lte=today + timedelta(days=REMIND_DAYS_BEFORE_END))
           .order_by("id"))
    told = 0
    for decision in due:
        if not reminder_due(decision.period_until, today):
            continue
        app = decision.application
        details = {"application": format_number(app.pk), "ground": app.ground,
                   "period_until": decision.period_until.isoformat(),  # type: ignore[union-attr]
                   "liable_again_from": (decision.period_until + timedelta(days=1)).isoformat()}  # type: ignore[operator]
        event = Event.objects.create(type=REMINDER_TOPIC, person_id=decision.person_id, payload=details,
                                     occurred_at=now)
        email = app.person.email
        PersonMessage.objects.create(person_id=decision.person_id, event_id=event.pk, topic=REMINDER_TOPIC,
                                     details=details, created_at=now, email_state="queued" if email else "none",
                                     attempts=0, next_attempt_at=now if email else None)
        decision.reminded_at = now
        decision.save(update_fields=["reminded_at"])
        told += 1
    return told


def _hold_new_measures(now: datetime) -> int:
    """Suspend, from `now`, the active measures of the watched kinds on each summons an open appeal
    watches and that the appeal has not suspended yet: the ones that started after the filing (e.g.
    on the summons being missed). One indexed read finds them (only open watching appeals are in
    the partial index `appeal_watches_summons`); most turns find none. The appeal's `suspended`
    list takes them, so a dismissal reinstates them and an allowed appeal lifts them with the rest."""
    watching = Appeal.objects.filter(status=AppealStatus.OPEN, watches_summons_id__isnull=False)
    found: dict[int, list[MeasureFacts]] = {}
    for pk, kind, status, summons_id in (Measure.objects.filter(status=MeasureStatus.ACTIVE,
                                                                summons_id__in=watching.values("watches_summons_id"))
                                         .order_by("id").values_list("pk", "kind", "status", "summons_id")):
        found.setdefault(summons_id, []).append(MeasureFacts(pk, kind, status))
    if not found:
        return 0
    held = 0
    with transaction.atomic():
        for appeal in watching.select_for_update().filter(watches_summons_id__in=list(found)).order_by("id"):
            ids = newly_held(appeal.watched_kinds, found[appeal.watches_summons_id], appeal.suspended)
            if not ids:
                continue
            changed = measures.suspend(Actor.system("appeals"), list(ids), now,
                                       reason=f"appeal {appeal.number} to the {appeal.body}",
                                       by=f"appeal:{appeal.number}")
            appeal.suspended = sorted({*appeal.suspended, *changed})
            appeal.save(update_fields=["suspended"])
            held += len(changed)
    return held
