"""The console's work queue: one's district's open applications with due date, flags and who has
each; another district's queue by form field, or its item by number, is refused for every role;
"assign to me" takes an item."""

from __future__ import annotations

import pytest

from muster.casework import services as casework
from muster.kernel.actor import Actor
from tests.conftest import at
from tests.functional.console_helpers import ROLES, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(ru, people):
    ours = people(1, "RU-RYA")[0]
    theirs = people(1, "RU-MOW", start=10)[0]
    officer = Actor.officer("t")
    return {"ours": casework.submit(officer, ru, ours, "deferment", "it_employee", at=at("2026-03-03"))["number"],
            "theirs": casework.submit(officer, ru, theirs, "deferment", "it_employee", at=at("2026-03-03"))["number"]}


def test_the_queue_shows_ones_districts_items_and_assigns_to_me(filed):
    client = signed_in("olga")
    text = client.get("/console/queue/").content.decode()
    assert filed["ours"] in text and filed["theirs"] not in text
    assert "no-store" in client.get("/console/queue/")["Cache-Control"]
    response = client.post("/console/queue/assign", {"number": filed["ours"], "next": "/console/queue/"})
    assert response.status_code == 302 and response["Location"] == "/console/queue/"
    assert casework.show(Actor.officer("t", purpose="check"), filed["ours"])["assigned_to"] == "olga"


@pytest.mark.parametrize("role", ROLES)
def test_another_districts_queue_and_items_are_refused_for_every_role(filed, role):
    client = signed_in("olga", role)
    assert client.get("/console/queue/", {"district": "RU-MOW"}).status_code == 403
    response = client.post("/console/queue/assign", {"number": filed["theirs"]})
    assert response.status_code == 403
    assert client.post("/console/queue/assign", {"number": "A-not-a-number"}).status_code in (403, 404)
    if role not in ("registration_officer", "board_member"):
        assert client.get("/console/queue/").status_code == 403  # casework is not this role's
