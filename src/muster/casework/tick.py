"""Casework's step of the time engine (muster.engine.turn): mark open applications past their due
date overdue, and remind each person, once, 30 days before a deferment of theirs ends.

State-driven: an application is marked once (`overdue_marked_at`), a decision reminded once
(`reminded_at`), so a second turn at the same time does nothing. "Today" is the local date in each
pack's time zone; the cut-offs come from the pure rules (muster.rules.applications).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction

from muster.casework.models import Decision
from muster.delivery.models import PersonMessage
from muster.kernel import db as sql
from muster.kernel.clock import today_in
from muster.ledger.models import Event
from muster.policy import loader
from muster.policy.models import PackRecord
from muster.rules.applications import (
    REMIND_DAYS_BEFORE_END,
    Outcome,
    format_number,
    reminder_due,
    running_statuses,
)
from muster.rules.vocabulary import EventType

REMINDER_TOPIC = str(EventType.DEFERMENT_ENDING)


def step(now: datetime) -> dict[str, int]:
    counts = {"applications_overdue": 0, "deferment_reminders": 0}
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
