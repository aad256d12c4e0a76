"""Selection order of a campaign's candidates, as tables of cases."""

from datetime import date

import pytest

from muster.rules.policy import SELECTION_KEYS
from muster.rules.selection import SORT_KEYS, Candidate, ranked, select, sort_keys

A = Candidate("10000000001", date(1999, 5, 1))
B = Candidate("10000000002", date(1999, 5, 1))  # born the same day as A
C = Candidate("10000000003", date(2001, 2, 3))
D = Candidate("10000000004", date(1997, 8, 9))
E = Candidate("10000000000", date(2001, 2, 3))  # born the same day as C, the lowest national id
PEOPLE = (C, A, E, D, B)


@pytest.mark.parametrize(
    ("order", "keys"),
    [
        ((), (("birth_date", False), ("national_id", False))),  # no order set: oldest first
        (("oldest_first",), (("birth_date", False), ("national_id", False))),
        (("youngest_first",), (("birth_date", True), ("national_id", False))),
        (("oldest_first", "national_id"), (("birth_date", False), ("national_id", False))),
        (("national_id",), (("national_id", False),)),  # unique already: nothing to add
        (("national_id", "youngest_first"), (("national_id", False), ("birth_date", True))),
    ],
)
def test_sort_keys_end_with_the_national_id(order, keys):
    assert sort_keys(order) == keys


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ((), (D, A, B, E, C)),
        (("oldest_first", "national_id"), (D, A, B, E, C)),
        (("youngest_first",), (E, C, A, B, D)),  # ties still by national id, ascending
        (("national_id",), (E, A, B, C, D)),
        (("national_id", "oldest_first"), (E, A, B, C, D)),
        (("youngest_first", "oldest_first"), (E, C, A, B, D)),  # a second key on the same field decides nothing
    ],
)
def test_ranked(order, expected):
    assert tuple(ranked(PEOPLE, order)) == expected
    assert tuple(ranked(reversed(PEOPLE), order)) == expected  # whatever order they are read in


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, ()), (1, (D,)), (3, (D, A, B)), (5, (D, A, B, E, C)), (9, (D, A, B, E, C)), (-1, ())],
)
def test_select_takes_the_first(count, expected):
    assert tuple(select(PEOPLE, ("oldest_first",), count)) == expected


def test_every_policy_selection_key_has_a_sort_key():
    assert set(SORT_KEYS) == set(SELECTION_KEYS)
