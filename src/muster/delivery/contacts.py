"""A person's contact details and consent (issue 13): a new email address or phone number takes
effect only once confirmed with a 6-digit code sent to it (muster.rules.contact_codes), and the
person may turn electronic notices on or off.

The code is kept only as a salted HMAC (the key is Django's SECRET_KEY, never in the database); it
goes out through the same email and SMS ports as notices, with the change's own idempotency key.
Every step is in the audit trail, naming the channel and never the address or number. A confirmed
value enters the registry as an observation of the source "portal", like any other source's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from muster.audit import access, trail
from muster.delivery.contact_models import ContactChange, NoticeConsent
from muster.delivery.ports import SendFailed, email_port, sms_port
from muster.kernel.actor import Actor
from muster.registry import submissions
from muster.registry.models import Person
from muster.rules import access as rules
from muster.rules import contact_codes as codes
from muster.rules.policy import Pack

SOURCE = "portal"
SUBJECT = "Muster: your confirmation code / код подтверждения"


class ContactError(ValueError):
    """A change the portal cannot make; the message names the field (channel, email, phone, code)."""


def _owner(actor: Actor) -> Person:
    person_id = actor.person_id if actor.person_id is not None else -1
    access.require(rules.may_use_own_account(actor, person_id))
    return Person.objects.get(pk=person_id)


def _hash(code: str, salt: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()
    return f"{salt}${digest}"


def _matches(code: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return codes.well_formed(code) and hmac.compare_digest(_hash(code, salt), stored)


def _send(change: ContactChange, code: str) -> str:
    text = (f"Код подтверждения Muster: {code}. Он действует 15 минут. Никому его не сообщайте.\n"
            f"Your Muster confirmation code: {code}. It lasts 15 minutes. Do not share it.")
    key = f"muster-contact-{change.pk}"
    if change.channel == "email":
        return email_port().send(change.value, SUBJECT, text, key=key)
    return sms_port().send(change.value, text, key=key)


def request_change(actor: Actor, channel: str, value: str, now: datetime) -> dict[str, Any]:
    """Send a code to the new address or number; nothing changes until `confirm_change`. An earlier
    pending change of the same channel is closed. ContactError if the value is not taken or the
    code cannot be sent."""
    person = _owner(actor)
    field = "phone" if channel == "sms" else channel
    try:
        normalised = codes.normalise(field, value)
    except codes.ContactProblem as exc:
        raise ContactError(str(exc)) from None
    code = codes.code_of(secrets.randbelow(10 ** codes.CODE_DIGITS))
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()  # one request of a person at a time
        problem = codes.request_problem(ContactChange.objects.filter(
            person=person, created_at__gt=now - timedelta(hours=1)).count())
        if problem:
            raise ContactError(problem)
        ContactChange.objects.filter(person=person, channel=field, state="pending").update(state="closed",
                                                                                          closed_at=now)
        change = ContactChange.objects.create(person=person, channel=field, value=normalised,
                                              code_hash=_hash(code, secrets.token_hex(8)), created_at=now)
        trail.record(actor, "contact.change_requested", "contact_change", str(change.pk), person_id=person.pk,
                     purpose=f"new {field} given; a code sent to it", at=now)
    try:
        ref = _send(change, code)
    except SendFailed as exc:
        ContactChange.objects.filter(pk=change.pk).update(state="closed", closed_at=now)
        raise ContactError(f"{field}: the code could not be sent ({exc}); check it and try again") from None
    ContactChange.objects.filter(pk=change.pk).update(delivery_ref=ref[:100])
    return {"change": change.pk, "channel": field, "expires_at": now + codes.CODE_LIFETIME}


def confirm_change(actor: Actor, pack: Pack, change_id: int, code: str, now: datetime) -> dict[str, Any]:
    """Apply the change if `code` is the one sent; a wrong code spends a try (5 in all), an expired
    one (15 minutes) or a used one changes nothing. ContactError naming `code` otherwise. `applied`
    is false when the registry's merge rule keeps another source's value (a more trusted source for
    the field, by the pack's [sources.rank], or a newer observation): the page says so."""
    person = _owner(actor)
    with transaction.atomic():
        change = ContactChange.objects.select_for_update().filter(pk=change_id, person=person).first()
        if change is None:
            raise ContactError(f"change: no pending change {change_id} of your contact details")
        if change.state == "closed":  # replaced by a newer code, expired, out of tries, or never sent
            verdict = codes.Verdict(False, "code: this code no longer works; ask for a new one", False, True)
        else:
            verdict = codes.judge(issued_at=change.created_at, now=now, attempts=change.attempts,
                                  matches=_matches((code or "").strip(), change.code_hash),
                                  used=change.state == "confirmed")
        if verdict.counts_as_attempt:
            change.attempts += 1
        if verdict.confirmed:
            change.state, change.closed_at = "confirmed", now
            merged = submissions.merge(pack, person, {change.channel: change.value}, source=SOURCE, observed_at=now,
                                       reference=f"contact change {change.pk}", actor=actor, what="contact change")
            applied = change.channel in merged.changed_fields or getattr(person, change.channel) == change.value
            trail.record(actor, "contact.changed", "contact_change", str(change.pk), person_id=person.pk,
                         purpose=f"{change.channel} confirmed through the new {change.channel}"
                                 f"{'' if applied else '; the registry keeps a more trusted or newer source'}", at=now)
        elif verdict.closed and change.state == "pending":
            change.state, change.closed_at = "closed", now
        change.save(update_fields=["attempts", "state", "closed_at"])
        if not verdict.confirmed:
            trail.record(actor, "contact.code_refused", "contact_change", str(change.pk), person_id=person.pk,
                         purpose=verdict.reason, at=now)
    if not verdict.confirmed:
        raise ContactError(verdict.reason)
    return {"change": change.pk, "channel": change.channel, "confirmed": True, "applied": applied}


def set_consent(actor: Actor, electronic: bool, now: datetime) -> dict[str, Any]:
    """Turn electronic notices on or off; audited."""
    person = _owner(actor)
    with transaction.atomic():
        NoticeConsent.objects.update_or_create(person=person, defaults={"electronic": electronic, "changed_at": now})
        trail.record(actor, "consent.changed", "consent", str(person.pk), person_id=person.pk,
                     purpose=f"electronic notices {'on' if electronic else 'off'}", at=now)
    return {"electronic": electronic, "changed_at": now}


def contact_details(actor: Actor) -> dict[str, Any]:
    """The person's own contact details, consent and pending changes (channel and expiry only)."""
    person = _owner(actor)
    consent = NoticeConsent.objects.filter(person=person).first()
    pending = [{"change": c.pk, "channel": c.channel, "expires_at": c.created_at + codes.CODE_LIFETIME}
               for c in ContactChange.objects.filter(person=person, state="pending").order_by("id")]
    return {"email": person.email or None, "phone": person.phone or None,
            "electronic_account": person.electronic_account,
            "consent": None if consent is None else consent.electronic, "pending": pending}
