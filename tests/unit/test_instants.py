"""The window an outside instant must lie in: a table of cases and a property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.instants import EARLIEST, instant_problem

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
PLACED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)


@pytest.mark.parametrize(("at", "ok"), [
    (NOW, True),
    (NOW + SKEW, True),
    (NOW + SKEW + timedelta(seconds=1), False),
    (datetime(2030, 1, 1, tzinfo=UTC), False),
    (PLACED, True),
    (PLACED - timedelta(seconds=1), False),
    (datetime(2023, 1, 1, tzinfo=UTC), False),
    (datetime(1, 1, 1, tzinfo=UTC), False),
    (datetime(9999, 12, 31, tzinfo=UTC), False),
])
def test_the_window(at: datetime, ok: bool) -> None:
    problem = instant_problem(at, now=NOW, skew=SKEW, not_before=PLACED, not_before_what="placement")
    assert (problem is None) is ok, problem


def test_before_1900_without_a_lower_bound() -> None:
    assert "before 1900" in (instant_problem(datetime(1899, 12, 31, tzinfo=UTC), now=NOW, skew=SKEW) or "")
    assert instant_problem(EARLIEST, now=NOW, skew=SKEW) is None


@given(st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_accepted_exactly_inside_the_window(at: datetime) -> None:
    inside = max(EARLIEST, PLACED) <= at <= NOW + SKEW
    assert (instant_problem(at, now=NOW, skew=SKEW, not_before=PLACED) is None) is inside
