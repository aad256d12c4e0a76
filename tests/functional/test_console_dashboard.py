"""The console dashboard: counts from the aggregates table the engine's turn refreshes (equal to a
direct count on random data), SVG charts with a data table each, CSV export, one's own district
only, and an auditor's cells of 1 to 4 people hidden."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

from muster import engine
from muster.campaigns import services as campaigns
from muster.casework import dashboard
from muster.casework.models import Application, Tally
from muster.kernel.actor import Actor
from muster.measures.models import Measure
from muster.summons.models import Summons
from tests.conftest import at
from tests.functional.console_helpers import ROLES, signed_in

pytestmark = pytest.mark.django_db
STATUSES = ["placed", "served", "appeared", "excused", "missed"]


def _campaign(ru, code: str, quotas: dict[str, int]) -> None:
    campaigns.create(ru, campaigns.CampaignRequest(
        code=code, purpose="call_up", districts=quotas, appear_from=date(2026, 3, 10),
        appear_to=date(2026, 3, 12), place="x"), actor=Actor.officer("t"), today=date(2026, 3, 2))
    campaigns.issue(Actor.officer("t"), code, at("2026-03-02"))


@pytest.fixture
def issued(ru, people):
    people(7, "RU-RYA")
    people(3, "RU-MOW", start=50)
    _campaign(ru, "C", {"RU-RYA": 7, "RU-MOW": 3})
    dashboard.step(at("2026-03-02"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_refreshed_aggregates_equal_a_direct_count(ru, people, seed):
    rng = random.Random(seed)
    people(rng.randint(1, 12), "RU-RYA")
    people(rng.randint(1, 12), "RU-MOW", start=100)
    _campaign(ru, "R", {"RU-RYA": rng.randint(1, 12), "RU-MOW": rng.randint(1, 12)})
    for summons in Summons.objects.all():
        Summons.objects.filter(pk=summons.pk).update(status=rng.choice(STATUSES))
    engine.turn(at("2026-03-02", 12), actor=Actor.officer("t"), send=False)
    tallied = Counter({(t.district, t.key): t.people for t in Tally.objects.filter(topic="summons_status")})
    direct = Counter((s.district, s.status) for s in Summons.objects.all())
    assert +tallied == +direct
    tallied = Counter({(t.district, t.key): t.people for t in Tally.objects.filter(topic="measure_kind")})
    direct = Counter((m.person.district, m.kind) for m in Measure.objects.filter(status="active"))
    assert +tallied == +direct
    tallied = Counter({(t.district, t.key): t.people for t in Tally.objects.filter(topic="application_status")})
    assert +tallied == +Counter((a.district, a.status) for a in Application.objects.all())
    for district in ("RU-RYA", "RU-MOW"):
        seen = dashboard.read(Actor.officer("t"), district)["tables"]["summons_status"]
        assert seen == dict(sorted(Counter(s.status for s in Summons.objects.filter(district=district)).items()))


def test_the_dashboard_shows_charts_tables_and_csv_of_ones_district(issued):
    client = signed_in("olga")
    page = client.get("/console/dashboard/").content.decode()
    assert "<svg" in page and "<caption>" in page and "RU-RYA" in page and "script" not in page.lower()
    assert "<td>7</td>" in page  # seven placed in RU-RYA
    response = client.get("/console/dashboard/summons_status.csv", {"district": "RU-RYA"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines() == ["key,count", "placed,7"]
    months = client.get("/console/dashboard/summons_by_month.csv").content.decode().splitlines()
    assert months == ["month,status,count", "2026-03,placed,7"]
    assert client.get("/console/dashboard/nothing.csv").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_another_district_or_all_of_them_is_refused_outside_ones_scope(issued, role):
    client = signed_in("olga", role)
    for district in ("RU-MOW", "ALL"):
        page = client.get("/console/dashboard/", {"district": district})
        csv = client.get("/console/dashboard/summons_status.csv", {"district": district})
        if role == "auditor":  # read-only across districts, small cells hidden
            assert page.status_code == 200 and csv.status_code == 200
        else:
            assert page.status_code == 403 and csv.status_code == 403


def test_an_auditor_sees_no_cell_of_one_to_four_people(issued):
    client = signed_in("audrey", "auditor")
    mow = client.get("/console/dashboard/summons_status.csv", {"district": "RU-MOW"}).content.decode()
    assert mow.splitlines() == ["key,count", "placed,"]  # 3 people: hidden
    rya = client.get("/console/dashboard/summons_status.csv", {"district": "RU-RYA"}).content.decode()
    assert rya.splitlines() == ["key,count", "placed,7"]
    overall = client.get("/console/dashboard/summons_status.csv", {"district": "ALL"}).content.decode()
    assert overall.splitlines() == ["key,count", "placed,10"]
    page = client.get("/console/dashboard/", {"district": "RU-MOW"}).content.decode()
    assert "Counts of 1 to 4 people are hidden" in page and "<td>3</td>" not in page
