from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.dates import (
    LeapDayRule,
    age_on,
    anniversary,
    birthday_in_year,
    latest_birth_date_reaching,
)

FEB28, MAR1 = LeapDayRule.FEB28, LeapDayRule.MAR1


@pytest.mark.parametrize(
    ("birth", "year", "rule", "expected"),
    [
        (date(2000, 2, 29), 2001, FEB28, date(2001, 2, 28)),
        (date(2000, 2, 29), 2001, MAR1, date(2001, 3, 1)),
        (date(2000, 2, 29), 2004, FEB28, date(2004, 2, 29)),
        (date(2000, 2, 29), 2004, MAR1, date(2004, 2, 29)),
        (date(2000, 2, 28), 2001, MAR1, date(2001, 2, 28)),
        (date(2000, 3, 1), 2001, FEB28, date(2001, 3, 1)),
        (date(1999, 12, 31), 2023, FEB28, date(2023, 12, 31)),
    ],
)
def test_birthday_in_year(birth, year, rule, expected):
    assert birthday_in_year(birth, year, rule) == expected


@pytest.mark.parametrize(
    ("birth", "on", "rule", "age"),
    [
        (date(2000, 1, 1), date(2018, 1, 1), FEB28, 18),
        (date(2000, 1, 1), date(2017, 12, 31), FEB28, 17),
        (date(2006, 2, 28), date(2024, 2, 28), FEB28, 18),
        # Born on a leap day: turns 18 on 28 Feb (feb28 rule) or 1 Mar (mar1 rule) of 2022.
        (date(2004, 2, 29), date(2022, 2, 28), FEB28, 18),
        (date(2004, 2, 29), date(2022, 2, 28), MAR1, 17),
        (date(2004, 2, 29), date(2022, 3, 1), MAR1, 18),
        (date(2004, 2, 29), date(2022, 2, 27), FEB28, 17),
        (date(2004, 2, 29), date(2024, 2, 28), FEB28, 19),
        (date(2004, 2, 29), date(2024, 2, 29), FEB28, 20),
        (date(1995, 3, 2), date(2025, 3, 2), FEB28, 30),  # "turned 30 on 2025-03-02"
        (date(1995, 3, 2), date(2025, 3, 1), FEB28, 29),
        (date(2010, 5, 5), date(2009, 1, 1), FEB28, 0),
    ],
)
def test_age_on(birth, on, rule, age):
    assert age_on(birth, on, rule) == age


@pytest.mark.parametrize(
    ("age", "on", "rule", "expected"),
    [
        (18, date(2024, 6, 15), FEB28, date(2006, 6, 15)),
        (18, date(2022, 2, 28), FEB28, date(2004, 2, 29)),  # leap-day birth counts on 28 Feb
        (18, date(2022, 2, 28), MAR1, date(2004, 2, 28)),
        (18, date(2022, 3, 1), MAR1, date(2004, 3, 1)),
        (20, date(2024, 2, 29), FEB28, date(2004, 2, 29)),
        (27, date(2023, 12, 31), FEB28, date(1996, 12, 31)),
    ],
)
def test_latest_birth_date_reaching(age, on, rule, expected):
    assert latest_birth_date_reaching(age, on, rule) == expected


dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
rules = st.sampled_from(list(LeapDayRule))


@given(birth=dates, on=dates, age=st.integers(min_value=0, max_value=90), rule=rules)
def test_cutoff_is_exactly_the_set_who_reached_the_age(birth, on, age, rule):
    if birth.year + age > 9999 or on.year - age < 1:
        return
    cutoff = latest_birth_date_reaching(age, on, rule)
    assert (birth <= cutoff) == (anniversary(birth, age, rule) <= on)


@given(birth=dates, on=dates, rule=rules)
def test_age_grows_by_at_most_one_a_day_and_only_on_birthdays(birth, on, rule):
    if on < birth:
        return
    today, tomorrow = age_on(birth, on, rule), age_on(birth, on + timedelta(days=1), rule)
    assert tomorrow - today in (0, 1)
    if tomorrow == today + 1:
        assert anniversary(birth, tomorrow, rule) == on + timedelta(days=1)
