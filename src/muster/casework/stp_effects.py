"""Straight-through processing, the effects of a batch of decisions, in sets: the superseded
decisions' reminders, each decision told to its person (the ledger's event and a message), and
the open call-up summonses inside a granted period cancelled."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from muster.casework.effects import DECISION_TOPIC
from muster.casework.models import Application, Decision
from muster.casework.stp_reads import chunk_size, chunks
from muster.casework.stp_rows import insert
from muster.delivery.models import PersonMessage
from muster.ledger.models import Event
from muster.partners.stp import STP
from muster.registry.models import PersonStatus
from muster.rules.applications import BadNumber, parse_number
from muster.rules.notice_numbers import format_summons_number
from muster.rules.vocabulary import OPEN_SUMMONS, Purpose
from muster.summons import outcomes
from muster.summons.models import Summons


def supersede(numbers: list[str], now: datetime) -> None:
    """The decisions a renewal extends or an end ends: their old end is no longer the deferment's,
    so the tick must not remind the person of it (marked as reminded)."""
    ids = []
    for number in numbers:
        try:
            ids.append(parse_number(number))
        except BadNumber:
            continue
    for part in chunks(ids, chunk_size()):
        Decision.objects.filter(application_id__in=part, reminded_at__isnull=True).update(reminded_at=now)


def tell(decisions: list[Decision], apps: list[Application], people: dict[int, tuple[str, str]],
          now: datetime) -> None:
    """Each decision told to its person: the ledger's decision.made event and a message (as
    muster.casework.effects.tell_person does, in bulk)."""
    by_id = {a.pk: a for a in apps}
    events, details = [], []
    for d in decisions:
        app = by_id[d.application_id]
        detail = {"application": app.number, "kind": app.kind, "ground": app.ground, "outcome": d.outcome,
                  "reasons": list(d.reasons), "legal_basis": d.legal_basis,
                  "period_from": d.period_from.isoformat() if d.period_from else None,
                  "period_until": d.period_until.isoformat() if d.period_until else None,
                  "appeal_deadline": d.appeal_deadline.isoformat() if d.appeal_deadline else None}
        details.append(detail)
        events.append(Event(type=DECISION_TOPIC, person_id=d.person_id, summons_id=None, payload=detail,
                            occurred_at=now))
    insert(events)
    messages = []
    for event, detail in zip(events, details, strict=True):
        email = people.get(event.person_id, ("", ""))[1]
        messages.append(PersonMessage(person_id=event.person_id, event_id=event.pk, topic=DECISION_TOPIC,
                                      details=detail, created_at=now, email_state="queued" if email else "none",
                                      attempts=0, next_attempt_at=now if email else None))
    insert(messages)


def cancel_call_ups(granted: list[PersonStatus], now: datetime) -> int:
    """Open call-up summonses inside a granted period are cancelled and their measures lifted,
    through the per-summons path (they are few)."""
    periods: dict[int, list[PersonStatus]] = defaultdict(list)
    for s in granted:
        periods[s.person_id].append(s)
    cancelled = 0
    for part in chunks(sorted(periods), chunk_size()):
        rows = Summons.objects.filter(person_id__in=part, status__in=OPEN_SUMMONS,
                                      campaign__purpose=Purpose.CALL_UP).order_by("id")
        for summons in rows:
            status = next((s for s in periods[summons.person_id] if summons.appearance_date >= s.valid_from
                           and (s.valid_until is None or summons.appearance_date <= s.valid_until)), None)
            if status is None:
                continue
            try:
                outcomes.record(format_summons_number(summons.number), "cancelled", max(now, summons.placed_at),
                                actor=STP, reason=f"deferment granted (decision {status.decision_number})")
            except outcomes.OutcomeError:
                continue  # closed meanwhile (served, missed, excused): the deferment holds all the same
            cancelled += 1
    return cancelled
