"""The tick outside any transaction: on PostgreSQL it runs in shards, one connection and transaction
each, and must do exactly what the single-transaction tick does (tests/functional/test_notices.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection

from muster import sql
from muster.events.models import Event
from muster.measures.models import Measure
from muster.notices import campaigns, issuing, tick
from muster.notices.models import Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db(transaction=True)

NOW = at("2026-03-02")


def test_sharded_tick_serves_misses_and_does_nothing_twice(ru, people):
    people(7)
    campaigns.create(ru, campaigns.CampaignRequest(
        code="SHARDS", purpose="call_up", districts={"RU-RYA": 7}, appear_from=date(2026, 3, 10),
        appear_to=date(2026, 3, 25), place="ул. Ленина, 1"), actor="t", today=NOW.date())
    issuing.issue(campaigns.get("SHARDS"), NOW, actor="t")
    assert sql.can_fan_out() == (connection.vendor == "postgresql" and sql.SHARDS > 1)

    first = tick.tick(NOW, actor="t", send=False)
    assert (first["portal_posted"], first["served"], first["events"]) == (4, 4, 4)
    assert set(tick.tick(NOW, actor="t", send=False).values()) == {0}
    assert tick.tick(NOW + timedelta(days=7), actor="t", send=False)["served"] == 3
    missed = tick.tick(at("2026-03-31", 0), actor="t", send=False)
    assert (missed["missed"], missed["measures_applied"], missed["events"]) == (7, 7 * 6, 7 * 7)
    assert set(tick.tick(at("2026-03-31", 0), actor="t", send=False).values()) == {0}

    assert Summons.objects.filter(status="missed").count() == 7
    assert Counter(Measure.objects.values_list("summons_id", flat=True)) == {
        s: 7 for s in Summons.objects.values_list("id", flat=True)}
    assert Event.objects.filter(type="measure.applied").count() == 7 * 7
    assert Event.objects.filter(type="summons.missed").count() == 7
    assert {m.effective_from for m in Measure.objects.exclude(kind="exit_ban")} == {date(2026, 3, 31)}
