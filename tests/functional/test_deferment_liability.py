"""Property tests on the real database: liability under deferments that decisions grant.

- Under random deferment periods (granted through muster.registry.statuses, with their reasons,
  beside alternative-service statuses, which exclude no one), the batch SQL
  (muster.registry.liability_sql) agrees with the pure rule (muster.rules.liability.liability_on).
- A deferment granted and then expired leaves the person exactly as liable as before: on any day
  outside its period the person's liability is what it would be without it; inside, they are not
  liable for the deferment unless a reason checked before it applies.
- Through the services: a deferment decided by an officer, then the day after its last day.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.casework import services as casework
from muster.kernel.actor import Actor
from muster.registry import liability_sql, statuses
from muster.registry.models import Person, PersonStatus
from muster.registry.records import facts_of
from muster.rules.liability import REASON_ORDER, liability_on
from tests.conftest import at, snils

pytestmark = pytest.mark.django_db

PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

period_strategy = st.tuples(st.sampled_from(["deferred", "deferred", "exempt", "alternative_service"]),
                            st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 1, 1)),
                            st.none() | st.integers(min_value=0, max_value=800))
person_strategy = st.fixed_dictionaries({
    "sex": st.sampled_from(["M", "M", "F"]),
    "birth": st.dates(min_value=date(1994, 1, 1), max_value=date(2010, 12, 31)),
    "citizenship": st.sampled_from(["RU", "RU", "RU", "KZ"]),
    "periods": st.lists(period_strategy, max_size=3),
})


def _clear():
    PersonStatus.objects.all().delete()
    Person.objects.all().delete()


def _person(i: int, p: dict) -> Person:
    return Person.objects.create(national_id=snils(i), sex=p["sex"], birth_date=p["birth"],
                                 citizenship=p["citizenship"], district="RU-RYA")


def _grant(person: Person, n: int, kind: str, start: date, length: int | None) -> None:
    until = None if length is None else start + timedelta(days=length)
    statuses.grant_status(person.pk, kind, start, until, f"{kind}: test ground until {until} (decision A-{n:07d})",
                          f"A-{n:07d}")


@PROPERTY
@given(people=st.lists(person_strategy, min_size=1, max_size=20),
       on=st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31)))
def test_liability_sql_agrees_with_the_pure_rule_under_granted_deferments(ru, people, on):
    _clear()
    n = 0
    for i, p in enumerate(people):
        person = _person(i, p)
        for kind, start, length in p["periods"]:
            n += 1
            _grant(person, n, kind, start, length)
    by_sql = dict(liability_sql.codes_by_person(ru, on))
    expected = {person.national_id: liability_on(facts_of(person), ru, on).code for person in Person.objects.all()}
    assert by_sql == expected
    # The reason a person reads names the decision that deferred them.
    for person in Person.objects.all():
        liability = liability_on(facts_of(person), ru, on)
        if liability.code in ("deferred", "exempt"):
            assert any("(decision A-" in r for r in liability.reasons)


@PROPERTY
@given(person=person_strategy, start=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 1, 1)),
       length=st.integers(min_value=0, max_value=700), offsets=st.lists(st.integers(-800, 800), min_size=1, max_size=8))
def test_an_expired_deferment_leaves_the_person_as_liable_as_before(ru, person, start, length, offsets):
    _clear()
    subject = _person(0, {**person, "periods": []})
    days = [start + timedelta(days=k) for k in offsets]
    before = {day: liability_on(facts_of(subject), ru, day) for day in days}
    before_sql = {day: dict(liability_sql.codes_by_person(ru, day))[subject.national_id] for day in days}
    _grant(subject, 1, "deferred", start, length)
    last = start + timedelta(days=length)
    for day in days:
        now = liability_on(facts_of(subject), ru, day)
        by_sql = dict(liability_sql.codes_by_person(ru, day))[subject.national_id]
        assert by_sql == now.code
        if day < start or day > last:
            assert now == before[day] and by_sql == before_sql[day]
        elif before[day].liable:
            assert now.code == "deferred" and not now.liable
        else:  # an earlier reason (age, sex, citizenship) still comes first
            assert now.code == min(before[day].code, "deferred", key=REASON_ORDER.index)


def test_a_decided_deferment_ends_by_itself_the_day_after_its_last_day(ru, people):
    ids = people(5)[4:]  # born in 2001
    officer = Actor.officer("cli:t")
    filed = casework.submit(officer, ru, ids[0], "deferment", "temporary_unfitness", at=at("2026-03-03"))
    decided = casework.decide(officer, filed["number"], "grant", "category G for six months",
                              until=date(2026, 9, 3), at=at("2026-03-04"))
    assert decided["decision"]["period_until"] == date(2026, 9, 3)
    person = Person.objects.get(national_id=ids[0])
    codes = {day: liability_on(facts_of(person), ru, day).code
             for day in (date(2026, 3, 3), date(2026, 3, 4), date(2026, 9, 3), date(2026, 9, 4))}
    assert codes == {date(2026, 3, 3): "liable", date(2026, 3, 4): "deferred", date(2026, 9, 3): "deferred",
                     date(2026, 9, 4): "liable"}
    for day, code in codes.items():
        assert dict(liability_sql.codes_by_person(ru, day))[ids[0]] == code
    # Ending the decision's status (an appeal allowed, a register's news) ends the deferment from that day.
    assert statuses.end_status(filed["number"], date(2026, 5, 1)) == 1
    assert liability_on(facts_of(person), ru, date(2026, 4, 30)).code == "deferred"
    assert liability_on(facts_of(person), ru, date(2026, 5, 1)).code == "liable"
