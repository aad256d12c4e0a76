"""Small-cell suppression: no published cell holds 1 to 4 people; zero and 5+ are kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.statistics import rate, suppress_all, suppressed


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, None), (4, None), (5, 5), (6, 6), (10_000, 10_000)])
def test_suppressed(count, shown):
    assert suppressed(count) == shown


def test_a_negative_count_is_an_error_naming_it():
    with pytest.raises(ValueError, match="count"):
        suppressed(-1)


@given(st.dictionaries(st.text(max_size=10), st.integers(min_value=0, max_value=10**9)))
def test_no_published_cell_lies_in_one_to_four(cells):
    published = suppress_all(cells)
    assert published.keys() == cells.keys()
    assert not any(v is not None and 1 <= v <= 4 for v in published.values())
    assert all(v == cells[k] for k, v in published.items() if v is not None)


@pytest.mark.parametrize(("part", "whole", "expected"), [(1, 2, 50.0), (None, 5, None), (5, None, None), (0, 0, None)])
def test_rate(part, whole, expected):
    assert rate(part, whole) == expected
