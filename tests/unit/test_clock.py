"""The clock is a port: a fixed clock stands in for the wall clock, and legal dates are local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from muster.kernel import clock
from muster.kernel.clock import FixedClock
from muster.policy.files import find_builtin_pack


def test_a_fixed_clock_replaces_the_wall_clock_and_dates_are_the_packs_local_dates():
    ru = find_builtin_pack("ru")  # Europe/Moscow, UTC+3
    late_evening_utc = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)
    previous = clock.use(FixedClock(late_evening_utc))
    try:
        assert clock.now() == late_evening_utc
        assert clock.today_in(ru) == date(2026, 3, 2)  # already the next day in Moscow
        assert clock.today_in(ru, datetime(2026, 3, 1, 20, 59, tzinfo=UTC)) == date(2026, 3, 1)
    finally:
        clock.use(previous)
    assert clock.now() != late_evening_utc
