"""Fan the ledger's measure events out to the partners that enforce each kind.

The ledger (events_event) is written in the same transaction as the measures
themselves: it is the transactional outbox. `publish` copies each new
measure event to the feed of every partner whose kinds include it, giving it
the partner's next sequence number, so each partner's feed is numbered
1, 2, 3, ... with no gaps and never changes once written.

The ledger is read through muster.ledger.outbox, so no event is skipped.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from muster.audit import access_log
from muster.kernel import db as sql
from muster.ledger import outbox
from muster.ledger.outbox import MEASURE_EVENTS
from muster.partners.models import ApiKey, FeedEntry, Partner, Publication
from muster.summons import sql as summons_sql

BIG_BATCH = 50_000


def _payload_sql() -> str:
    """The entry's data as partners read it, built once when it is published."""
    if sql.features().json_in_database:
        field = "e.payload->'{}'"
        build = "jsonb_build_object"
    else:
        field = "json_extract(e.payload, '$.{}')"
        build = "json_object"
    # What a measure keeps for good comes from its row; what happened in this event, from the event.
    parts = {"national_id": "p.national_id", "kind": "m.kind", "measure_id": "e.measure_id",
             "summons_number": summons_sql.printed("e.summons_id"), "effective_from": "m.effective_from",
             "legal_basis": "b.text",
             **{k: field.format(k) for k in ("lifted_on", "suspended_on", "reinstated_on", "reason")}}
    return f"{build}(" + ", ".join(f"'{k}', {v}" for k, v in parts.items()) + ")"


def publish(now: datetime) -> dict[str, int]:
    """Copy new measure events into partners' feeds, their webhooks due at `now`.
    Returns entries written per partner."""
    written: dict[str, int] = {}
    with outbox.new_events(Publication) as (cur, after, upto):
        if upto is None:
            return written
        partners = list(Partner.objects.select_for_update().order_by("id"))
        # Read once the partners are locked: a rotation in flight has committed its new key by now.
        keyed = set(ApiKey.objects.filter(revoked_at=None).values_list("partner_id", flat=True))
        for partner in partners:
            if partner.pk not in keyed:
                continue  # locked out (`revoke_keys`): nothing more is disclosed to it; see `catch_up`
            count = _fan_out(cur, partner, after, upto, now)
            if count:
                partner.feed_length += count
                partner.save(update_fields=["feed_length"])
                written[partner.name] = count
    _refresh_statistics(sum(written.values()))
    return written


def _refresh_statistics(rows_written: int) -> None:
    """After a big fan-out, so that pages are read by index rather than planned for a small table."""
    if rows_written > BIG_BATCH:
        with connection.cursor() as cur:
            sql.analyze(cur, "partners_feedentry")


def backfill(partner: Partner) -> int:
    """Give a new partner the history of its kinds so far, so its copy starts complete. The history
    is on the pull feed only; webhooks carry what happens from now on."""
    with transaction.atomic(), connection.cursor() as cur:
        published = outbox.consumed_so_far(cur, Publication)
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        count = _fan_out(cur, partner, 0, published, timezone.now(), webhook=False)
        partner.feed_length += count
        partner.save(update_fields=["feed_length"])
    _refresh_statistics(count)
    return count


def hold_publication() -> int:
    """In the caller's transaction, before it locks any partner (the order `publish` takes them
    in): ledger writers and `publish` locked out; returns the last event published."""
    with connection.cursor() as cur:
        return outbox.consumed_so_far(cur, Publication)


def catch_up(partner: Partner, published: int) -> int:
    """As a locked-out partner gets a key again: the events of its kinds published while it was
    locked out (up to `published`, from `hold_publication`), on the pull feed only, as `backfill`
    gives a new partner its history. In the caller's transaction, the partner's row locked."""
    with connection.cursor() as cur:
        # Fan-out covers whole ranges of the ledger, so nothing at or below its last event is missing.
        last = FeedEntry.objects.filter(partner_id=partner.pk).aggregate(last=Max("event_id"))["last"] or 0
        count = _fan_out(cur, partner, last, published, timezone.now(), webhook=False)
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
        f"INSERT INTO partners_feedentry (partner_id, seq, event_id, person_id, type, payload, occurred_at, "
        f"webhook_state, attempts, next_attempt_at, last_error) "
        f"SELECT %s, %s + ROW_NUMBER() OVER (ORDER BY e.id), e.id, e.person_id, e.type, {_payload_sql()}, e.occurred_at, "
        f"%s, 0, %s, '' FROM events_event e JOIN measures_measure m ON m.id = e.measure_id "
        f"JOIN measures_legalbasis b ON b.id = m.basis_id JOIN registry_person p ON p.id = e.person_id "
        f"WHERE e.id > %s AND e.id <= %s AND e.type IN ({', '.join(['%s'] * len(MEASURE_EVENTS))}) "
        f"AND m.kind IN ({kinds})",
        [partner.pk, partner.feed_length, state, sql.dt(now) if webhook else None,
         after, upto, *MEASURE_EVENTS, *partner.kinds])
    return int(cur.rowcount)


def page(partner_id: int, after: int, limit: int, log: tuple[str, str, datetime]) -> tuple[str, int, bool]:
    """Entries after `after`, in order: (a JSON array of events, the last seq, whether more follow).
    `log` is (the partner's name, the purpose, the time): the page read goes into the access log of
    every person on it (one FeedRead row), atomically with the read.

    The feed is read in bulk, so where the database builds JSON the page, its log row and all are
    one statement: one round trip, whose commit does not wait for the WAL flush (a page is a read;
    only a crash of the machine itself in that instant could lose its log row)."""
    who, purpose, at = log
    if sql.features().json_in_database:
        logged = access_log.feed_read_sql(
            "SELECT %s, %s, %s, %s, %s, MAX(seq) FROM page WHERE rn <= %s HAVING COUNT(*) > 0")
        with connection.cursor() as cur:
            cur.execute(
                "WITH page AS (SELECT seq, event_id, type, occurred_at, payload, "
                "ROW_NUMBER() OVER (ORDER BY seq) AS rn FROM partners_feedentry WHERE partner_id = %s AND seq > %s "
                f"ORDER BY seq LIMIT %s), logged AS ({logged} RETURNING 1), "
                f"relaxed AS ({sql.COMMIT_WITHOUT_WAITING}) "
                "SELECT COALESCE(string_agg(json_build_object('seq', f.seq, 'id', 'evt_' || f.event_id, "
                "'type', f.type, 'occurred_at', f.occurred_at, 'data', f.payload)::text, ',' ORDER BY f.seq) "
                "FILTER (WHERE f.rn <= %s), ''), MAX(f.seq) FILTER (WHERE f.rn <= %s), COUNT(*) > %s "
                "FROM page f CROSS JOIN relaxed",
                [partner_id, after, limit + 1, sql.dt(at), partner_id, who, purpose, after, limit,
                 limit, limit, limit])
            text, last, more = cur.fetchone()
        return f"[{text}]", last if last is not None else after, bool(more)
    with transaction.atomic():
        rows = list(FeedEntry.objects.filter(partner_id=partner_id, seq__gt=after).order_by("seq")
                    .values_list("seq", "event_id", "type", "payload", "occurred_at")[:limit + 1])
        events = [{"seq": seq, "id": f"evt_{event_id}", "type": type_, "occurred_at": at, "data": payload}
                  for seq, event_id, type_, payload, at in rows[:limit]]
        last = events[-1]["seq"] if events else after
        if events:
            with connection.cursor() as cur:
                log_disclosure(cur, who, purpose, partner_id, after, last, at)
    return json.dumps(events, cls=DjangoJSONEncoder), last, len(rows) > limit


def log_disclosure(cur: Any, partner_name: str, purpose: str, partner_id: int, after: int, upto: int,
                   at: datetime) -> None:
    """Record that the entries `after` < seq <= `upto` of a partner's feed were disclosed to it: one
    row, which the access log of every person on those entries shows (muster.audit.models.FeedRead)."""
    cur.execute(access_log.feed_read_sql("VALUES (%s, %s, %s, %s, %s, %s)"),
                [sql.dt(at), partner_id, partner_name, purpose, after, upto])
