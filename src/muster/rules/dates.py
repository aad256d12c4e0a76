"""Ages and anniversaries, with the pack's rule for people born on 29 February."""

from __future__ import annotations

import calendar
import enum
from datetime import date, timedelta


class LeapDayRule(enum.Enum):
    """Where a 29 February birthday falls in a common year."""

    FEB28 = "feb28"
    MAR1 = "mar1"


def birthday_in_year(birth: date, year: int, rule: LeapDayRule) -> date:
    """The date of the person's birthday in `year`."""
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28) if rule is LeapDayRule.FEB28 else date(year, 3, 1)
    return birth.replace(year=year)


def anniversary(birth: date, years: int, rule: LeapDayRule) -> date:
    """The day the person turns `years` old."""
    return birthday_in_year(birth, birth.year + years, rule)


def age_on(birth: date, on: date, rule: LeapDayRule) -> int:
    """Completed years of age on `on` (negative before birth is not meaningful: 0)."""
    if on < birth:
        return 0
    years = on.year - birth.year
    if birthday_in_year(birth, on.year, rule) > on:
        years -= 1
    return years


def latest_birth_date_reaching(age: int, on: date, rule: LeapDayRule) -> date:
    """The latest birth date of someone who has turned `age` on or before `on`.

    Because the anniversary is non-decreasing in the birth date, "has turned
    `age` by `on`" is exactly "born on or before this date". Batch SQL uses
    it to turn age conditions into plain date comparisons.
    """
    year = on.year - age
    day = min(on.day, calendar.monthrange(year, on.month)[1])
    candidate = date(year, on.month, day)
    while anniversary(candidate, age, rule) > on:
        candidate -= timedelta(days=1)
    while anniversary(candidate + timedelta(days=1), age, rule) <= on:
        candidate += timedelta(days=1)
    return candidate
