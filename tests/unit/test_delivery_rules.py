"""Channel choice, delivery state machine and service rules, as tables of cases (the day counting
in docs/jurisdiction-ru.md, "Counting days")."""

from dataclasses import fields, replace
from datetime import date, timedelta

import pytest

from muster.policy.files import find_builtin_pack
from muster.rules.delivery import (
    CHANNEL_NEEDS,
    TRANSITIONS,
    ContactFacts,
    DeliveryEvent,
    GiveUp,
    InvalidTransition,
    Retry,
    after_failure,
    channels_for,
    last_day_to_appear,
    measure_starts,
    missed_from,
    next_state,
    queued_channels,
    retry_delay,
    service,
)

RU = find_builtin_pack("ru")
RULES = RU.versions[-1].summons
P = date(2026, 3, 2)  # placement date


def contact(account=False, email=False, phone=False):
    return ContactFacts(electronic_account=account, email=email, phone=phone)


def rules(channels=RULES.channels, notify=RULES.notify_channels, order=RULES.channel_order):
    return replace(RULES, channels=tuple(channels), notify_channels=tuple(notify), channel_order=tuple(order))


@pytest.mark.parametrize(
    ("facts", "summons_rules", "expected"),
    [
        # The shipped policy: portal, email, sms, post in that order, post only without an account.
        (contact(account=True, email=True, phone=True), RULES, ("portal", "email", "sms")),
        (contact(email=True, phone=True), RULES, ("email", "sms", "post")),
        (contact(account=True), RULES, ("portal",)),
        (contact(), RULES, ("post",)),
        (contact(phone=True), RULES, ("sms", "post")),
        # channel_order decides the order; a channel the policy does not allow is never queued.
        (contact(account=True, email=True), rules(order=("email", "portal")), ("email", "portal")),
        (contact(email=True, phone=True), rules(notify=("sms",)), ("sms", "post")),
        (contact(account=True, email=True), rules(channels=("post",), notify=()), ()),
        # Allowed but not in channel_order: not queued.
        (contact(account=True, email=True, phone=True), rules(order=("sms",)), ("sms",)),
        # register and in_person are allowed, yet not channels a delivery is queued on.
        (contact(account=True), rules(order=("register", "in_person", "portal")), ("portal",)),
        (contact(), rules(channels=(), notify=(), order=()), ()),
    ],
)
def test_channels_for(facts, summons_rules, expected):
    assert channels_for(facts, summons_rules) == expected


def test_every_queued_channel_needs_a_contact_fact_the_person_has_or_not():
    assert queued_channels(RULES) == ("portal", "email", "sms", "post")
    assert {fact for fact, _ in CHANNEL_NEEDS.values()} == {f.name for f in fields(ContactFacts)}


@pytest.mark.parametrize(
    ("state", "event", "new"),
    [("queued", "sent", "sent"), ("queued", "posted", "delivered"), ("queued", "signed", "signed"),
     ("queued", "refused", "refused"), ("sent", "delivered", "delivered"), ("sent", "returned", "returned"),
     ("sent", "refused", "refused"), ("sent", "failed", "failed"), ("delivered", "opened", "opened")],
)
def test_transitions(state, event, new):
    assert next_state(state, event) == new


@pytest.mark.parametrize(
    ("state", "event"),
    [("delivered", "returned"), ("returned", "delivered"), ("failed", "sent"), ("queued", "delivered"),
     ("signed", "refused"), ("refused", "delivered")],
)
def test_refused_transitions(state, event):
    with pytest.raises(InvalidTransition, match=f"a delivery that is {state} cannot be {event}"):
        next_state(state, event)


def test_final_states_have_no_way_out():
    for state in ("signed", "failed", "returned", "refused", "opened"):
        assert not [e for (s, e) in TRANSITIONS if s == state]


def ev(channel, event, day):
    return DeliveryEvent(channel, event, P + timedelta(days=day))


@pytest.mark.parametrize(
    ("events", "today", "expected"),
    [
        ([], P + timedelta(days=6), None),
        ([], P + timedelta(days=7), (P + timedelta(days=7), "deemed", "served: 7 days after placement on 2026-03-02")),
        ([ev("post", "delivered", 3)], P + timedelta(days=10),
         (P + timedelta(days=3), "post:delivered", "served: post delivered on 2026-03-05")),
        ([ev("post", "refused", 2)], P + timedelta(days=2),
         (P + timedelta(days=2), "post:refused", "served: post refused on 2026-03-04")),
        ([ev("post", "returned", 2)], P + timedelta(days=5), None),  # returned mail does not serve
        ([ev("email", "sent", 0), ev("sms", "sent", 0)], P + timedelta(days=5), None),  # notices only
        ([ev("portal", "posted", 0)], P, (P, "portal:posted", "served: portal posted on 2026-03-02")),
        ([ev("in_person", "signed", 1), ev("post", "delivered", 1)], P + timedelta(days=1),
         (P + timedelta(days=1), "in_person:signed", "served: in_person signed on 2026-03-03")),
        ([ev("post", "delivered", 9)], P + timedelta(days=9),
         (P + timedelta(days=7), "deemed", "served: 7 days after placement on 2026-03-02")),
        ([ev("post", "delivered", 3)], P + timedelta(days=2), None),  # a receipt dated after today
    ],
)
def test_service(events, today, expected):
    result = service(RULES, P, events, today)
    assert (None if result is None else (result.served_on, result.how, result.evidence)) == expected


def test_grace_day_counting():
    a = date(2026, 4, 1)
    assert last_day_to_appear(a, 20) == date(2026, 4, 21)
    assert missed_from(a, 20) == date(2026, 4, 22)


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [("placement", P), ("served", P + timedelta(days=7)), ("missed", date(2026, 4, 22))],
)
def test_measure_starts(trigger, expected):
    assert measure_starts(trigger, P, P + timedelta(days=7), date(2026, 4, 1), 20) == expected


def test_measure_on_service_waits_for_service():
    assert measure_starts("served", P, None, date(2026, 4, 1), 20) is None


@pytest.mark.parametrize(("attempts", "delay"), [(1, 60), (2, 120), (3, 240), (20, 6 * 3600)])
def test_backoff(attempts, delay):
    assert retry_delay(attempts) == delay


@pytest.mark.parametrize(
    ("attempts", "temporary", "max_attempts", "base_seconds", "expected"),
    [
        (1, True, 5, 60, Retry(60)),  # the first failure waits a minute
        (2, True, 5, 60, Retry(120)),
        (4, True, 5, 60, Retry(480)),
        (5, True, 5, 60, GiveUp()),  # the attempts are spent
        (6, True, 5, 60, GiveUp()),
        (1, False, 5, 60, GiveUp()),  # a permanent failure gives up at once
        (1, True, 1, 60, GiveUp()),  # one attempt allowed: no retry
        (1, True, 8, 30, Retry(30)),  # webhooks: a shorter base
        (3, True, 8, 30, Retry(120)),
        (7, True, 8, 30, Retry(1920)),
        (8, True, 8, 30, GiveUp()),
        (15, True, 20, 60, Retry(6 * 3600)),  # the delay is capped
    ],
)
def test_after_failure(attempts, temporary, max_attempts, base_seconds, expected):
    assert after_failure(attempts, temporary, max_attempts, base_seconds) == expected


def test_same_day_same_channel_the_event_recorded_first_serves():
    from datetime import date

    from muster.policy.files import find_builtin_pack
    from muster.rules.delivery import DeliveryEvent, service

    rules = find_builtin_pack("ru").versions[-1].summons
    day = date(2026, 3, 2)
    events = [DeliveryEvent("in_person", "signed", day), DeliveryEvent("in_person", "refused", day)]
    assert service(rules, day, events, day).how == "in_person:signed"
    assert service(rules, day, events[::-1], day).how == "in_person:refused"
