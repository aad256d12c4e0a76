"""The pure rule for suspending, reinstating and lifting a measure (muster.rules.outcomes), and the
in-force rule's answer for a suspended measure."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.outcomes import (
    LIFT,
    REINSTATE,
    SUSPEND,
    TRANSITIONS,
    announces,
    in_force,
    refusal,
    too_early,
    transition,
)
from muster.rules.vocabulary import EventType, MeasureStatus

ACTIONS = (SUSPEND, REINSTATE, LIFT)


@pytest.mark.parametrize(("action", "status", "after", "event"), [
    (SUSPEND, "active", "suspended", "measure.suspended"),
    (SUSPEND, "suspended", None, None),
    (SUSPEND, "pending", None, None),  # never applied: there is nothing to suspend
    (SUSPEND, "lifted", None, None),
    (SUSPEND, "declined", None, None),
    (REINSTATE, "suspended", "active", "measure.reinstated"),
    (REINSTATE, "active", None, None),
    (REINSTATE, "pending", None, None),
    (REINSTATE, "lifted", None, None),
    (REINSTATE, "declined", None, None),
    (LIFT, "active", "lifted", "measure.lifted"),
    (LIFT, "suspended", "lifted", "measure.lifted"),
    (LIFT, "pending", "lifted", None),  # lifted before it started: nobody outside was told of it
    (LIFT, "lifted", None, None),
    (LIFT, "declined", None, None),
])
def test_each_action_changes_only_the_statuses_it_may(action, status, after, event):
    assert transition(action, status) == after
    assert announces(action, status) == event


def test_a_refusal_says_what_the_measure_is_and_what_it_had_to_be():
    assert refusal(REINSTATE, "lifted") == "it is lifted; only a measure that is suspended can be reinstated"
    assert refusal(LIFT, "declined") == ("it is declined; only a measure that is pending or active or suspended "
                                         "can be lifted")


def test_an_unknown_action_is_an_error():
    with pytest.raises(ValueError, match="suspend, reinstate, lift"):
        transition("pause", "active")


def test_the_rule_speaks_the_vocabulary():
    for moves in TRANSITIONS.values():
        assert set(moves) | set(moves.values()) <= set(MeasureStatus)
    assert {announces(a, "active") for a in (SUSPEND, LIFT)} | {announces(REINSTATE, "suspended")} <= set(EventType)


@pytest.mark.parametrize(("status", "start", "today", "binds"), [
    ("active", date(2026, 3, 2), date(2026, 3, 2), True),
    ("active", date(2026, 3, 3), date(2026, 3, 2), False),
    ("suspended", date(2026, 3, 2), date(2026, 3, 9), False),
    ("suspended", date(2026, 3, 3), date(2026, 3, 2), False),
    ("pending", date(2026, 3, 2), date(2026, 3, 9), False),
    ("lifted", date(2026, 3, 2), date(2026, 3, 9), False),
])
def test_a_suspended_measure_is_not_in_force(status, start, today, binds):
    assert in_force(status, start, today) is binds


@pytest.mark.parametrize(("day", "last", "early"), [
    (date(2026, 3, 2), None, False),
    (date(2026, 3, 2), date(2026, 3, 2), False),  # the same day: an appeal filed and dismissed at once
    (date(2026, 3, 1), date(2026, 3, 2), True),
])
def test_a_change_may_not_come_before_the_last_one(day, last, early):
    assert too_early(day, last) is early


@given(start=st.sampled_from(["pending", "active"]), actions=st.lists(st.sampled_from(ACTIONS), max_size=12))
def test_any_sequence_keeps_a_lifted_measure_lifted_and_announces_only_real_changes(start, actions):
    status = start
    for action in actions:
        after = transition(action, status)
        event = announces(action, status)
        if after is None:
            assert event is None and status in ("lifted", "active", "suspended", "pending")
            continue
        assert after != status
        assert (event is None) == (status == "pending")
        if status == "lifted":
            pytest.fail("a lifted measure changed")
        status = after
    assert in_force(status, date(2026, 1, 1), date(2026, 1, 1)) == (status == "active")
    assert status in {"pending", "active", "suspended", "lifted"}
    if LIFT in actions:
        assert status == "lifted"
