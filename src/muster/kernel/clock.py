"""The clock as a port: the one place Muster reads the wall clock, and local dates in a pack's zone.

Rules never read a clock: "today" is passed in. Services and batches take `now` from here unless an
operator simulates time (`--now`); tests may install a `FixedClock`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from django.utils import timezone


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return timezone.now()


@dataclass(frozen=True)
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


class _HasTimeZone(Protocol):
    @property
    def time_zone(self) -> str: ...


_clock: Clock = SystemClock()


def use(clock: Clock) -> Clock:
    """Install another clock (tests, simulations); returns the one it replaces."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def now() -> datetime:
    return _clock.now()


def today_in(pack: _HasTimeZone, at: datetime | None = None) -> date:
    """The local date in the pack's time zone: every legal date is a local date there."""
    return (at or now()).astimezone(ZoneInfo(pack.time_zone)).date()
