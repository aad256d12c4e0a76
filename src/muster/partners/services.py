"""Partner agencies for every interface: their accounts and keys (administrators), and what a
partner does through the API: read its feed, submit data about people. Each takes an Actor; every
disclosure of a person's data to a partner is in that person's access log."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from muster.audit import access
from muster.kernel import clock
from muster.kernel.actor import Actor
from muster.partners import feed, keys, webhooks
from muster.partners.keys import PartnerError
from muster.partners.models import Partner, Submission
from muster.registry import submissions
from muster.rules import access as rules
from muster.rules import limits
from muster.rules.policy import Pack


def authenticate(key: str) -> Actor | None:
    """The partner a bearer key belongs to, as an Actor; None for a malformed, unknown or revoked key."""
    return keys.authenticate(key)


def _admin(actor: Actor) -> None:
    access.require(rules.may_administer(actor))


def add(actor: Actor, name: str, kinds: list[str], webhook_url: str) -> dict[str, Any]:
    _admin(actor)
    limits.check("partner name", name.strip(), "NAME")
    limits.check("webhook url", webhook_url, "--webhook")
    return keys.add(name, kinds, webhook_url, actor=actor)


def list_all(actor: Actor) -> list[dict[str, Any]]:
    _admin(actor)
    return [keys.describe(p) for p in Partner.objects.order_by("name")]


def rotate_key(actor: Actor, name: str) -> dict[str, Any]:
    _admin(actor)
    return keys.rotate(name, actor=actor)


def revoke_keys(actor: Actor, name: str) -> dict[str, Any]:
    _admin(actor)
    return keys.revoke(name, actor=actor)


def _partner(actor: Actor) -> int:
    access.require(rules.Decision(actor.role == "partner" and actor.partner_id is not None,
                                  "only a partner agency reads its feed"))
    assert actor.partner_id is not None
    return actor.partner_id


def feed_page(actor: Actor, after: int, limit: int) -> tuple[str, int, bool]:
    """The partner's feed after `after`: (a JSON array of events, the last seq, whether more follow).
    Each person on the page gets the read in their access log, in the same transaction."""
    partner_id = _partner(actor)
    purpose = f"events feed ({', '.join(sorted(actor.kinds))})"
    events, last, more = feed.page(partner_id, after, limit, (actor.partner_name, purpose, clock.now()))
    return events, last, more


def publish(actor: Actor, now: datetime) -> dict[str, int]:
    """Copy new measure events into partners' feeds (the engine's step, or an operator's)."""
    access.require(rules.may_administer(actor))
    return feed.publish(now)


def send_webhooks(actor: Actor, now: datetime) -> dict[str, int]:
    access.require(rules.may_administer(actor))
    return dict(webhooks.send_due(now))


def dead_letters(actor: Actor, partner: str | None) -> list[dict[str, Any]]:
    _admin(actor)
    return webhooks.dead_letters(partner)


def replay(actor: Actor, now: datetime, partner: str | None) -> int:
    _admin(actor)
    return webhooks.replay(now, partner)


def submit(actor: Actor, pack: Pack, national_id: str, kind: str, data: dict[str, Any],
           observed_at: datetime | None, idempotency_key: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """A partner's data about a person, merged like an import row with the partner as the source;
    (HTTP status, answer). The same Idempotency-Key again answers as the first time; the same key
    with another body is refused (422)."""
    partner_id = _partner(actor)
    digest = canonical_digest(body)
    earlier = Submission.objects.filter(partner_id=partner_id, idempotency_key=idempotency_key).first()
    if earlier is not None:
        return _replay(earlier, digest, body)
    now = clock.now()
    try:
        with transaction.atomic():
            status, answer = _apply(actor, pack, national_id, kind, data, observed_at or now, idempotency_key)
            saved = Submission.objects.create(partner_id=partner_id, idempotency_key=idempotency_key,
                                              body_digest=digest, status_code=status, answer=answer,
                                              received_at=now)
    except IntegrityError:  # the same key, at the same moment, from another request: answer as it was
        return _replay(Submission.objects.get(partner_id=partner_id, idempotency_key=idempotency_key), digest,
                       body)
    if status == 201:
        answer["submission_id"] = saved.pk
        Submission.objects.filter(pk=saved.pk).update(answer=answer)
    return status, answer


def _apply(actor: Actor, pack: Pack, national_id: str, kind: str, data: dict[str, Any], observed_at: datetime,
           key: str) -> tuple[int, dict[str, Any]]:
    try:
        applied = submissions.apply(pack, national_id, kind, data, source=actor.who, observed_at=observed_at,
                                    reference=f"submission {key}", actor=actor)
    except submissions.SubmissionRejected as exc:
        return 422, {"type": "about:blank", "title": "Submission rejected", "status": 422, "detail": str(exc),
                     "errors": [{"field": p.column, "reason": p.reason} for p in exc.problems]}
    return 201, {"submission_id": 0, "status": "applied", **applied.as_dict()}


REUSED = {"type": "about:blank", "title": "Idempotency-Key reused", "status": 422,
          "detail": "this Idempotency-Key was used before with a different body; use a new key",
          "errors": [{"field": "Idempotency-Key", "reason": "already used with a different body"}]}


def canonical_digest(body: bytes) -> str:
    """The SHA-256 of the body's JSON in one canonical form (keys sorted, no spaces), so the same
    document sent again with its keys in another order or other spacing is the same request."""
    try:
        document = json.loads(body)
    except ValueError:
        return hashlib.sha256(body).hexdigest()
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).hexdigest()


def _replay(earlier: Submission, digest: str, body: bytes) -> tuple[int, dict[str, Any]]:
    # Submissions stored before digests were canonical hold the digest of the raw body.
    if earlier.body_digest not in (digest, hashlib.sha256(body).hexdigest()):
        return 422, dict(REUSED)
    return earlier.status_code, earlier.answer


__all__ = ["PartnerError", "add", "authenticate", "dead_letters", "feed_page", "list_all", "publish", "replay",
           "revoke_keys", "rotate_key", "send_webhooks", "submit"]
