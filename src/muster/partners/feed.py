"""Fan the ledger's measure events out to the partners that enforce each kind.

The ledger (events_event) is written in the same transaction as the measures
themselves: it is the transactional outbox. `publish` copies each new
measure event to the feed of every partner whose kinds include it, giving it
the partner's next sequence number, so each partner's feed is numbered
1, 2, 3, ... with no gaps and never changes once written.

The ledger is read through muster.events.outbox, so no event is skipped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from muster import sql
from muster.events import outbox
from muster.events.outbox import MEASURE_EVENTS
from muster.partners.models import FeedEntry, Partner, Publication
from muster.rules.notice_numbers import format_summons_number


def _payload_sql() -> str:
    extra = "'national_id', p.national_id, 'measure_id', e.measure_id, 'event_id', e.id"
    if connection.vendor == "postgresql":
        return f"e.payload || jsonb_build_object({extra})"
    return f"json_patch(e.payload, json_object({extra}))"


def publish(now: datetime) -> dict[str, int]:
    """Copy new measure events into partners' feeds, their webhooks due at `now`.
    Returns entries written per partner."""
    written: dict[str, int] = {}
    with outbox.new_events(Publication) as (cur, after, upto):
        if upto is None:
            return written
        for partner in Partner.objects.select_for_update().order_by("id"):
            count = _fan_out(cur, partner, after, upto, now)
            if count:
                partner.feed_length += count
                partner.save(update_fields=["feed_length"])
                written[partner.name] = count
    return written


def backfill(partner: Partner) -> int:
    """Give a new partner the history of its kinds so far, so its copy starts complete. The history
    is on the pull feed only; webhooks carry what happens from now on."""
    with transaction.atomic(), connection.cursor() as cur:
        outbox.lock_out_writers(cur)
        mark, _ = Publication.objects.select_for_update().get_or_create(pk=1)
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        count = _fan_out(cur, partner, 0, mark.last_event_id, timezone.now(), webhook=False)
        partner.feed_length += count
        partner.save(update_fields=["feed_length"])
    return count


def _fan_out(cur: Any, partner: Partner, after: int, upto: int, now: Any, webhook: bool = True) -> int:
    if not partner.kinds:
        return 0
    kinds = ", ".join(["%s"] * len(partner.kinds))
    webhook = webhook and bool(partner.webhook_url)
    state = "pending" if webhook else "none"
    cur.execute(
        f"INSERT INTO partners_feedentry (partner_id, seq, event_id, type, payload, occurred_at, webhook_state, "
        f"attempts, next_attempt_at, last_error) "
        f"SELECT %s, %s + ROW_NUMBER() OVER (ORDER BY e.id), e.id, e.type, {_payload_sql()}, e.occurred_at, "
        f"%s, 0, %s, '' FROM events_event e JOIN measures_measure m ON m.id = e.measure_id "
        f"JOIN registry_person p ON p.id = e.person_id "
        f"WHERE e.id > %s AND e.id <= %s AND e.type IN (%s, %s) AND m.kind IN ({kinds})",
        [partner.pk, partner.feed_length, state, sql.dt(now) if webhook else None,
         after, upto, *MEASURE_EVENTS, *partner.kinds])
    return int(cur.rowcount)


def page(partner_id: int, after: int, limit: int) -> list[dict[str, Any]]:
    """Feed entries after `after`, in order, as the API serves them."""
    rows = (FeedEntry.objects.filter(partner_id=partner_id, seq__gt=after).order_by("seq")
            .values_list("seq", "event_id", "type", "payload", "occurred_at")[:limit])
    return [{"seq": seq, "id": f"evt_{event_id}", "type": type_, "occurred_at": at, "data": _public(payload)}
            for seq, event_id, type_, payload, at in rows]


def _public(payload: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {k: payload.get(k) for k in ("national_id", "kind", "measure_id", "effective_from", "lifted_on",
                                         "legal_basis", "reason") if k in payload}
    number = payload.get("summons_number")
    data["summons_number"] = format_summons_number(int(number)) if number is not None else None
    return data
