"""Property tests: the set-based issue of a campaign agrees with its pure rules on random data —
the channels each summons is queued on (muster.rules.delivery.channels_for), who is summoned in
each district (muster.rules.selection) and their appearance dates (muster.rules.schedule)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.campaigns.models import CampaignDistrict
from muster.delivery.models import Delivery, DeliveryEvent
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.measures.models import Measure
from muster.policy import loader
from muster.registry.models import District, Person, PersonStatus
from muster.registry.records import facts_of
from muster.rules.delivery import ContactFacts, channels_for
from muster.rules.liability import liability_on
from muster.rules.policy import CHANNELS, SELECTION_KEYS, Pack
from muster.rules.schedule import appearance_date, usable_window
from muster.rules.selection import Candidate, select, takes_part
from muster.summons.models import Run, Summons
from tests.conftest import at, snils

pytestmark = pytest.mark.django_db

PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NOW = at("2026-03-02")  # the 2026-01-01 version of ru is in force: the one the tests vary
APPEAR_FROM = date(2026, 3, 10)
_get_pack = loader.get_pack


def _clear() -> None:
    for model in (Event, Measure, DeliveryEvent, Delivery, Summons, Run):
        model.objects.all().delete()
    campaigns.Campaign.objects.all().delete()
    PersonStatus.objects.all().delete()
    Person.objects.all().delete()


def _use_policy(monkeypatch, change) -> None:
    """Issue under `change`(ru) instead of the installed ru pack."""
    def get_pack(code: str) -> Pack:
        pack = _get_pack(code)
        return change(pack) if code == "ru" else pack

    monkeypatch.setattr(loader, "get_pack", get_pack)


def _campaign(ru, districts: dict[str, int], days: int = 3, purpose: str = "call_up") -> campaigns.Campaign:
    campaigns.create(ru, campaigns.CampaignRequest(
        code="P", purpose=purpose, districts=districts, appear_from=APPEAR_FROM,
        appear_to=date.fromordinal(APPEAR_FROM.toordinal() + days - 1), place="x"), actor=Actor.officer("t"), today=NOW.date())
    return campaigns.get("P")


channel_lists = st.lists(st.sampled_from(CHANNELS), unique=True, max_size=len(CHANNELS))
contact_strategy = st.fixed_dictionaries({
    "electronic_account": st.sampled_from([True, False, None]),  # None: never observed
    "email": st.none() | st.just("a@example.ru"),
    "phone": st.none() | st.just("+79161234567"),
})


@PROPERTY
@given(contacts=st.lists(contact_strategy, min_size=1, max_size=12),
       channels=channel_lists, notify=channel_lists,
       order=st.one_of(st.just(("portal", "email", "sms", "post")), channel_lists.map(tuple)))
def test_deliveries_of_each_summons_are_channels_for_its_person(ru, monkeypatch, contacts, channels, notify,
                                                                order):
    _clear()
    Person.objects.bulk_create(
        Person(national_id=snils(i), sex="M", birth_date=date(2000, 1, 1 + i), citizenship="RU",
               district="RU-RYA", **contact) for i, contact in enumerate(contacts))
    version = ru.versions[-1]
    rules = replace(version.summons, channels=tuple(channels), notify_channels=tuple(notify),
                    channel_order=tuple(order))
    _use_policy(monkeypatch, lambda pack: replace(
        pack, versions=(*pack.versions[:-1], replace(pack.versions[-1], summons=rules))))
    result = issuing.issue(_campaign(ru, {"RU-RYA": len(contacts)}), NOW, actor=Actor.officer("t"))
    assert result.issued == len(contacts)  # everyone is liable, and there is room
    actual: dict[str, tuple[str, ...]] = {}
    for delivery in Delivery.objects.select_related("summons__person").order_by("id"):
        nid = delivery.summons.person.national_id
        actual[nid] = (*actual.get(nid, ()), delivery.channel)
    expected = {}
    for s in Summons.objects.select_related("person"):
        p = s.person
        contact = ContactFacts(electronic_account=p.electronic_account is True, email=p.email is not None,
                               phone=p.phone is not None)
        if channels_for(contact, rules):
            expected[p.national_id] = channels_for(contact, rules)
    assert actual == expected
    assert result.deliveries == sum(len(c) for c in expected.values())


DISTRICTS = ("RU-RYA", "RU-TUL")
# Few birth dates, so that many are born the same day; 2008-03-05 turns 18 between the runs below.
BIRTHS = (date(1997, 5, 1), date(1999, 2, 3), date(1999, 2, 3), date(2001, 7, 9), date(2004, 12, 31),
          date(2008, 3, 5))
person_strategy = st.tuples(st.sampled_from(DISTRICTS), st.sampled_from(BIRTHS), st.sampled_from("MMMF"))
orders = st.lists(st.sampled_from(SELECTION_KEYS), max_size=3).map(tuple)
quotas = st.fixed_dictionaries({d: st.integers(min_value=1, max_value=12) for d in DISTRICTS})


def _make_people(people) -> dict[str, Person]:
    """People in random order of national id (the ids do not follow the birth dates)."""
    Person.objects.bulk_create(
        Person(national_id=snils((i * 7) % 101), sex=sex, birth_date=birth, citizenship="RU", district=district)
        for i, (district, birth, sex) in enumerate(people))
    return {p.national_id: p for p in Person.objects.all()}


def _selection_variant(order, capacity=None):
    def change(pack: Pack) -> Pack:
        version = pack.versions[-1]
        version = replace(version, campaigns=replace(version.campaigns, selection_order=order))
        districts = tuple(replace(d, daily_capacity=capacity[d.code]) if capacity and d.code in capacity else d
                          for d in pack.districts)
        return replace(pack, versions=(*pack.versions[:-1], version), districts=districts)
    return change


def _liable(ru, persons: dict[str, Person], district: str, on: date, summoned,
            purpose: str = "call_up") -> list[Candidate]:
    return [Candidate(nid, p.birth_date) for nid, p in persons.items() if p.district == district
            and nid not in summoned and liability_on(facts_of(p), ru, on).code == "liable"
            and takes_part(purpose, facts_of(p).statuses, on)]


# Alternative service granted to some (muster.casework): (whom, first day from NOW, days or None: no end).
alternatives = st.lists(st.tuples(st.integers(min_value=0, max_value=19), st.integers(min_value=-5, max_value=5),
                                  st.none() | st.integers(min_value=0, max_value=10)), max_size=6)


@PROPERTY
@given(people=st.lists(person_strategy, min_size=1, max_size=20), order=orders, quota=quotas,
       purpose=st.sampled_from(["call_up", "alternative_service", "medical_examination"]), alternative=alternatives)
def test_people_summoned_in_each_district_are_the_first_in_selection_order(ru, monkeypatch, people, order,
                                                                           quota, purpose, alternative):
    _clear()
    persons = _make_people(people)
    ids = sorted(persons)
    for whom, start, days in alternative:
        first = date.fromordinal(NOW.date().toordinal() + start)
        PersonStatus.objects.create(person=persons[ids[whom % len(ids)]], kind="alternative_service", valid_from=first,
                                    valid_until=None if days is None else date.fromordinal(first.toordinal() + days))
    _use_policy(monkeypatch, _selection_variant(order))
    result = issuing.issue(_campaign(ru, quota, purpose=purpose), NOW, actor=Actor.officer("t"))
    expected = {d: {c.national_id for c in select(_liable(ru, persons, d, NOW.date(), (), purpose), order, quota[d])}
                for d in DISTRICTS}
    actual = {d: set(Summons.objects.filter(district=d).values_list("person__national_id", flat=True))
              for d in DISTRICTS}
    assert actual == expected
    assert result.issued == sum(len(e) for e in expected.values())


@PROPERTY
@given(people=st.lists(person_strategy, min_size=1, max_size=20), order=orders, quota=quotas,
       growth=st.fixed_dictionaries({d: st.integers(min_value=0, max_value=8) for d in DISTRICTS}),
       capacity=st.fixed_dictionaries({d: st.integers(min_value=1, max_value=4) for d in DISTRICTS}),
       days=st.integers(min_value=1, max_value=3), later=st.integers(min_value=0, max_value=7))
def test_appearance_dates_are_the_queue_positions_in_selection_order(ru, monkeypatch, people, order, quota,
                                                                     growth, capacity, days, later):
    """Two runs: the second, up to a week later, with a grown quota, queues after the first run's."""
    _clear()
    persons = _make_people(people)
    for d, per_day in capacity.items():  # as installing such a pack would
        District.objects.filter(code=d).update(daily_capacity=per_day)
    _use_policy(monkeypatch, _selection_variant(order, capacity))
    campaign = _campaign(ru, quota, days)
    version = loader.get_pack("ru").versions[-1]
    summoned: dict[str, tuple[str, date]] = {}
    for run, now in enumerate((NOW, at(date.fromordinal(NOW.toordinal() + later).isoformat()))):
        if run == 1:
            for d, more in growth.items():
                CampaignDistrict.objects.filter(campaign=campaign, district=d).update(quota=quota[d] + more)
        on = now.date()
        window = usable_window(version, campaign.appear_from, campaign.appear_to, on)
        expected: dict[str, tuple[str, date]] = {}
        for d in DISTRICTS:
            already = sum(1 for district, _ in summoned.values() if district == d)
            wanted = max(0, quota[d] + (growth[d] if run else 0) - already)
            for k, c in enumerate(select(_liable(ru, persons, d, on, summoned), order, wanted)):
                day = appearance_date(already + k, window, capacity[d])
                if day is not None:  # no date, no summons
                    expected[c.national_id] = (d, day)
        result = issuing.issue(campaign, now, actor=Actor.officer("t"))
        assert result.window == window
        by_run = Summons.objects.filter(issue_run=Run.objects.latest("id").pk).select_related("person")
        actual = {s.person.national_id: (s.district, s.appearance_date) for s in by_run}
        assert actual == expected
        summoned.update(expected)
        for p in result.districts:  # and the plan tells the same
            already = p.already_issued
            assert p.room == sum(1 for k in range(days * capacity[p.district] + 1)
                                 if appearance_date(already + k, window, capacity[p.district]))
            assert p.issue == sum(1 for d, _ in expected.values() if d == p.district)
