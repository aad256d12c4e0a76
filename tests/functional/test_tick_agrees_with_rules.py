"""Property: the tick's set-based service agrees with the pure rule on random delivery histories,
and its missed marking with muster.rules.appeals.summons_held on random appeals holding them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.casework.models import Appeal
from muster.delivery.models import Delivery, DeliveryEvent
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.measures.models import Measure
from muster.rules.appeals import summons_held
from muster.rules.delivery import DeliveryEvent as PureEvent
from muster.rules.delivery import missed_from, service
from muster.summons import tick
from muster.summons.models import Run, Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02")
EVENTS = [("post", "delivered"), ("post", "refused"), ("post", "returned"), ("portal", "posted"),
          ("in_person", "signed"), ("in_person", "refused"), ("email", "sent"), ("sms", "sent")]

# The statuses of the appeals holding each summons (an open one holds it).
appeal_holds = st.lists(st.lists(st.sampled_from(["open", "decided"]), max_size=2), max_size=6)
histories = st.lists(st.lists(st.tuples(st.sampled_from(EVENTS), st.integers(min_value=0, max_value=12)),
                              max_size=3), min_size=1, max_size=6)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=histories, days_later=st.integers(min_value=0, max_value=40), holds=appeal_holds)
@example(history=[[(("in_person", "signed"), 0), (("in_person", "refused"), 0)]], days_later=7,
         holds=[])  # a tie: first recorded
def test_tick_service_and_missed_agree_with_the_pure_rules(ru, people, history, days_later, holds):
    for model in (Event, Measure, DeliveryEvent, Delivery, Appeal, Summons, Run):
        model.objects.all().delete()
    campaigns.Campaign.objects.all().delete()
    if not hasattr(test_tick_service_and_missed_agree_with_the_pure_rules, "_people"):
        people(6)
        test_tick_service_and_missed_agree_with_the_pure_rules._people = True
    campaigns.create(ru, campaigns.CampaignRequest(code="P", purpose="call_up", districts={"RU-RYA": len(history)},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                   place="x"), actor=Actor.officer("t"), today=NOW.date())
    issuing.issue(campaigns.get("P"), NOW, actor=Actor.officer("t"))
    Delivery.objects.update(state="failed")  # only the random history below counts
    summonses = list(Summons.objects.order_by("id"))
    rules = ru.versions[-1].summons
    today = NOW.date() + timedelta(days=days_later)
    expected = {}
    for i, s in enumerate(summonses):
        statuses = holds[i] if i < len(holds) else []
        for level, status in enumerate(statuses, start=1):
            Appeal.objects.create(person_id=s.person_id, subject_kind="summons", subject_id=s.pk, subject_ref="x",
                                  district=s.district, pack_code="ru", policy_version=s.policy_version, level=level,
                                  body="court", reason="r", filed_at=NOW, filed_on=NOW.date(), deadline=NOW.date(),
                                  due_on=NOW.date(), status=status, created_by="t", holds_summons_id=s.pk)
    for i, (s, events) in enumerate(zip(summonses, history, strict=False)):
        held = summons_held(holds[i] if i < len(holds) else [])
        pure_events = []
        for (channel, event), offset in events:
            d = Delivery.objects.create(summons=s, person_id=s.person_id, channel=channel, state="failed")
            day = s.placed_on + timedelta(days=offset)
            DeliveryEvent.objects.create(delivery=d, summons=s, person_id=s.person_id, channel=channel, event=event,
                                         happened_on=day, at=NOW, evidence="test")
            pure_events.append(PureEvent(channel, event, day))
        served = service(rules, s.placed_on, pure_events, today)
        status = "placed" if served is None else "served"
        if served is not None and today >= missed_from(s.appearance_date, rules.grace_days) and not held:
            status = "missed"
        expected[s.pk] = (status, served and served.served_on, served and served.how, served and served.evidence)
    tick.tick(at(today.isoformat(), 12), actor=Actor.officer("t"))
    actual = {s.pk: (s.status, s.served_on, s.served_how or None, s.served_evidence or None)
              for s in Summons.objects.filter(pk__in=expected)}
    assert actual == expected
