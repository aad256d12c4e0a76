"""Working days and deadlines (muster.rules.working_days) over the real calendars the packs build
(muster.policy.calendar.working_calendar: the `holidays` library plus the pack's own lists).

The rule: "decided within N working days after filing" means due on the Nth working day after the
day of filing. The day of filing never counts, whether or not it is itself a working day; a
worked Saturday (a day transferred to bridge a holiday) counts as a working day; a day off the
law substitutes for a holiday on a weekend does not. Calendar days and months run from the day of
the event: 3 months from 31 January is 30 April.
"""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.policy.calendar import working_calendar
from muster.policy.files import find_builtin_pack
from muster.rules.working_days import (
    WorkingCalendar,
    add_months,
    add_working_days,
    deadline_date,
    working_days_between,
)

RU_PACK = find_builtin_pack("ru")
US_PACK = find_builtin_pack("registration-only")
RU = working_calendar(RU_PACK, RU_PACK.versions[-1], date(2026, 1, 1))  # covers 2025-2028
US = working_calendar(US_PACK, US_PACK.versions[-1], date(2026, 1, 1))
EMPTY = WorkingCalendar(weekend=frozenset())  # every day a working day


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        *[(f"2026-01-0{i}", False) for i in range(1, 9)],  # New Year holidays 1-8 January
        ("2026-01-09", False),   # Friday off, transferred from Saturday 3 January
        ("2026-01-12", True),    # first working day of 2026
        ("2025-02-23", False),   # Defender of the Fatherland Day (a Sunday) ...
        ("2025-05-08", False),   # ... its day off moved to Thursday 8 May
        ("2026-02-23", False),
        ("2026-03-08", False),   # International Women's Day, a Sunday ...
        ("2026-03-09", False),   # ... observed on Monday
        ("2026-05-01", False), ("2026-05-09", False), ("2026-05-11", False),  # 9 May a Saturday: Monday off
        ("2026-06-12", False), ("2026-11-04", False),
        ("2025-11-01", True),    # a Saturday worked in exchange for Monday 3 November
        ("2025-11-03", False), ("2025-11-04", False),
        ("2025-12-31", False),   # day off transferred from Sunday 5 January 2025
        ("2026-12-31", False),   # day off transferred from Sunday 4 January 2026
        ("2027-02-20", True),    # a Saturday worked ...
        ("2027-02-22", False),   # ... for the Monday before 23 February
        ("2027-06-14", False),   # Russia Day (a Saturday) observed on Monday
        ("2026-01-13", True), ("2026-03-10", True), ("2026-11-05", True),
        ("2026-01-17", False),   # an ordinary Saturday
    ],
)
def test_russian_working_days(day, working):
    assert RU.is_working_day(d(day)) is working


@pytest.mark.parametrize(
    ("year", "count"), [(2025, 247), (2026, 247)],  # the official production calendars' totals
)
def test_russian_working_days_in_a_year(year, count):
    assert working_days_between(RU, date(year - 1, 12, 31), date(year, 12, 31)) == count


@pytest.mark.parametrize(
    ("month", "count"),
    [(1, 15), (2, 19), (3, 21), (4, 22), (5, 19), (6, 21), (7, 23), (8, 21), (9, 22), (10, 22), (11, 20), (12, 22)],
)
def test_russian_working_days_by_month_of_2026(month, count):
    last = date(2026, month, month_calendar.monthrange(2026, month)[1])
    assert working_days_between(RU, date(2026, month, 1) - timedelta(days=1), last) == count


@pytest.mark.parametrize(
    ("calendar", "start", "n", "expected"),
    [
        # The filing day never counts, working day or not.
        (RU, "2026-01-12", 0, "2026-01-12"),
        (RU, "2026-01-12", 1, "2026-01-13"),
        (RU, "2026-01-03", 1, "2026-01-12"),   # filed on a holiday
        (RU, "2026-01-03", 0, "2026-01-03"),
        # Across the New Year holidays.
        (RU, "2025-12-29", 1, "2025-12-30"),
        (RU, "2025-12-30", 1, "2026-01-12"),   # 31 December off, 1-9 January off, a weekend
        (RU, "2025-12-26", 5, "2026-01-14"),
        # Holidays on a weekday and their observed days.
        (RU, "2026-02-20", 1, "2026-02-24"),   # Monday 23 February
        (RU, "2026-02-20", 5, "2026-03-02"),   # appeal level 1: decided within 5 working days
        (RU, "2026-03-06", 1, "2026-03-10"),   # 8 March (Sunday) observed Monday 9 March
        (RU, "2026-04-30", 1, "2026-05-04"),
        (RU, "2026-04-27", 10, "2026-05-13"),  # the service level: 10 working days over the May holidays
        (RU, "2026-05-08", 1, "2026-05-12"),   # 9 May (Saturday) observed Monday 11 May
        (RU, "2026-06-11", 1, "2026-06-15"),
        (RU, "2026-11-03", 1, "2026-11-05"),
        (RU, "2025-05-07", 1, "2025-05-12"),   # 8 May (a transferred day off) and 9 May
        (RU, "2025-06-11", 1, "2025-06-16"),   # 12 June and the day off of 8 March on 13 June
        # Worked Saturdays.
        (RU, "2025-10-31", 1, "2025-11-01"),
        (RU, "2025-10-31", 2, "2025-11-05"),
        (RU, "2027-02-19", 1, "2027-02-20"),
        (RU, "2027-02-19", 2, "2027-02-24"),
        (RU, "2026-12-30", 1, "2027-01-11"),   # 31 December and 1-8 January 2027 off
        # The US federal calendar of registration-only.
        (US, "2026-07-02", 1, "2026-07-06"),   # 4 July (Saturday) observed Friday 3 July
        (US, "2026-11-25", 1, "2026-11-27"),   # Thanksgiving
        (US, "2026-12-24", 1, "2026-12-28"),
        (US, "2026-01-16", 1, "2026-01-20"),   # Martin Luther King Jr. Day
        (US, "2026-02-20", 1, "2026-02-23"),   # a Russian holiday is a US working day
        (US, "2026-01-05", 10, "2026-01-20"),  # level 1 appeal: 10 working days, over MLK day
        (US, "2027-12-30", 1, "2028-01-03"),   # New Year 2028 (Saturday) observed Friday 31 December 2027
        (US, "2025-10-31", 1, "2025-11-03"),   # no worked Saturdays in the US
    ],
)
def test_add_working_days(calendar, start, n, expected):
    assert add_working_days(calendar, d(start), n) == d(expected)


def test_add_working_days_refuses_a_negative_count():
    with pytest.raises(ValueError, match="at least 0"):
        add_working_days(RU, date(2026, 1, 12), -1)


@pytest.mark.parametrize(
    ("calendar", "start", "end", "count"),
    [
        (RU, "2026-01-12", "2026-01-12", 0),
        (RU, "2026-01-01", "2026-01-12", 1),
        (RU, "2026-01-12", "2026-01-01", -1),
        (RU, "2025-12-31", "2026-01-11", 0),
        (RU, "2025-10-31", "2025-11-05", 2),
        (RU, "2026-02-20", "2026-03-02", 5),
        (RU, "2026-02-20", "2026-03-01", 4),   # a Sunday: still the 4th working day's count
        (US, "2026-07-02", "2026-07-06", 1),
        (US, "2026-12-31", "2027-01-04", 1),
        (EMPTY, "2026-01-01", "2026-01-31", 30),
    ],
)
def test_working_days_between(calendar, start, end, count):
    assert working_days_between(calendar, d(start), d(end)) == count


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),   # month ends: the last day of the shorter month
        ("2024-01-31", 1, "2024-02-29"),   # leap year
        ("2028-01-30", 1, "2028-02-29"),
        ("2026-03-31", 1, "2026-04-30"),
        ("2026-01-31", 3, "2026-04-30"),
        ("2026-08-31", 6, "2027-02-28"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2026-12-15", 1, "2027-01-15"),   # across the year end
        ("2025-11-30", 3, "2026-02-28"),
        ("2026-01-15", -1, "2025-12-15"),
        ("2026-05-31", -3, "2026-02-28"),
        ("2026-01-31", 12, "2027-01-31"),
        ("2026-06-15", 0, "2026-06-15"),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(d(start), months) == d(expected)


@pytest.mark.parametrize(
    ("calendar", "count", "unit", "event", "expected"),
    [
        (RU, 3, "months", "2026-01-31", "2026-04-30"),  # appeal level 1: within 3 months of the decision
        (RU, 3, "months", "2025-11-30", "2026-02-28"),
        (RU, 1, "months", "2026-04-01", "2026-05-01"),  # alternative service: 1 month after 1 April (a holiday)
        (RU, 1, "months", "2028-01-31", "2028-02-29"),
        (RU, 5, "working_days", "2026-02-20", "2026-03-02"),
        (RU, 5, "working_days", "2025-12-30", "2026-01-16"),
        (US, 15, "days", "2026-01-01", "2026-01-16"),   # district appeal board: 15 days of mailing
        (US, 15, "days", "2026-12-20", "2027-01-04"),
        (US, 15, "days", "2028-02-20", "2028-03-06"),   # across 29 February
        (US, 10, "working_days", "2026-11-20", "2026-12-07"),
    ],
)
def test_deadline_date(calendar, count, unit, event, expected):
    assert deadline_date(count, unit, d(event), calendar) == d(expected)


def test_deadline_date_refuses_an_unknown_unit():
    with pytest.raises(ValueError, match="unknown deadline unit 'weeks'"):
        deadline_date(1, "weeks", date(2026, 1, 1), RU)


def test_the_packs_own_lists_change_the_calendar():
    """A pack's extra holidays and transferred working days apply on top of the library's."""
    from dataclasses import replace

    version = RU_PACK.versions[-1]
    rules = replace(version.casework.calendar, extra_holidays=(date(2026, 1, 13),),
                    working_days=(date(2026, 1, 17),))
    changed = replace(version, casework=replace(version.casework, calendar=rules))
    calendar = working_calendar(RU_PACK, changed, date(2026, 1, 1))
    assert not calendar.is_working_day(date(2026, 1, 13)) and calendar.is_working_day(date(2026, 1, 17))
    no_library = replace(changed, casework=replace(changed.casework, calendar=replace(rules, library=False)))
    plain = working_calendar(RU_PACK, no_library, date(2026, 1, 1))
    assert plain.is_working_day(date(2026, 1, 12)) and plain.is_working_day(date(2026, 2, 23))
    assert not plain.is_working_day(date(2026, 1, 13))


days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 10, 31))
counts = st.integers(min_value=0, max_value=40)
calendars = st.sampled_from([RU, US])


@given(calendars, days, st.integers(min_value=1, max_value=40))
def test_the_nth_working_day_is_a_working_day(calendar, start, n):
    assert calendar.is_working_day(add_working_days(calendar, start, n))


@given(calendars, days, counts, counts)
def test_add_working_days_is_monotonic(calendar, start, m, n):
    a, b = add_working_days(calendar, start, m), add_working_days(calendar, start, n)
    assert (a < b) == (m < n) and (a == b) == (m == n)


@given(calendars, days, counts)
def test_working_days_between_inverts_add_working_days(calendar, start, n):
    assert working_days_between(calendar, start, add_working_days(calendar, start, n)) == n


@given(calendars, days, days)
def test_working_days_between_is_antisymmetric(calendar, a, b):
    assert working_days_between(calendar, a, b) == -working_days_between(calendar, b, a)


@given(days, st.integers(min_value=0, max_value=400))
def test_with_no_holidays_and_no_weekend_it_is_plain_days(start, n):
    assert add_working_days(EMPTY, start, n) == start + timedelta(days=n)
    assert working_days_between(EMPTY, start, start + timedelta(days=n)) == n
    assert deadline_date(n, "working_days", start, EMPTY) == deadline_date(n, "days", start, EMPTY)
