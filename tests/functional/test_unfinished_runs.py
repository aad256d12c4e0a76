"""Runs a crash left unfinished, built in this process (on SQLite and PostgreSQL alike): an issue run
whose summonses committed without their deliveries, measures and events, and a tick whose run row
was never closed. Nothing may read or act on the half-done run; whoever meets it completes it first.
(The same states made by a real kill -9 are in test_crash_points.py.)"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection, transaction

from muster import engine
from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.delivery.models import Delivery
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.measures.models import Measure
from muster.rules.notice_numbers import format_summons_number, summons_number
from muster.rules.vocabulary import RunKind
from muster.summons import services as summons
from muster.summons import tick
from muster.summons.models import Run, Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02")
OFFICER = Actor.officer("t")
PERSONAL = ("portal", "post")  # the channels that serve a summons on their own (email and SMS only tell)


@pytest.fixture
def campaign(ru, people):
    people(6)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 6},
                                                   appear_from=date(2026, 3, 20), appear_to=date(2026, 3, 30),
                                                   place="x"), actor=OFFICER, today=NOW.date())
    return campaigns.get("C")


def _run_rows(run: Run, column: str) -> list:
    """A column of the run's summonses, read past every manager."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM notices_summons WHERE issue_run = %s ORDER BY id", [run.pk])
        return [row[0] for row in cur.fetchall()]


def _placed_only(campaign) -> Run:
    """What a crash right after the placement's commit leaves: the run and its summonses, no more."""
    with transaction.atomic():
        result = issuing.plan(campaign, NOW)
        run, _ = issuing._place(campaign, NOW, OFFICER, result)
    assert run.finished_at is None and len(_run_rows(run, "id")) == 6
    return run


def test_summonses_of_an_unfinished_issue_run_are_invisible_to_readers(campaign):
    run = _placed_only(campaign)
    shown = campaigns.show(OFFICER, "C")
    assert (shown["issued"], shown["being_issued"], shown["status"]["placed"]) == (0, 6, 0)
    assert Summons.objects.filter(campaign=campaign).count() == 0
    with pytest.raises(LookupError):
        summons.show(OFFICER, format_summons_number(summons_number(_run_rows(run, "id")[0])))


def test_a_tick_never_serves_a_summons_of_an_unfinished_issue_run(campaign):
    run = _placed_only(campaign)
    counts = tick.tick(NOW + timedelta(days=8), actor=OFFICER)
    assert counts["served"] == 0 and counts["measures_applied"] == 0
    assert set(_run_rows(run, "status")) == {"placed"}
    assert not Event.objects.filter(type="summons.served").exists()


def test_the_engine_completes_an_unfinished_issue_run_before_its_tick(campaign):
    run = _placed_only(campaign)
    counts = engine.turn(NOW + timedelta(days=8), actor=OFFICER, send=False)
    assert counts["issue_runs_completed"] == 1
    run.refresh_from_db()
    assert run.finished_at is not None
    served = Summons.objects.filter(campaign=campaign, status="served")
    assert served.count() == 6
    for s in served:
        assert Delivery.objects.filter(summons=s, channel__in=PERSONAL).exists(), "served with no personal delivery"
        types = list(Event.objects.filter(summons_id=s.pk).order_by("id").values_list("type", flat=True))
        assert types.index("summons.placed") < types.index("summons.served")
    assert campaigns.show(OFFICER, "C")["being_issued"] == 0


def test_a_rerun_reports_the_work_it_completed(campaign):
    run = _placed_only(campaign)
    result = issuing.issue(campaign, NOW + timedelta(hours=1), actor=OFFICER)
    assert result.issued == 0
    deliveries = Delivery.objects.filter(summons__issue_run=run.pk).count()
    measures = Measure.objects.filter(summons__issue_run=run.pk).count()
    events = Event.objects.filter(summons_id__in=Summons.objects.filter(issue_run=run.pk).values("id")).count()
    assert deliveries > 0 and measures > 0
    assert result.completed == [{"run": run.pk, "summonses": 6, "deliveries": deliveries, "measures": measures,
                                 "events": events}]
    data = result.as_dict()
    assert (data["deliveries_queued"], data["measures_applied"], data["events"]) == (deliveries, measures, events)
    run.refresh_from_db()
    assert run.finished_at is not None and run.counts["deliveries"] == deliveries


def test_a_killed_ticks_run_row_is_closed_by_the_next_tick(campaign):
    issuing.issue(campaign, NOW, actor=OFFICER)
    killed = Run.objects.create(kind=RunKind.TICK, now=NOW, actor="t", counts={"shard0": {"served": 2, "events": 2}})
    later = tick.tick(NOW + timedelta(days=1), actor=OFFICER)
    killed.refresh_from_db()
    assert killed.finished_at is not None
    newest = Run.objects.filter(kind=RunKind.TICK).order_by("-id").first()
    assert killed.counts == {"served": 2, "events": 2, "shards_done": 1, "interrupted": True,
                             "taken_over_by": newest.pk}
    assert later is not None
    assert not Run.objects.filter(finished_at__isnull=True).exists()
