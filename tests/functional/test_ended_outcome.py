"""`ended`, straight-through processing's decision that a deferment ends because its register says
the ground no longer holds, is an Outcome like the others: stored, shown, told to the person with
the appeal route, listed, and appealable as an adverse decision; an officer cannot decide it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from muster.casework import stp
from muster.casework.models import Decision
from muster.kernel.clock import today_in
from muster.ledger.models import Event
from muster.partners import stp_batch
from muster.partners.models import Partner, RegisterFact
from muster.registry.models import Person
from muster.rules.applications import Outcome

pytestmark = pytest.mark.django_db


def _student(today, **changes) -> dict:
    return {"institution": "МГУ", "programme": "Физика", "level": "bachelor", "full_time": True,
            "started_on": (today - timedelta(days=400)).isoformat(),
            "expected_end": (today + timedelta(days=700)).isoformat(), "status": "enrolled", **changes}


@pytest.fixture
def ended(ru, people):
    nid = people(1)[0]
    person = Person.objects.get(national_id=nid)
    partner = Partner.objects.create(name="Education", submit=["enrolment"])
    now = timezone.now()
    today = today_in(ru, now)
    for facts in (_student(today), _student(today, status="expelled")):
        RegisterFact.objects.create(partner=partner, person=person, source="enrolment", facts=facts,
                                    observed_at=now, received_at=now)
        stp_batch.process(ru, "enrolment", now, today)
        stp.decide_ready(ru, now, today)
    decision = Decision.objects.get(outcome="ended")
    return {"nid": nid, "number": decision.application.number, "granted": Decision.objects.get(outcome="granted"),
            "today": today}


def test_the_end_is_an_outcome_shown_listed_and_told_with_its_appeal_route(ended, cli_run):
    assert Outcome(Decision.objects.get(outcome="ended").outcome) is Outcome.ENDED
    shown = cli_run("application", "show", ended["number"], "--json")
    assert shown.exit_code == 0, shown.output
    decision = json.loads(shown.stdout)["decision"]
    assert decision["outcome"] == "ended" and decision["decided_by"] == "system:stp"
    assert decision["appeal_deadline"] is not None
    assert decision["reasons"][1].startswith(f"The deferment of decision {ended['granted'].application.number} "
                                             f"ends on {ended['today']}")
    assert decision["reasons"][-1].startswith("The decision may be appealed to the regional draft commission")
    text = cli_run("application", "show", ended["number"])
    assert text.exit_code == 0 and "ended by system:stp" in text.output
    listed = cli_run("application", "list", "--person", ended["nid"], "--json")
    assert [i["outcome"] for i in json.loads(listed.stdout)["items"]] == ["granted", "ended"]
    told = Event.objects.get(type="decision.made", payload__application=ended["number"])
    assert told.payload["outcome"] == "ended"


def test_an_appeal_against_an_end_is_filed_as_against_an_adverse_decision(ended, cli_run):
    filed = cli_run("appeal", "file", "--against", f"application:{ended['number']}", "--reason", "still enrolled",
                    "--json")
    assert filed.exit_code == 0, filed.output
    appeal = json.loads(filed.stdout)
    assert (appeal["level"], appeal["late"]) == (1, False)


def test_an_officer_cannot_decide_ended(ended, ru):
    from muster.casework.decisions import decide
    from muster.casework.services import CaseworkError
    from muster.kernel.actor import Actor

    with pytest.raises(CaseworkError, match="expected grant or refuse"):
        decide(Actor.officer("t"), ended["number"], "ended", "x", at=timezone.now())
