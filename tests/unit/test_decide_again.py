"""When an application may be decided (muster.rules.applications.decide_problem): once, and again
only after an allowed appeal set its decision aside and reopened it; and how waiting for the
person moves its due date (resumed_due)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.applications import LatestDecision, decide_problem, resumed_due
from muster.rules.working_days import WorkingCalendar, working_days_between

CAL = WorkingCalendar(holidays=frozenset({date(2026, 5, 1), date(2026, 5, 11)}))

DAY = date(2026, 4, 7)
REFUSED = LatestDecision("refused", DAY, awaiting_confirmation=False, set_aside_by="")
SET_ASIDE = LatestDecision("refused", DAY, awaiting_confirmation=False, set_aside_by="P-0000001")
WAITING = LatestDecision("granted", DAY, awaiting_confirmation=True, set_aside_by="")


@pytest.mark.parametrize("status, latest, problem", [
    ("submitted", None, None),
    ("in_review", None, None),
    ("awaiting_person", None, None),
    ("withdrawn", None, "withdrawn: nothing to decide"),
    ("decided", REFUSED, "decided already (refused on 2026-04-07)"),
    ("in_review", REFUSED, "decided already (refused on 2026-04-07)"),
    ("in_review", SET_ASIDE, None),
    ("decided", SET_ASIDE, "decided already"),
    ("in_review", WAITING, "waiting for a second officer"),
])
def test_decide_problem(status, latest, problem):
    got = decide_problem("A-0000001", status, latest)
    if problem is None:
        assert got is None
    else:
        assert got is not None and problem in got


@pytest.mark.parametrize("due, asked, resumed, expected", [
    (date(2026, 4, 30), date(2026, 4, 27), date(2026, 4, 27), date(2026, 4, 30)),  # the same day: no pause
    (date(2026, 4, 30), date(2026, 4, 27), date(2026, 4, 29), date(2026, 5, 5)),  # 2 days: past 1 May and a weekend
    (date(2026, 5, 8), date(2026, 5, 8), date(2026, 5, 11), date(2026, 5, 8)),  # a weekend and a holiday: none
    (date(2026, 5, 8), date(2026, 5, 8), date(2026, 5, 12), date(2026, 5, 12)),
])
def test_resumed_due(due, asked, resumed, expected):
    assert resumed_due(CAL, due, asked, resumed) == expected


days = st.dates(min_value=date(2026, 4, 1), max_value=date(2026, 6, 30))


@given(due=days, asked=days, waited=st.integers(min_value=0, max_value=40))
def test_the_due_date_moves_by_exactly_the_working_days_spent_waiting(due, asked, waited):
    resumed = asked + timedelta(days=waited)
    moved = resumed_due(CAL, due, asked, resumed)
    assert moved >= due
    assert working_days_between(CAL, due, moved) == working_days_between(CAL, asked, resumed)
