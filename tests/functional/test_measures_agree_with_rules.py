"""Property: measures applied by the set-based tick and lifted by outcomes agree with the pure rule
(muster.rules.outcomes.measures_of_summons) on random timelines, under two policy versions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.delivery.models import Delivery, DeliveryEvent
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.measures.models import Measure
from muster.rules.delivery import DeliveryEvent as PureEvent
from muster.rules.delivery import service
from muster.rules.notice_numbers import format_summons_number
from muster.rules.outcomes import OUTCOMES, measures_of_summons
from muster.summons import outcomes, tick
from muster.summons.models import Run, Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db

# (placement day, appearance window): the 2023-04-14 version (exit ban on service) and 2026 (on placement)
PLACEMENTS = {"2023-05-02": (date(2023, 5, 10), date(2023, 5, 12)),
              "2026-03-02": (date(2026, 3, 10), date(2026, 3, 12))}
EVENTS = [("post", "delivered"), ("post", "refused"), ("portal", "posted"), ("in_person", "signed")]

timelines = st.lists(
    st.tuples(st.one_of(st.none(), st.tuples(st.sampled_from(EVENTS), st.integers(0, 10))),
              st.one_of(st.none(), st.tuples(st.sampled_from(OUTCOMES), st.integers(0, 45)))),
    min_size=1, max_size=4)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(placed=st.sampled_from(sorted(PLACEMENTS)), timeline=timelines, days=st.integers(0, 50))
def test_set_based_apply_and_lift_agree_with_the_pure_rule(ru, people, placed, timeline, days):
    for model in (Event, Measure, DeliveryEvent, Delivery, Summons, Run):
        model.objects.all().delete()
    campaigns.Campaign.objects.all().delete()
    if not hasattr(test_set_based_apply_and_lift_agree_with_the_pure_rule, "_people"):
        people(4)
        test_set_based_apply_and_lift_agree_with_the_pure_rule._people = True
    start = at(placed)
    window = PLACEMENTS[placed]
    campaigns.create(ru, campaigns.CampaignRequest(code="P", purpose="call_up", districts={"RU-RYA": len(timeline)},
                                                   appear_from=window[0], appear_to=window[1], place="x"),
                     actor=Actor.officer("t"), today=start.date())
    issuing.issue(campaigns.get("P"), start, actor=Actor.officer("t"))
    Delivery.objects.update(state="failed")  # only the random events below serve
    summonses = list(Summons.objects.order_by("id"))
    version = next(v for v in ru.versions if v.code == summonses[0].policy_version)
    last_day = start.date() + timedelta(days=days)
    plan: dict[date, list[tuple[Summons, str]]] = {}
    expected = {}
    for s, (event, outcome) in zip(summonses, timeline, strict=False):
        pure_events = []
        if event is not None:
            (channel, kind), offset = event
            d = Delivery.objects.create(summons=s, person_id=s.person_id, channel=channel, state="failed")
            day = s.placed_on + timedelta(days=offset)
            DeliveryEvent.objects.create(delivery=d, summons=s, person_id=s.person_id, channel=channel, event=kind,
                                         happened_on=day, at=start, evidence="test")
            pure_events.append(PureEvent(channel, kind, day))
        what, on = (outcome[0], s.placed_on + timedelta(days=outcome[1])) if outcome else (None, None)
        if on is not None and on <= last_day:
            plan.setdefault(on, []).append((s, what))
        else:
            what, on = None, None
        served = service(version.summons, s.placed_on, pure_events, last_day)
        served_on = served.served_on if served and (on is None or served.served_on <= on) else None
        expected[s.pk] = {k: (m.status, m.effective_from, m.lifted_on) for k, m in measures_of_summons(
            version, s.placed_on, served_on, s.appearance_date, what, on, last_day).items()}
    day = start.date()
    while day <= last_day:  # a tick every day at noon; outcomes recorded in the evening
        tick.tick(at(day.isoformat(), 12), actor=Actor.officer("t"))
        for s, what in plan.get(day, []):
            outcomes.record(format_summons_number(s.number), what, at(day.isoformat(), 18), actor=Actor.officer("t"))
        day += timedelta(days=1)
    actual = {s.pk: {} for s in summonses[:len(timeline)]}
    for m in Measure.objects.all():
        actual[m.summons_id][m.kind] = (m.status, m.effective_from, m.lifted_on)
    assert actual == expected
