"""Deliver partners' feed entries to their webhooks, signed as Standard Webhooks ask.

At least once: an entry is marked delivered only after the receiver answered
2xx, each in its own transaction, so a dispatcher killed mid-run re-sends at
most the entries it was holding. Receivers drop repeats by `webhook-id`.
Failures back off exponentially; after MUSTER_WEBHOOK_MAX_ATTEMPTS the entry
is dead-lettered until `muster webhooks replay`. The retrying is the shared
machine of muster.delivery.outbound, the POST the HTTP port of
muster.delivery.ports, so webhooks back off and give up as email and SMS do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from muster.delivery import outbound
from muster.delivery.ports import SendFailed, http_port
from muster.kernel import clock, locks
from muster.partners import feed
from muster.partners.models import ApiKey, FeedEntry, Partner


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value (Standard Webhooks, v1 = HMAC-SHA256)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def message(entry: FeedEntry) -> tuple[str, bytes]:
    """(webhook-id, body): the id stays the same on every retry, so receivers can drop repeats."""
    body = {"type": entry.type, "timestamp": entry.occurred_at,
            "data": {"seq": entry.seq, "id": f"evt_{entry.event_id}", **entry.payload}}
    return f"msg_{entry.partner_id}_{entry.seq}", json.dumps(body, cls=DjangoJSONEncoder).encode()


def headers(secret: str, msg_id: str, body: bytes) -> dict[str, str]:
    """The request headers, signed. The signed timestamp is the wall clock's (receivers reject
    stale ones), whatever `--now` says."""
    timestamp = int(time.time())
    return {"Content-Type": "application/json", "User-Agent": "muster-webhooks/1",
            "webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, msg_id, timestamp, body)}


REVOKED = "partner revoked"  # why a revoked partner's queued webhooks were given up


def give_up_all(partner_id: int) -> int:
    """As a partner's keys are revoked: its queued deliveries are given up, not sent (dead
    letters with the reason REVOKED; only `webhooks replay`, once the partner has a key again,
    queues them again)."""
    return FeedEntry.objects.filter(partner_id=partner_id, webhook_state="pending").update(
        webhook_state="dead", next_attempt_at=None, last_error=REVOKED)


def send_due(now: datetime, limit: int = 5000) -> Counter[str]:
    """Deliver what is due; returns counts of delivered, retried and dead entries."""
    with locks.session_or_skip(locks.WEBHOOK_DISPATCH) as mine:
        # else another dispatcher is at work
        return outbound.drain(WebhookOutbox(limit), now) if mine else Counter()


class WebhookOutbox:
    """Pending feed entries of partners with a webhook, in each partner's order. A partner whose
    receiver failed is held for the rest of the round: its later entries would likely fail too,
    and waiting keeps them in order."""

    base_seconds = 30
    names = {"sent": "delivered", "retried": "retried", "gave_up": "dead"}

    def __init__(self, limit: int):
        self.limit = limit
        self.max_attempts: int = settings.MUSTER_WEBHOOK_MAX_ATTEMPTS
        self.http = http_port(settings.MUSTER_WEBHOOK_TIMEOUT)
        self.partners = {p.pk: p for p in Partner.objects.exclude(webhook_url="")}

    def due(self, now: datetime) -> Iterable[FeedEntry]:
        due = (FeedEntry.objects.filter(webhook_state="pending", next_attempt_at__lte=now)
               .order_by("partner_id", "seq")[:self.limit])
        return [entry for entry in due if entry.partner_id in self.partners]

    def hold_key(self, entry: FeedEntry) -> int:
        return entry.partner_id

    def attempts(self, entry: FeedEntry) -> int:
        return entry.attempts

    def send(self, entry: FeedEntry) -> str:
        partner = self.partners[entry.partner_id]
        # Asked at each send, not once a round: a revocation during a round stops the rest of it.
        if not ApiKey.objects.filter(partner_id=partner.pk, revoked_at=None).exists():
            give_up_all(partner.pk)  # its others too; this one is given up by the caller
            raise SendFailed(REVOKED, temporary=False)
        msg_id, body = message(entry)
        try:
            signed = headers(partner.webhook_secret, msg_id, body)
        except ValueError as exc:  # a secret that is not base64: this partner fails, the round goes on
            raise SendFailed(f"receiver unreachable: {type(exc).__name__}", temporary=True) from None
        return self.http.post(partner.webhook_url, body, signed)

    def sent(self, entry: FeedEntry, attempts: int, ref: str, now: datetime) -> None:
        partner = self.partners[entry.partner_id]
        FeedEntry.objects.filter(pk=entry.pk, webhook_state="pending").update(
            webhook_state="delivered", attempts=attempts, delivered_at=now, next_attempt_at=None, last_error="")
        with connection.cursor() as cur:
            # The receiver has read it: the person sees the delivery in their access log.
            feed.log_disclosure(cur, partner.name, f"webhook delivery ({', '.join(sorted(partner.kinds))})",
                                partner.pk, entry.seq - 1, entry.seq, clock.now())

    def retry(self, entry: FeedEntry, attempts: int, reason: str, at: datetime) -> None:
        FeedEntry.objects.filter(pk=entry.pk).update(attempts=attempts, last_error=reason[:300], next_attempt_at=at)

    def give_up(self, entry: FeedEntry, attempts: int, reason: str, now: datetime) -> None:
        FeedEntry.objects.filter(pk=entry.pk).update(webhook_state="dead", attempts=attempts,
                                                     next_attempt_at=None, last_error=reason[:300])

    def count_key(self, entry: FeedEntry, outcome: outbound.Outcome) -> str:
        return self.names[outcome]


def _partner_ids(partner: str) -> list[int]:
    """The partner named, as a one-item list of ids; LookupError if there is none."""
    found = list(Partner.objects.filter(name=partner).values_list("pk", flat=True))
    if not found:
        raise LookupError(f"no partner named {partner!r}")
    return found


def dead_letters(partner: str | None = None) -> list[dict[str, Any]]:
    """Dead-lettered deliveries (of one partner); LookupError for a partner that does not exist."""
    rows = FeedEntry.objects.filter(webhook_state="dead").order_by("partner_id", "seq")
    if partner:
        rows = rows.filter(partner_id__in=_partner_ids(partner))
    names = dict(Partner.objects.values_list("pk", "name"))
    return [{"partner": names.get(e.partner_id), "seq": e.seq, "type": e.type, "attempts": e.attempts,
             "last_error": e.last_error} for e in rows]


def replay(now: datetime, partner: str | None = None) -> int:
    """Put dead-lettered entries back in the queue, due now, with a fresh count of attempts;
    LookupError for a partner that does not exist (rather than "0 queued again"). A partner
    without a key (revoked) is left out: rotate its key first."""
    keyed = ApiKey.objects.filter(revoked_at=None).values("partner_id")
    rows = FeedEntry.objects.filter(webhook_state="dead", partner_id__in=keyed)
    if partner:
        rows = rows.filter(partner_id__in=_partner_ids(partner))
    return rows.update(webhook_state="pending", attempts=0, next_attempt_at=now, last_error="")
