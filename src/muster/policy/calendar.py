"""The working-day calendar of a pack's policy version: the `holidays` library's public holidays
for the pack's country (where the version asks for them and the library covers the country),
plus the version's own extra holidays and transferred working days."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

from muster.rules.policy import Pack, PolicyVersion
from muster.rules.working_days import WorkingCalendar


@lru_cache(maxsize=64)
def _library(country: str, first_year: int, last_year: int) -> tuple[frozenset[date], frozenset[date]]:
    try:
        found = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    except NotImplementedError:  # the library does not cover this country: the pack's lists only
        return frozenset(), frozenset()
    return frozenset(found), frozenset(getattr(found, "weekend_workdays", ()) or ())


def working_calendar(pack: Pack, version: PolicyVersion, around: date, years: int = 2) -> WorkingCalendar:
    """The calendar for the years from the one before `around` to `years` after it (deadlines run
    at most months ahead; an appeal's may start in the year before)."""
    rules = version.casework.calendar
    library_holidays: frozenset[date] = frozenset()
    library_workdays: frozenset[date] = frozenset()
    if rules.library:
        library_holidays, library_workdays = _library(pack.country, around.year - 1, around.year + years)
    worked = library_workdays | frozenset(rules.working_days)
    return WorkingCalendar(holidays=(library_holidays | frozenset(rules.extra_holidays)) - worked,
                           working_days=worked)
