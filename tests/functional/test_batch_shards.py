"""Issue and tick outside any transaction: on PostgreSQL they run in shards, one connection and
transaction each, and must do exactly what the single-transaction path does
(tests/functional/test_notices.py); an issue run a crash left half done is completed by the next."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection, transaction

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.delivery.models import Delivery
from muster.kernel import db as sql
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.measures.models import Measure
from muster.summons import tick
from muster.summons.models import Run, Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db(transaction=True)

NOW = at("2026-03-02")


def _campaign(ru, count):
    return campaigns.create(ru, campaigns.CampaignRequest(
        code="SHARDS", purpose="call_up", districts={"RU-RYA": count}, appear_from=date(2026, 3, 10),
        appear_to=date(2026, 3, 25), place="ул. Ленина, 1"), actor=Actor.officer("t"), today=NOW.date())


def test_sharded_tick_serves_misses_and_does_nothing_twice(ru, people):
    people(7)
    result = issuing.issue(_campaign(ru, 7), NOW, actor=Actor.officer("t"))
    assert sql.can_fan_out() == (connection.vendor == "postgresql" and sql.SHARDS > 1)
    assert (result.issued, result.measures, result.events) == (7, 7, 14)
    assert result.deliveries == Delivery.objects.count() >= 7
    assert issuing.issue(campaigns.get("SHARDS"), NOW, actor=Actor.officer("t")).issued == 0

    first = tick.tick(NOW, actor=Actor.officer("t"))
    assert (first["portal_posted"], first["served"], first["events"]) == (4, 4, 4)
    assert set(tick.tick(NOW, actor=Actor.officer("t")).values()) == {0}
    assert tick.tick(NOW + timedelta(days=7), actor=Actor.officer("t"))["served"] == 3
    missed = tick.tick(at("2026-03-31", 0), actor=Actor.officer("t"))
    assert (missed["missed"], missed["measures_applied"], missed["events"]) == (7, 7 * 6, 7 * 7)
    assert set(tick.tick(at("2026-03-31", 0), actor=Actor.officer("t")).values()) == {0}

    assert Summons.objects.filter(status="missed").count() == 7
    assert Counter(Measure.objects.values_list("summons_id", flat=True)) == {
        s: 7 for s in Summons.objects.values_list("id", flat=True)}
    assert Event.objects.filter(type="measure.applied").count() == 7 * 7
    assert Event.objects.filter(type="summons.missed").count() == 7
    assert {m.effective_from for m in Measure.objects.exclude(kind="exit_ban")} == {date(2026, 3, 31)}


def test_an_issue_run_left_half_done_is_completed_by_the_next(ru, people):
    if not sql.can_fan_out():
        pytest.skip("one transaction does the whole issue: a crash leaves nothing half done")
    people(5)
    campaign = _campaign(ru, 5)
    with transaction.atomic():  # the first step of a sharded run, then a crash
        run, _ = issuing._place(campaign, NOW, Actor.officer("t"), issuing.plan(campaign, NOW), shards=sql.SHARDS)
    assert Summons.everything.count() == 5 and not Delivery.objects.exists() and not Measure.objects.exists()
    assert Summons.objects.count() == 0, "no reader sees a summons before its deliveries and measures exist"

    assert issuing.issue(campaign, NOW, actor=Actor.officer("t")).issued == 0
    run = Run.objects.get(pk=run.pk)
    assert run.finished_at is not None and run.counts["issued"] == 5 and run.counts["measures"] == 5
    assert Measure.objects.filter(kind="exit_ban").count() == 5
    assert Event.objects.filter(type="summons.placed").count() == 5
    assert Event.objects.filter(type="measure.applied").count() == 5
    assert set(Delivery.objects.values_list("summons_id", flat=True)) == set(Summons.objects.values_list("id", flat=True))
    assert issuing.issue(campaign, NOW, actor=Actor.officer("t")).issued == 0 and Measure.objects.count() == 5
