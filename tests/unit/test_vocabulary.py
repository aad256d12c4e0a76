"""The enums of muster.rules.vocabulary are the words the rules and the batches use: no rule may
speak of a status, state, channel or event type the vocabulary lacks."""

from __future__ import annotations

from muster.ledger.outbox import MEASURE_EVENTS
from muster.rules import delivery, outcomes
from muster.rules.vocabulary import (
    OPEN_SUMMONS,
    Channel,
    DeliveryEventKind,
    DeliveryState,
    EventType,
    MeasureStatus,
    SummonsStatus,
    choices,
)


def test_delivery_states_and_transitions_use_the_vocabulary():
    assert set(delivery.STATES) == set(DeliveryState)
    for (state, event), after in delivery.TRANSITIONS.items():
        assert state in set(DeliveryState) and after in set(DeliveryState)
        assert event in set(DeliveryEventKind)


def test_service_preference_names_every_channel():
    assert set(delivery.SERVICE_PREFERENCE) == set(Channel)


def test_outcomes_close_summonses_into_statuses_of_the_vocabulary():
    assert set(outcomes.CLOSED_STATUS.values()) <= set(SummonsStatus)
    assert set(outcomes.CLOSABLE) <= set(SummonsStatus)
    assert set(OPEN_SUMMONS) <= set(outcomes.CLOSABLE)
    assert {f"summons.{o}" for o in outcomes.OUTCOMES} <= set(EventType)
    assert outcomes.IN_FORCE_STATUS == MeasureStatus.ACTIVE


def test_measure_events_are_event_types():
    assert set(MEASURE_EVENTS) == {EventType.MEASURE_APPLIED, EventType.MEASURE_LIFTED,
                                   EventType.MEASURE_SUSPENDED, EventType.MEASURE_REINSTATED}


def test_choices_store_the_value_and_show_words():
    assert ("in_person", "in person") in choices(Channel)
    assert [v for v, _ in choices(SummonsStatus)] == [s.value for s in SummonsStatus]
    assert SummonsStatus.PLACED == "placed" and f"{SummonsStatus.PLACED}" == "placed"
