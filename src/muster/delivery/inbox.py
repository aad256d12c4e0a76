"""The person's inbox in their electronic account (issue 13, "Messages"): their messages, newest
first, each marked read when first opened, and how many are unread. Only the owner may do any of
it: an officer reads a person's messages nowhere but through the record, and never marks them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muster.audit import access
from muster.delivery.models import PersonMessage
from muster.kernel.actor import Actor
from muster.rules import access as rules
from muster.rules.record_viewers import page_slice


class MessageNotFound(LookupError):
    """No such message in this person's inbox (another person's message is not found either)."""


def _owner(actor: Actor) -> int:
    person_id = actor.person_id if actor.person_id is not None else -1
    access.require(rules.may_use_own_account(actor, person_id))
    return person_id


def _as_dict(m: PersonMessage) -> dict[str, Any]:
    details = {k: v for k, v in m.details.items() if k != "email_to"}  # the address it was announced to
    return {"id": m.pk, "topic": m.topic, "at": m.created_at, "read": m.read_at is not None,
            "read_at": m.read_at, "details": details}


def inbox(actor: Actor, page: int = 1, size: int = 20) -> dict[str, Any]:
    """A page of the person's messages, newest first, with the unread count."""
    person_id = _owner(actor)
    rows = PersonMessage.objects.filter(person_id=person_id)
    total = rows.count()
    start, end, pages = page_slice(page, size, total)
    return {"items": [_as_dict(m) for m in rows.order_by("-id")[start:end]], "page": page, "pages": pages,
            "total": total, "unread": unread_count(actor)}


def unread_count(actor: Actor) -> int:
    return PersonMessage.objects.filter(person_id=_owner(actor), read_at__isnull=True).count()


def open_message(actor: Actor, message_id: int, now: datetime) -> dict[str, Any]:
    """One message, marked read the first time it is opened (a second opening keeps the first time)."""
    person_id = _owner(actor)
    message = PersonMessage.objects.filter(pk=message_id, person_id=person_id).first()
    if message is None:
        raise MessageNotFound(f"message: no message {message_id} in your account")
    if message.read_at is None:
        PersonMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
        message.refresh_from_db(fields=["read_at"])
    return _as_dict(message)
