from datetime import datetime

import pytest

from muster.rules.merge import Stored, collapse, field_wins

T1, T2 = datetime(2025, 1, 1), datetime(2025, 6, 1)


@pytest.mark.parametrize(
    ("stored", "incoming", "at", "wins"),
    [
        (None, "a", T1, True),
        (Stored(None, None), "a", T1, True),
        (Stored("a", T1), None, T2, False),  # empty never erases
        (Stored("a", T1), "a", T2, False),  # equal changes nothing
        (Stored("a", T1), "b", T2, True),  # newer wins
        (Stored("a", T2), "b", T1, False),  # older loses
        (Stored("a", T1), "b", T1, True),  # same time: the later import wins
    ],
)
def test_field_wins(stored, incoming, at, wins):
    assert field_wins(stored, incoming, at) is wins


def test_collapse_takes_the_last_non_empty_value():
    rows = [("1", "a", None, "x"), ("1", None, "b", "y"), ("1", "c", None, None)]
    assert collapse(rows) == ("1", "c", "b", "y")


def test_collapse_needs_a_row():
    with pytest.raises(ValueError):
        collapse([])
