from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.policy.files import find_builtin_pack
from muster.rules.schedule import Window, appearance_date, room, usable_window, window_problems

RU = find_builtin_pack("ru")
V2024, V2026 = RU.versions[2], RU.versions[3]


@pytest.mark.parametrize(
    ("version", "purpose", "first", "last", "problem"),
    [
        (V2026, "call_up", date(2026, 3, 1), date(2026, 3, 30), None),
        (V2026, "call_up", date(2026, 3, 1), date(2026, 3, 31), "at most 30 days after placement"),
        (V2026, "call_up", date(2026, 3, 10), date(2026, 3, 1), "ends (2026-03-01) before it starts"),
        (V2026, "picnic", date(2026, 3, 1), date(2026, 3, 5), "purpose 'picnic'"),
        (V2024, "call_up", date(2024, 4, 5), date(2024, 5, 30), None),
        (V2024, "call_up", date(2024, 8, 1), date(2024, 8, 20), "only in the seasons"),
        (V2024, "medical_examination", date(2024, 8, 1), date(2024, 8, 20), None),
    ],
)
def test_window_problems(version, purpose, first, last, problem):
    problems = window_problems(version, purpose, first, last)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_usable_window_respects_30_days_after_placement():
    w = usable_window(V2026, date(2026, 3, 1), date(2026, 3, 30), placed_on=date(2026, 2, 20))
    assert w == Window(date(2026, 3, 1), date(2026, 3, 22))
    assert usable_window(V2026, date(2026, 3, 1), date(2026, 3, 5), placed_on=date(2026, 3, 5)) is None
    # No limit before 2026: the whole window, from the day after placement.
    assert usable_window(V2024, date(2024, 4, 1), date(2024, 6, 1), placed_on=date(2024, 4, 10)) == \
        Window(date(2024, 4, 11), date(2024, 6, 1))


@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=1, max_value=60),
       st.integers(min_value=1, max_value=500))
def test_appearance_dates_stay_in_the_window_and_under_capacity(position, days, capacity):
    window = Window(date(2026, 3, 1), date(2026, 3, 1) + timedelta(days=days - 1))
    day = appearance_date(position, window, capacity)
    if position < days * capacity:
        assert window.first <= day <= window.last
        assert day == window.first + timedelta(days=position // capacity)
    else:
        assert day is None


W3 = Window(date(2026, 3, 10), date(2026, 3, 12))  # three days


@pytest.mark.parametrize(
    ("position", "capacity", "expected"),
    [
        (0, 2, date(2026, 3, 10)), (1, 2, date(2026, 3, 10)), (2, 2, date(2026, 3, 11)),
        (5, 2, date(2026, 3, 12)), (6, 2, None),  # the window is full
        (0, 1, date(2026, 3, 10)), (2, 1, date(2026, 3, 12)), (3, 1, None), (299, 100, date(2026, 3, 12)),
    ],
)
def test_appearance_date(position, capacity, expected):
    assert appearance_date(position, W3, capacity) == expected


@pytest.mark.parametrize(
    ("capacity", "already", "expected"),
    [(2, 0, 6), (2, 1, 5), (2, 5, 1), (2, 6, 0), (2, 9, 0), (1, 0, 3), (100, 250, 50)],
)
def test_room_is_the_queue_positions_left_with_a_date(capacity, already, expected):
    assert room(W3, capacity, already) == expected
    dated = [appearance_date(already + k, W3, capacity) for k in range(expected + 1)]
    assert None not in dated[:expected] and dated[expected] is None
