"""Deliver partners' feed entries to their webhooks, signed as Standard Webhooks ask.

At least once: an entry is marked delivered only after the receiver answered
2xx, each in its own transaction, so a dispatcher killed mid-run re-sends at
most the entries it was holding. Receivers drop repeats by `webhook-id`.
Failures back off exponentially; after MUSTER_WEBHOOK_MAX_ATTEMPTS the entry
is dead-lettered until `muster webhooks replay`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from urllib import error, request

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from muster.kernel import clock, locks
from muster.partners import feed
from muster.partners.models import FeedEntry, Partner
from muster.rules.delivery import retry_delay


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


def post(url: str, secret: str, msg_id: str, body: bytes, timeout: float) -> None:
    """POST one message; raises OSError-like errors or error.HTTPError for a non-2xx answer.
    The signed timestamp is the wall clock's (receivers reject stale ones), whatever `--now` says."""
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "muster-webhooks/1",
               "webhook-id": msg_id, "webhook-timestamp": str(timestamp),
               "webhook-signature": sign(secret, msg_id, timestamp, body)}
    req = request.Request(url, data=body, method="POST", headers=headers)
    with request.urlopen(req, timeout=timeout) as response:  # noqa: S310 (URL set by an administrator)
        response.read()


def send_due(now: datetime, limit: int = 5000) -> Counter[str]:
    """Deliver what is due; returns counts of delivered, retried and dead entries."""
    with locks.session_or_skip(locks.WEBHOOK_DISPATCH) as mine:
        return _send(now, limit) if mine else Counter()  # else another dispatcher is at work


def _send(now: datetime, limit: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    partners = {p.pk: p for p in Partner.objects.exclude(webhook_url="")}
    due = list(FeedEntry.objects.filter(webhook_state="pending", next_attempt_at__lte=now)
               .order_by("partner_id", "seq")[:limit])
    blocked: set[int] = set()
    for entry in due:
        partner = partners.get(entry.partner_id)
        if partner is None or entry.partner_id in blocked:
            continue
        msg_id, body = message(entry)
        try:
            post(partner.webhook_url, partner.webhook_secret, msg_id, body, settings.MUSTER_WEBHOOK_TIMEOUT)
        except error.HTTPError as exc:
            counts[_failed(entry, now, f"receiver answered {exc.code}")] += 1
            blocked.add(entry.partner_id)  # the receiver is unwell: leave its later entries for the next round
            continue
        except (error.URLError, TimeoutError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            counts[_failed(entry, now, f"receiver unreachable: {reason}")] += 1
            blocked.add(entry.partner_id)
            continue
        with transaction.atomic(), connection.cursor() as cur:
            FeedEntry.objects.filter(pk=entry.pk, webhook_state="pending").update(
                webhook_state="delivered", attempts=entry.attempts + 1, delivered_at=now, next_attempt_at=None,
                last_error="")
            # The receiver has read it: the person sees the delivery in their access log.
            feed.log_disclosure(cur, partner.name, f"webhook delivery ({', '.join(sorted(partner.kinds))})",
                                partner.pk, entry.seq - 1, entry.seq, clock.now())
        counts["delivered"] += 1
    return counts


def _failed(entry: FeedEntry, now: datetime, reason: str) -> str:
    attempts = entry.attempts + 1
    if attempts >= settings.MUSTER_WEBHOOK_MAX_ATTEMPTS:
        FeedEntry.objects.filter(pk=entry.pk).update(webhook_state="dead", attempts=attempts,
                                                     next_attempt_at=None, last_error=reason[:300])
        return "dead"
    FeedEntry.objects.filter(pk=entry.pk).update(
        attempts=attempts, last_error=reason[:300],
        next_attempt_at=now + timedelta(seconds=retry_delay(attempts, base_seconds=30)))
    return "retried"


def dead_letters(partner: str | None = None) -> list[dict[str, Any]]:
    rows = FeedEntry.objects.filter(webhook_state="dead").order_by("partner_id", "seq")
    if partner:
        rows = rows.filter(partner_id__in=Partner.objects.filter(name=partner).values("pk"))
    names = dict(Partner.objects.values_list("pk", "name"))
    return [{"partner": names.get(e.partner_id), "seq": e.seq, "type": e.type, "attempts": e.attempts,
             "last_error": e.last_error} for e in rows]


def replay(now: datetime, partner: str | None = None) -> int:
    """Put dead-lettered entries back in the queue, due now, with a fresh count of attempts."""
    rows = FeedEntry.objects.filter(webhook_state="dead")
    if partner:
        rows = rows.filter(partner_id__in=Partner.objects.filter(name=partner).values("pk"))
    return rows.update(webhook_state="pending", attempts=0, next_attempt_at=now, last_error="")
