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
from muster.partners import facts, feed, keys, review, stp, webhooks
from muster.partners.keys import PartnerError
from muster.partners.models import Partner, Submission
from muster.partners.review import ReviewError
from muster.registry import submissions
from muster.registry.models import Person
from muster.rules import access as rules
from muster.rules import limits
from muster.rules.policy import Pack
from muster.rules.submissions import STP_KINDS, ungranted


def authenticate(key: str) -> Actor | None:
    """The partner a bearer key belongs to, as an Actor; None for a malformed, unknown or revoked key."""
    return keys.authenticate(key)


def _admin(actor: Actor) -> None:
    access.require(rules.may_administer(actor))


def add(actor: Actor, name: str, kinds: list[str], webhook_url: str, submit: list[str] | None = None
        ) -> dict[str, Any]:
    _admin(actor)
    limits.check("partner name", name.strip(), "NAME")
    limits.check("webhook url", webhook_url, "--webhook")
    return keys.add(name, kinds, webhook_url, actor=actor, submit=submit or [])


def grant(actor: Actor, name: str, submit: list[str]) -> dict[str, Any]:
    """Set what a partner may submit (kinds or fields; an empty list: nothing)."""
    _admin(actor)
    return keys.grant(name, submit, actor=actor)


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
    """A partner's data about a person, within its grant, merged like an import row with the
    partner as the source; (HTTP status, answer). Fields outside the grant are refused (403);
    changes to death, district, citizenship or a contact channel wait for an officer's review
    unless the pack names the partner authoritative for the field. A register's facts (enrolment,
    medical, employment) change no field: they are kept for straight-through processing
    (muster.partners.facts). A valid submission is answered
    202 the same way whether the registry holds the national id or not (about an unknown id it
    changes nothing). The same Idempotency-Key again answers as the first time; the same key with
    another body is refused (422)."""
    partner_id = _partner(actor)
    digest = canonical_digest(body)
    earlier = Submission.objects.filter(partner_id=partner_id, idempotency_key=idempotency_key).first()
    if earlier is not None:
        return _replay(earlier, digest, body)
    now = clock.now()
    try:
        with transaction.atomic():
            status, answer, outcome = _apply(actor, pack, national_id, kind, data, observed_at or now,
                                             idempotency_key, now)
            saved = Submission.objects.create(partner_id=partner_id, idempotency_key=idempotency_key,
                                              body_digest=digest, status_code=status, answer=answer,
                                              received_at=now, outcome=outcome)
    except IntegrityError:  # the same key, at the same moment, from another request: answer as it was
        return _replay(Submission.objects.get(partner_id=partner_id, idempotency_key=idempotency_key), digest,
                       body)
    if status == 202:
        answer["submission_id"] = saved.pk
        Submission.objects.filter(pk=saved.pk).update(answer=answer)
    return status, answer


def _apply(actor: Actor, pack: Pack, national_id: str, kind: str, data: dict[str, Any], observed_at: datetime,
           key: str, now: datetime) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """(status, answer to the partner, outcome kept for operators)."""
    assert actor.partner_id is not None
    grant = frozenset(Partner.objects.values_list("submit", flat=True).get(pk=actor.partner_id))
    refused = ungranted(kind, data, grant)
    if refused:
        return 403, _problem(403, "Not in the partner's grant", refused), {"refused": [p.column for p in refused]}
    if kind in STP_KINDS:  # a register's facts, for straight-through processing: no registry field changes
        try:
            fact = facts.store(actor, pack, national_id, kind, data, observed_at, now)
        except submissions.SubmissionRejected as exc:
            return 422, _problem(422, "Submission rejected", exc.problems), {"rejected": True}
        return 202, {"submission_id": 0, "status": "accepted"}, {"person": fact.person_id, "fact": fact.pk}
    try:
        done = submissions.apply(pack, national_id, kind, data, source=actor.who, observed_at=observed_at,
                                 reference=f"submission {key}", actor=actor, now=now)
    except submissions.SubmissionRejected as exc:
        return 422, _problem(422, "Submission rejected", exc.problems), {"rejected": True}
    outcome: dict[str, Any] = {"person": None}
    if done.person_id is not None:
        person = Person.objects.get(pk=done.person_id)
        outcome["person"] = person.pk
        if done.merged is not None:
            outcome["observation_id"] = done.merged.observation_id
            outcome["changed_fields"] = done.merged.changed_fields
            review.tell_if_contact_changed(person, done.merged, actor.who, now)
        if done.held:
            change = review.queue(person, actor.partner_id, kind, done.held, source=actor.who,
                                  observed_at=submissions.check_observed_at(observed_at, now),
                                  reference=f"submission {key}", now=now)
            outcome["review"] = change.pk
    return 202, {"submission_id": 0, "status": "accepted"}, outcome


def _problem(status: int, title: str, problems: list[Any]) -> dict[str, Any]:
    return {"type": "about:blank", "title": title, "status": status,
            "detail": "; ".join(f"{p.column}: {p.reason}" for p in problems),
            "errors": [{"field": p.column, "reason": p.reason} for p in problems]}


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


def pending_changes(actor: Actor, pack: Pack) -> list[dict[str, Any]]:
    """The review queue in the actor's districts (each person shown is logged as read)."""
    return review.pending(actor, pack)


def accept_change(actor: Actor, pack: Pack, change_id: int) -> dict[str, Any]:
    return review.accept(actor, pack, change_id)


def reject_change(actor: Actor, pack: Pack, change_id: int, reason: str) -> dict[str, Any]:
    return review.reject(actor, pack, change_id, reason)


stp_rules = stp.list_rules
UnknownRule = stp.UnknownRule
SwitchError = stp.SwitchError
stp_switch = stp.switch
stp_run = stp.run

__all__ = ["PartnerError", "ReviewError", "SwitchError", "UnknownRule", "accept_change", "add", "authenticate",
           "dead_letters", "feed_page", "grant", "list_all", "pending_changes", "publish", "reject_change", "replay",
           "revoke_keys", "rotate_key", "send_webhooks", "stp_rules", "stp_run", "stp_switch", "submit"]
