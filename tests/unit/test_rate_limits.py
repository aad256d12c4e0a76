"""The partner check's token bucket (muster.rules.rate_limits): cases, then properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.rules.rate_limits import retry_after_header, take


def run(times: list[float], rate: float, burst: float) -> list[float]:
    """The wait answered to each request at `times` against a full bucket."""
    tokens, stamp, waits = burst, 0.0, []
    for now in times:
        tokens, stamp, wait = take(tokens, stamp, now, rate, burst)
        waits.append(wait)
    return waits


@pytest.mark.parametrize(("times", "rate", "burst", "admitted"), [
    ([0, 0, 0], 1, 2, [True, True, False]),  # a burst of 2, the third waits
    ([0, 0, 0, 1], 1, 2, [True, True, False, True]),  # one token back after a second
    ([0, 0.5, 1.0, 1.5, 2.0], 2, 1, [True, True, True, True, True]),  # exactly the rate
    ([0, 0.1, 0.2], 2, 1, [True, False, False]),
    ([0, 100, 100, 100], 1, 2, [True, True, True, False]),  # a long pause refills only up to the burst
])
def test_cases(times, rate, burst, admitted):
    assert [w == 0 for w in run(times, rate, burst)] == admitted


def test_a_refused_request_is_told_when_a_token_is_whole_and_does_not_spend():
    tokens, stamp, wait = take(0.25, 10.0, 10.0, 2.0, 5)
    assert (tokens, stamp, wait) == (0.25, 10.0, 0.375)
    assert take(tokens, stamp, 10.0 + wait, 2.0, 5)[2] == 0


@pytest.mark.parametrize(("wait", "header"), [(0.001, "1"), (0.5, "1"), (1.0, "1"), (1.2, "2"), (30.0, "30")])
def test_retry_after_is_whole_seconds_never_zero(wait, header):
    assert retry_after_header(wait) == header


gaps = st.lists(st.floats(min_value=0, max_value=3, allow_nan=False), min_size=1, max_size=60)
rates = st.floats(min_value=0.1, max_value=50)
bursts = st.integers(min_value=1, max_value=20)


def times_of(steps: list[float]) -> list[float]:
    t, out = 1000.0, []
    for step in steps:
        t += step
        out.append(t)
    return out


@settings(max_examples=300, deadline=None)
@given(gaps, rates, bursts)
def test_never_more_than_the_burst_plus_the_rate_over_any_window(steps, rate, burst):
    times = times_of(steps)
    admitted = [t for t, w in zip(times, run(times, rate, burst), strict=True) if w == 0]
    for i, first in enumerate(admitted):
        for j in range(i, len(admitted)):
            assert j - i + 1 <= burst + rate * (admitted[j] - first) + 1e-6


@settings(max_examples=300, deadline=None)
@given(gaps, rates, bursts)
def test_requests_spaced_at_the_rate_are_all_admitted(steps, rate, burst):
    times = times_of([max(s, 1.0 / rate) for s in steps])
    assert all(w == 0 for w in run(times, rate, burst))


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0, max_value=0.999), rates, bursts, st.floats(min_value=0, max_value=1e6))
def test_waiting_the_answered_time_admits(tokens, rate, burst, now):
    _, _, wait = take(tokens, now, now, rate, burst)
    assert wait > 0
    assert take(tokens, now, now + wait * (1 + 1e-9) + 1e-9, rate, burst)[2] == 0
