"""Liability on a date under the reference packs (docs/jurisdiction-ru.md and
docs/jurisdiction-registration-only.md, "Who is liable" / "Who must register")."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.policy.files import find_builtin_pack
from muster.rules.dates import birthday_in_year
from muster.rules.liability import REASON_ORDER, PersonFacts, StatusPeriod, liability_on

RU = find_builtin_pack("ru")
REG = find_builtin_pack("registration-only")


def man(birth, **kw):
    return PersonFacts(sex="M", birth_date=birth, citizenship="RU", **kw)


@pytest.mark.parametrize(
    ("person", "on", "code", "version"),
    [
        (man(date(2000, 5, 1)), date(2023, 4, 13), "no_policy", None),
        (man(date(2000, 5, 1)), date(2023, 5, 1), "liable", "ru-2023-04-14"),
        # 18th birthday: liable from that very day.
        (man(date(2005, 6, 10)), date(2023, 6, 9), "too_young", "ru-2023-04-14"),
        (man(date(2005, 6, 10)), date(2023, 6, 10), "liable", "ru-2023-04-14"),
        # Until the 27th birthday before 2024.
        (man(date(1996, 9, 1)), date(2023, 8, 31), "liable", "ru-2023-08-04"),
        (man(date(1996, 9, 1)), date(2023, 9, 1), "too_old", "ru-2023-08-04"),
        # Reached 27 before 2024-01-01: stays not liable after the age rose to 30.
        (man(date(1996, 9, 1)), date(2024, 1, 1), "transitional", "ru-2024-01-01"),
        (man(date(1996, 12, 31)), date(2024, 6, 1), "transitional", "ru-2024-01-01"),
        # Turned 27 exactly on 2024-01-01: not before it, so liable until 30.
        (man(date(1997, 1, 1)), date(2024, 1, 1), "liable", "ru-2024-01-01"),
        (man(date(1997, 1, 1)), date(2026, 12, 31), "liable", "ru-2026-01-01"),
        (man(date(1997, 1, 1)), date(2027, 1, 1), "too_old", "ru-2026-01-01"),
        # The example in docs/overview.md: "not liable: turned 30 on 2025-03-02".
        (man(date(1995, 3, 2)), date(2025, 3, 2), "too_old", "ru-2024-01-01"),
        (man(date(1995, 3, 2)), date(2025, 3, 1), "transitional", "ru-2024-01-01"),
        (man(date(1998, 3, 2)), date(2028, 3, 2), "too_old", "ru-2026-01-01"),
        (man(date(1998, 3, 2)), date(2028, 3, 1), "liable", "ru-2026-01-01"),
        # Leap-day birthday (pack ru: 28 February in common years).
        (man(date(2008, 2, 29)), date(2026, 2, 27), "too_young", "ru-2026-01-01"),
        (man(date(2008, 2, 29)), date(2026, 2, 28), "liable", "ru-2026-01-01"),
        (PersonFacts("F", date(2000, 1, 1), "RU"), date(2024, 1, 1), "sex", "ru-2024-01-01"),
        (PersonFacts("M", date(2000, 1, 1), "BY"), date(2024, 1, 1), "citizenship", "ru-2024-01-01"),
        (man(date(2000, 1, 1), death_date=date(2024, 3, 1)), date(2024, 2, 29), "liable", "ru-2024-01-01"),
        (man(date(2000, 1, 1), death_date=date(2024, 3, 1)), date(2024, 3, 1), "deceased", "ru-2024-01-01"),
        (man(date(2000, 1, 1), statuses=(StatusPeriod("deferred", date(2024, 1, 1), date(2024, 6, 30)),)),
         date(2024, 6, 30), "deferred", "ru-2024-01-01"),
        (man(date(2000, 1, 1), statuses=(StatusPeriod("deferred", date(2024, 1, 1), date(2024, 6, 30)),)),
         date(2024, 7, 1), "liable", "ru-2024-01-01"),
        (man(date(2000, 1, 1), statuses=(StatusPeriod("unfit", date(2020, 1, 1)),)),
         date(2030, 1, 1), "too_old", "ru-2026-01-01"),
        (man(date(2000, 1, 1), statuses=(StatusPeriod("unfit", date(2020, 1, 1)),)),
         date(2025, 1, 1), "unfit", "ru-2024-01-01"),
    ],
)
def test_ru_liability_table(person, on, code, version):
    result = liability_on(person, RU, on)
    assert (result.code, result.policy_version) == (code, version)
    assert result.liable == (code == "liable")
    assert result.reasons, "every outcome is explained"


def test_reasons_are_readable_with_dates():
    result = liability_on(man(date(1998, 3, 2)), RU, date(2028, 3, 5))
    assert result.reasons[0] == "not liable: turned 30 on 2028-03-02"
    assert "ru-2026-01-01" in result.reasons[-1]
    liable = liability_on(man(date(2000, 5, 1)), RU, date(2024, 5, 1))
    assert liable.reasons[0].startswith("liable: aged 24 on 2024-05-01")


@pytest.mark.parametrize(
    ("person", "on", "code"),
    [
        (PersonFacts("M", date(2006, 3, 1), "MX"), date(2024, 3, 1), "liable"),  # any citizenship
        (PersonFacts("M", date(2006, 3, 1), "US"), date(2024, 2, 29), "too_young"),
        (PersonFacts("M", date(1998, 3, 1), "US"), date(2024, 3, 1), "too_old"),
        # mar1 rule: a leap-day baby turns 18 on 1 March in a common year.
        (PersonFacts("M", date(2004, 2, 29), "US"), date(2022, 2, 28), "too_young"),
        (PersonFacts("M", date(2004, 2, 29), "US"), date(2022, 3, 1), "liable"),
        (PersonFacts("F", date(2004, 1, 1), "US"), date(2022, 3, 1), "sex"),
    ],
)
def test_registration_only_table(person, on, code):
    assert liability_on(person, REG, on).code == code


def test_primary_reason_follows_the_fixed_order():
    # Dead, female and too old: the first in REASON_ORDER is the primary reason.
    result = liability_on(PersonFacts("F", date(1950, 1, 1), "RU", date(2020, 1, 1)), RU, date(2024, 1, 1))
    assert result.code == "deceased"
    assert REASON_ORDER.index("deceased") < REASON_ORDER.index("sex") < REASON_ORDER.index("too_old")
    assert len([r for r in result.reasons if r.startswith("not liable")]) == 4


births = st.dates(min_value=date(1985, 1, 1), max_value=date(2012, 12, 31))
days = st.dates(min_value=date(2022, 1, 1), max_value=date(2034, 12, 31))
statuses = st.lists(
    st.builds(StatusPeriod, kind=st.sampled_from(["exempt", "deferred", "serving", "unfit"]),
              valid_from=days, valid_until=st.none() | days),
    max_size=2)


@settings(max_examples=400)
@given(birth=births, on=days, sex=st.sampled_from("MF"), cit=st.sampled_from(["RU", "KZ"]),
       death=st.none() | days, status_list=statuses)
def test_liability_changes_only_on_a_birthday_death_policy_or_status_date(birth, on, sex, cit, death,
                                                                          status_list):
    person = PersonFacts(sex, birth, cit, death, tuple(status_list))
    today, tomorrow = on, on + timedelta(days=1)
    before, after = liability_on(person, RU, today), liability_on(person, RU, tomorrow)
    if before.liable == after.liable:
        return
    explained = (
        birthday_in_year(birth, tomorrow.year, RU.leap_day_rule) == tomorrow
        or death == tomorrow
        or any(v.effective_from == tomorrow for v in RU.versions)
        or any(s.valid_from == tomorrow or s.valid_until == today for s in status_list)
    )
    assert explained, (before, after)
