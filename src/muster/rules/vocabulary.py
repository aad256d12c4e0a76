"""The closed vocabularies Muster stores: statuses, states, channels, kinds. One enum each.

They live with the pure rules (which reason in them) as str enums, so they compare equal to the
text stored in the database; the models declare their fields' choices from them (`choices`), and
the batch SQL spells them through them. Measure kinds are not here: each policy file names its own.
"""

from __future__ import annotations

from enum import StrEnum


class SummonsStatus(StrEnum):
    PLACED = "placed"
    SERVED = "served"
    APPEARED = "appeared"
    EXCUSED = "excused"
    MISSED = "missed"
    CANCELLED = "cancelled"


OPEN_SUMMONS = (SummonsStatus.PLACED, SummonsStatus.SERVED)


class Purpose(StrEnum):
    """What a campaign calls people for."""

    MEDICAL_EXAMINATION = "medical_examination"
    CALL_UP = "call_up"
    DATA_CHECK = "data_check"
    ALTERNATIVE_SERVICE = "alternative_service"


class RunKind(StrEnum):
    ISSUE = "issue"
    TICK = "tick"


class Channel(StrEnum):
    """How a summons reaches the person; email and SMS only tell them one exists."""

    REGISTER = "register"
    PORTAL = "portal"
    EMAIL = "email"
    SMS = "sms"
    POST = "post"
    IN_PERSON = "in_person"


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    SIGNED = "signed"
    FAILED = "failed"
    RETURNED = "returned"
    REFUSED = "refused"


class DeliveryEventKind(StrEnum):
    """What happened to a delivery (the events service is computed from)."""

    SENT = "sent"
    POSTED = "posted"
    DELIVERED = "delivered"
    OPENED = "opened"
    SIGNED = "signed"
    REFUSED = "refused"
    RETURNED = "returned"
    FAILED = "failed"


class MeasureStatus(StrEnum):
    PENDING = "pending"  # waiting for an officer's sign-off
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LIFTED = "lifted"
    DECLINED = "declined"


class EventType(StrEnum):
    """The ledger's event types."""

    SUMMONS_PLACED = "summons.placed"
    SUMMONS_SERVED = "summons.served"
    SUMMONS_MISSED = "summons.missed"
    SUMMONS_APPEARED = "summons.appeared"
    SUMMONS_EXCUSED = "summons.excused"
    SUMMONS_CANCELLED = "summons.cancelled"
    SUMMONS_APPEAL_ACCEPTED = "summons.appeal_accepted"
    MEASURE_APPLIED = "measure.applied"
    MEASURE_LIFTED = "measure.lifted"
    MEASURE_SUSPENDED = "measure.suspended"  # not in force while an appeal is heard
    MEASURE_REINSTATED = "measure.reinstated"  # in force again (the appeal dismissed)
    DECISION_MADE = "decision.made"  # a decision on an application took effect (casework)
    DEFERMENT_ENDING = "deferment.ending"  # the person is reminded that a deferment ends soon
    APPEAL_FILED = "appeal.filed"  # the person's timeline and account; never a partner's feed
    APPEAL_DECIDED = "appeal.decided"
    APPLICATION_AWAITING = "application.awaiting_person"  # the person is asked for what is missing


class WebhookState(StrEnum):
    NONE = "none"  # the partner has no webhook, or the entry is history from before it joined
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class EmailState(StrEnum):
    """The email announcing a message in the person's account."""

    NONE = "none"  # no address
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


def choices(vocabulary: type[StrEnum]) -> list[tuple[str, str]]:
    """A model field's choices: (stored value, label)."""
    return [(member.value, member.value.replace("_", " ")) for member in vocabulary]
