"""Deciding an application in the console, four eyes: an exemption granted by one officer waits
for a second; the officer who decided cannot confirm (403, told why); another officer of the
district confirms and it takes effect. Another district's application is refused by URL."""

from __future__ import annotations

import pytest

from muster.audit.access import reads_of
from muster.casework import services as casework
from muster.kernel.actor import Actor
from tests.conftest import at
from tests.functional.console_helpers import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def exemption(ru, people, settings):
    ours = people(1, "RU-RYA")[0]
    filed = casework.submit(Actor.officer("t"), ru, ours, "exemption", "academic_degree", at=at("2026-03-03"))
    return filed["number"]


def _show(number: str) -> dict:
    return casework.show(Actor.officer("t", purpose="test"), number)


def test_a_decision_waits_for_a_second_officer_who_is_not_the_first(exemption):
    olga, boris = signed_in("olga"), signed_in("boris", "board_member")
    page = olga.get(f"/console/application/{exemption}/")
    assert page.status_code == 200 and "Record the decision" in page.content.decode()
    assert any(r["purpose"] == f"application or appeal: {exemption}" for r in reads_of(_person_of(exemption)))
    decided = olga.post(f"/console/application/{exemption}/",
                        {"action": "decide", "verdict": "grant", "reason": "diploma seen"})
    assert decided.status_code == 302
    assert _show(exemption)["decision"]["needs_confirmation"] and not _show(exemption)["decision"]["in_effect"]
    assert "Waiting for a second officer" in olga.get(f"/console/application/{exemption}/").content.decode()
    own = olga.post(f"/console/application/{exemption}/", {"action": "confirm"})
    assert own.status_code == 403 and "you made it" in own.content.decode()
    assert boris.post(f"/console/application/{exemption}/", {"action": "confirm"}).status_code == 302
    decision = _show(exemption)["decision"]
    assert decision["confirmed_by"] == "cli:boris" and decision["in_effect"]


def _person_of(number: str) -> int:
    from muster.registry.models import Person

    national_id = _show(number)["person"].replace("-", "").replace(" ", "")
    return Person.objects.get(national_id=national_id).pk


@pytest.mark.parametrize("bad", [{"action": "decide", "verdict": "maybe", "reason": "x"},
                                 {"action": "decide", "verdict": "grant", "reason": "  "},
                                 {"action": "decide", "verdict": "grant", "reason": "x", "until": "soon"},
                                 {"action": "confirm"}, {"action": "other"}])
def test_bad_decisions_are_refused_and_say_why(exemption, bad):
    response = signed_in("olga").post(f"/console/application/{exemption}/", bad)
    assert response.status_code == 400
    assert "The decision was not recorded." in response.content.decode()
    assert _show(exemption)["decision"] is None


@pytest.mark.parametrize("role", ["registration_officer", "board_member", "auditor", "data_steward", "administrator"])
def test_another_districts_application_is_refused_by_url(exemption, role):
    client = signed_in("mila", role, districts=["RU-MOW"])
    assert client.get(f"/console/application/{exemption}/").status_code == 403
    response = client.post(f"/console/application/{exemption}/", {"action": "decide", "verdict": "grant", "reason": "x"})
    assert response.status_code == 403
    assert _show(exemption)["decision"] is None
    assert client.get("/console/application/A-9999999/").status_code in (403, 404)
    assert client.get("/console/application/nonsense/").status_code in (403, 404)
