"""One tick that moves summonses of two policy versions at once: each version's step tells of its own
summonses only, so every summons gets one event per status change and one measure of each kind."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.db import transaction

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.measures.models import Measure
from muster.summons import tick
from muster.summons.models import Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("in_a_transaction", [True, False], ids=["one transaction", "shards where possible"])
def test_a_tick_across_two_policy_versions_does_each_summons_once(ru, people, in_a_transaction):
    people(2, district="RU-RYA")
    people(2, district="RU-TUL", start=10)
    for code, district, first in (("OLD", "RU-RYA", date(2025, 12, 29)), ("NEW", "RU-TUL", date(2026, 1, 10))):
        campaigns.create(ru, campaigns.CampaignRequest(
            code=code, purpose="medical_examination", districts={district: 2}, appear_from=first,
            appear_to=first, place="x"), actor=Actor.officer("t"), today=date(2025, 12, 20))
    issuing.issue(campaigns.get("OLD"), at("2025-12-20"), actor=Actor.officer("t"))  # under ru-2024-01-01
    issuing.issue(campaigns.get("NEW"), at("2026-01-05"), actor=Actor.officer("t"))  # under ru-2026-01-01
    assert set(Summons.objects.values_list("policy_version", flat=True)) == {"ru-2024-01-01", "ru-2026-01-01"}

    def run(now):
        if not in_a_transaction:
            return tick.tick(now, actor=Actor.officer("t"))
        with transaction.atomic():
            return tick.tick(now, actor=Actor.officer("t"))

    served = run(at("2026-01-13"))  # all four served (deemed or by the portal) in this tick
    assert (served["served"], served["events"]) == (4, 4)
    assert Counter(Event.objects.filter(type="summons.served").values_list("summons_id", flat=True)) == {
        s: 1 for s in Summons.objects.values_list("id", flat=True)}

    missed = run(at("2026-02-10"))  # all four missed in this tick
    assert (missed["missed"], missed["measures_applied"], missed["events"]) == (4, 4 * 6, 4 * 7)
    assert Counter(Measure.objects.values_list("summons_id", flat=True)) == {
        s: 7 for s in Summons.objects.values_list("id", flat=True)}
    assert Event.objects.filter(type="summons.missed").count() == 4
