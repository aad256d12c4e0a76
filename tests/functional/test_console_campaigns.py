"""Console campaigns: the list shows one's districts' campaigns only; the form creates one and names
every bad field in the error summary; the dry run shows counts per district (never names); issuing
needs a confirm, and another district's campaign, by URL or form field, is refused for every role."""

from __future__ import annotations

from datetime import date

import pytest

from muster.campaigns import services as campaigns
from muster.kernel import clock
from muster.kernel.actor import Actor
from muster.summons.models import Summons
from tests.conftest import at
from tests.functional.console_helpers import ROLES, signed_in

pytestmark = pytest.mark.django_db
FORM = {"code": "SPRING", "pack": "ru", "purpose": "call_up", "quota_RU-RYA": "2", "appear_from": "2026-03-10",
        "appear_to": "2026-03-12", "place": "Ryazan, Lenina 1", "appear_time": "09:00"}


@pytest.fixture(autouse=True)
def march_second():
    previous = clock.use(clock.FixedClock(at("2026-03-02")))
    yield
    clock.use(previous)


@pytest.fixture
def theirs(ru, people):
    people(3, "RU-MOW", start=50)
    return campaigns.create(ru, campaigns.CampaignRequest(
        code="MOSCOW", purpose="call_up", districts={"RU-MOW": 1}, appear_from=date(2026, 3, 10),
        appear_to=date(2026, 3, 12), place="Moscow"), actor=Actor.officer("t"), today=date(2026, 3, 2))


def test_create_dry_run_and_issue_in_ones_district(ru, people, theirs):
    names = people(3, "RU-RYA")
    client = signed_in("olga")
    page = client.get("/console/campaigns/new").content.decode()
    assert 'name="quota_RU-RYA"' in page and 'name="quota_RU-MOW"' not in page
    response = client.post("/console/campaigns/new", FORM)
    assert response.status_code == 302 and response["Location"] == "/console/campaigns/SPRING/"
    text = client.get("/console/campaigns/").content.decode()
    assert "SPRING" in text and "MOSCOW" not in text
    page = client.get("/console/campaigns/SPRING/").content.decode()
    assert "Dry run" in page and "Would be summoned" in page
    assert not any(n in page for n in names) and "Иванов" not in page  # counts, never names
    assert Summons.objects.count() == 0
    refused = client.post("/console/campaigns/SPRING/issue", {})
    assert refused.status_code == 400 and 'href="#confirm"' in refused.content.decode()
    response = client.post("/console/campaigns/SPRING/issue", {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == "/console/campaigns/SPRING/?issued=2"
    assert Summons.objects.filter(campaign__code="SPRING").count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "Summonses issued: 2" in page


@pytest.mark.parametrize(("change", "field"), [
    ({"code": ""}, "code"), ({"quota_RU-RYA": "0"}, "quotas"), ({"quota_RU-RYA": "two"}, "quotas"),
    ({"quota_RU-RYA": ""}, "quotas"), ({"appear_from": "10.03.2026"}, "appear_from"),
    ({"appear_from": "2026-03-01"}, "appear_from"), ({"place": " "}, "place"),
    ({"appear_time": "9 o'clock"}, "appear_time"), ({"purpose": "party"}, "purpose"), ({"pack": "xx"}, "pack"),
    ({"code": "x" * 100}, "code"),
])
def test_every_bad_field_is_named_in_the_error_summary(ru, change, field):
    client = signed_in("olga")
    response = client.post("/console/campaigns/new", {**FORM, **change})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page and f'href="#{field}"' in page and f'id="{field}"' in page


def test_a_taken_code_is_named(ru, theirs):
    client = signed_in("olga")
    response = client.post("/console/campaigns/new", {**FORM, "code": "MOSCOW"})
    assert response.status_code == 400 and "exists already" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_another_districts_campaign_is_refused_for_every_role(ru, theirs, role):
    client = signed_in("olga", role)
    assert client.get("/console/campaigns/MOSCOW/").status_code in (403, 404)
    assert client.post("/console/campaigns/MOSCOW/issue", {"confirm": "yes"}).status_code in (403, 404)
    assert client.get("/console/campaigns/NONE/").status_code in (403, 404)
    assert client.post("/console/campaigns/new", {**FORM, "quota_RU-MOW": "1"}).status_code == 403
    assert "MOSCOW" not in client.get("/console/campaigns/").content.decode()
    assert Summons.objects.count() == 0


@pytest.mark.parametrize("role", ["board_member", "auditor", "administrator", "data_steward"])
def test_roles_that_do_not_issue_see_progress_but_may_not_issue(ru, people, role):
    people(2, "RU-RYA")
    campaigns.create(ru, campaigns.CampaignRequest(
        code="OURS", purpose="call_up", districts={"RU-RYA": 1}, appear_from=date(2026, 3, 10),
        appear_to=date(2026, 3, 12), place="Ryazan"), actor=Actor.officer("t"), today=date(2026, 3, 2))
    client = signed_in("olga", role)
    page = client.get("/console/campaigns/OURS/")
    assert page.status_code == 200 and "Issue the campaign" not in page.content.decode()
    assert client.post("/console/campaigns/OURS/issue", {"confirm": "yes"}).status_code == 403
    assert client.post("/console/campaigns/new", FORM).status_code == 403
    assert Summons.objects.count() == 0


def test_the_dry_run_in_russian(ru, people):
    people(2, "RU-RYA")
    client = signed_in("olga")
    client.post("/console/language", {"language": "ru", "next": "/console/campaigns/"})
    assert client.post("/console/campaigns/new", FORM).status_code == 302
    page = client.get("/console/campaigns/SPRING/").content.decode()
    assert "Пробный расчёт" in page and "Будут вызваны" in page and "Dry run" not in page
