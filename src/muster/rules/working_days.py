"""Working days: the days an office works, for deadlines "within N working days".

A WorkingCalendar is plain data (the holidays and the transferred working days of the years it
covers); muster.policy.calendar builds it from the `holidays` library and the pack's own lists.
"Decided within N working days after filing" means due on the Nth working day after the day of
filing (the filing day itself never counts, whether or not it is a working day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()  # weekend days worked in exchange for a bridge day off
    weekend: frozenset[int] = frozenset({5, 6})  # date.weekday(): Saturday, Sunday

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() not in self.weekend and day not in self.holidays


def add_working_days(calendar: WorkingCalendar, start: date, n: int) -> date:
    """The Nth working day after `start` (n >= 0; n = 0 gives `start` itself)."""
    if n < 0:
        raise ValueError(f"n must be at least 0, got {n}")
    day = start
    while n:
        day += ONE_DAY
        if calendar.is_working_day(day):
            n -= 1
    return day


def working_days_between(calendar: WorkingCalendar, start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (negative if `end` is
    before `start`): add_working_days(c, start, k) <= end exactly for k <= this count."""
    if end < start:
        return -working_days_between(calendar, end, start)
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if calendar.is_working_day(day):
            count += 1
    return count


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the last day of the month where it has fewer days
    (2026-01-31 + 1 month = 2026-02-28), as a deadline "within N months" is counted."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def deadline_date(count: int, unit: str, event_day: date, calendar: WorkingCalendar) -> date:
    """The last day of a deadline of `count` days, working days or months from the day of its event
    (muster.rules.casework_policy.Deadline): calendar days and months run from the event's day
    (3 months from 2026-01-31 is 2026-04-30); working days are the Nth working day after it."""
    if unit == "days":
        return event_day + timedelta(days=count)
    if unit == "working_days":
        return add_working_days(calendar, event_day, count)
    if unit == "months":
        return add_months(event_day, count)
    raise ValueError(f"unknown deadline unit {unit!r}")
