"""Tell a person that a contact channel of theirs (electronic account, email, phone) was changed
by an agency: a message in their account and, by email, to the address they had before (so a
changed address cannot hide the change from its owner).

The message tells of a registry change, not a ledger event: its `event_id` is the negative id of
the observation that made the change (unique, and never a ledger sequence number).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from muster.delivery.models import PersonMessage

TOPIC = "contact.changed"


def tell_contact_changed(person_id: int, fields: Sequence[str], *, observation_id: int, source: str,
                         email_before: str | None, email_now: str | None, now: datetime) -> PersonMessage:
    email_to = email_before or email_now
    details = {"fields": sorted(fields), "source": source}
    if email_to:
        details["email_to"] = email_to
    return PersonMessage.objects.create(
        person_id=person_id, event_id=-observation_id, topic=TOPIC, details=details, created_at=now,
        email_state="queued" if email_to else "none", attempts=0, next_attempt_at=now if email_to else None)
