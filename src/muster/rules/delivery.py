"""Which channels a summons is delivered on, delivery attempts as a state machine, and when a
summons counts as served.

All are data tables and pure functions: from the person's contact facts and the
policy's channels, to the deliveries queued; from the policy's service rules and
the delivery events, to the served date, how it was served, and the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from muster.rules.policy import SummonsRules


@dataclass(frozen=True)
class ContactFacts:
    """What the registry knows of how to reach a person, as far as choosing channels goes
    (an account not known to exist counts as none)."""

    electronic_account: bool
    email: bool  # an address is on record
    phone: bool  # a number is on record

    def has(self, fact: str) -> bool:
        return {"electronic_account": self.electronic_account, "email": self.email, "phone": self.phone}[fact]


# channel -> (the contact fact it depends on, the value that fact must have). Only these channels are
# queued when a summons is issued; the issuing SQL builds its per-channel conditions from this table,
# so the batch and channels_for cannot drift apart.
CHANNEL_NEEDS: dict[str, tuple[str, bool]] = {
    "portal": ("electronic_account", True),
    "email": ("email", True),
    "sms": ("phone", True),
    "post": ("electronic_account", False),  # registered post for everyone without an account
}


def queued_channels(rules: SummonsRules) -> tuple[str, ...]:
    """The channels a new summons may be queued on, in the policy's channel_order: those the policy
    allows (to serve or to notify) that CHANNEL_NEEDS knows how to choose."""
    allowed = set(rules.channels) | set(rules.notify_channels)
    return tuple(c for c in rules.channel_order if c in allowed and c in CHANNEL_NEEDS)


def channels_for(contact: ContactFacts, rules: SummonsRules) -> tuple[str, ...]:
    """The deliveries queued for a person's new summons, in the order they are written: each queued
    channel whose contact fact the person meets. With both the account and post allowed, everyone
    gets at least one channel personal to them."""
    return tuple(c for c in queued_channels(rules) if contact.has(CHANNEL_NEEDS[c][0]) is CHANNEL_NEEDS[c][1])


STATES = ("queued", "sent", "delivered", "opened", "signed", "failed", "returned", "refused")
FINAL_STATES = frozenset({"opened", "signed", "failed", "returned", "refused"})

# (state, event) -> next state. An event not listed for a state is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("queued", "sent"): "sent",
    ("queued", "posted"): "delivered",  # the electronic account: placing it is delivering it
    ("queued", "signed"): "signed",  # in person
    ("queued", "refused"): "refused",  # in person
    ("queued", "failed"): "failed",
    ("sent", "delivered"): "delivered",
    ("sent", "opened"): "opened",
    ("sent", "refused"): "refused",
    ("sent", "returned"): "returned",
    ("sent", "failed"): "failed",
    ("delivered", "opened"): "opened",
    ("delivered", "signed"): "signed",
}


class InvalidTransition(ValueError):
    pass


def next_state(state: str, event: str) -> str:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        allowed = sorted(e for (s, e) in TRANSITIONS if s == state)
        raise InvalidTransition(
            f"a delivery that is {state} cannot be {event}"
            + (f" (it can be: {', '.join(allowed)})" if allowed else " (it is final)")) from None


@dataclass(frozen=True)
class DeliveryEvent:
    channel: str
    event: str
    on: date


@dataclass(frozen=True)
class Service:
    served_on: date
    how: str  # e.g. "post:delivered", "portal:posted", "deemed"
    evidence: str


# When two routes serve on the same day, the most direct evidence is recorded.
SERVICE_PREFERENCE = ("in_person", "post", "portal", "register", "email", "sms")


def service(rules: SummonsRules, placed_on: date, events: list[DeliveryEvent], today: date) -> Service | None:
    """When the summons counts as served, if it does by `today`; None if not yet. The earliest day
    wins, then the channel preferred by SERVICE_PREFERENCE, then the event recorded first."""
    serving = dict(rules.served_by)
    candidates: list[tuple[date, int, Service]] = []
    for e in events:
        if e.event in serving.get(e.channel, ()) and e.on <= today:
            candidates.append((e.on, SERVICE_PREFERENCE.index(e.channel), Service(
                e.on, f"{e.channel}:{e.event}", f"served: {e.channel} {e.event} on {e.on}")))
    if rules.deemed_served_after_days is not None:
        deemed = placed_on + timedelta(days=rules.deemed_served_after_days)
        if deemed <= today:
            candidates.append((deemed, len(SERVICE_PREFERENCE), Service(
                deemed, "deemed",
                f"served: {rules.deemed_served_after_days} days after placement on {placed_on}")))
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0], c[1]))[2]


def last_day_to_appear(appearance_date: date, grace_days: int) -> date:
    """The person may still appear up to and including this day (docs/jurisdiction-ru.md,
    "Counting days")."""
    return appearance_date + timedelta(days=grace_days)


def missed_from(appearance_date: date, grace_days: int) -> date:
    """The day a summons not answered counts as missed, and missed-measures take effect."""
    return appearance_date + timedelta(days=grace_days + 1)


def measure_starts(trigger: str, placed_on: date, served_on: date | None, appearance_date: date,
                   grace_days: int) -> date | None:
    """The day a measure with this trigger takes effect (None while its trigger has not happened)."""
    if trigger == "placement":
        return placed_on
    if trigger == "served":
        return served_on
    if trigger == "missed":
        return missed_from(appearance_date, grace_days)
    raise ValueError(f"unknown trigger {trigger!r}")


def retry_delay(attempts: int, base_seconds: int = 60, cap_seconds: int = 6 * 3600) -> int:
    """Exponential backoff before the next attempt after `attempts` failures."""
    delay: int = base_seconds * 2 ** max(0, attempts - 1)
    return min(cap_seconds, delay)


@dataclass(frozen=True)
class Retry:
    """Try again after `delay_seconds`."""

    delay_seconds: int


@dataclass(frozen=True)
class GiveUp:
    """Stop trying: the failure is not temporary, or the attempts are spent."""


def after_failure(attempts: int, temporary: bool, max_attempts: int,
                  base_seconds: int = 60) -> Retry | GiveUp:
    """What an outbound message does after a failed send, `attempts` counting the one that failed.

    One rule for email, SMS, account messages and webhooks, so they cannot drift apart: a
    temporary failure is retried with exponential backoff while attempts remain; anything else
    gives up at once."""
    if temporary and attempts < max_attempts:
        return Retry(retry_delay(attempts, base_seconds=base_seconds))
    return GiveUp()
