"""A register's fact that no straight-through rule decides goes to the officer's queue as an
application (muster.casework.stp): on the ground the fact implies, with the fact and why no rule
held shown on it, once only however often the batch runs, and joined to the person's own open
application on that ground rather than queued twice."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from muster.casework import stp
from muster.casework.models import Application, Decision
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.partners import keys, stp_batch
from muster.partners.models import Partner, RegisterFact
from muster.registry.models import Person

pytestmark = pytest.mark.django_db
ADMIN = Actor.officer("t")


def _student(today: date, **changes) -> dict:
    return {"institution": "МГУ", "programme": "Физика", "level": "bachelor", "full_time": True,
            "started_on": (today - timedelta(days=400)).isoformat(),
            "expected_end": (today + timedelta(days=700)).isoformat(), "status": "enrolled", **changes}


def _post(body, key: str, idem: str):
    from django.test import Client

    return Client().post("/api/v1/submissions", data=json.dumps(body), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=idem)


def test_a_part_time_enrolment_reaches_the_queue_with_its_note_once(ru, people, cli_run):
    nid = people(1)[0]
    key = keys.add("Education", ["exit_ban"], "", actor=ADMIN, submit=["enrolment"])["api_key"]
    today = today_in(ru, timezone.now())
    assert _post({"national_id": nid, "kind": "enrolment", "data": _student(today, full_time=False)},
                 key, "a").status_code == 202
    for _ in range(2):  # a second run adds nothing
        ticked = cli_run("tick", "--json")
        assert ticked.exit_code == 0, ticked.output
    fact = RegisterFact.objects.get()
    assert fact.outcome == "officer" and fact.application_number
    assert fact.pack_code == "ru"  # the pack the API submitted it under decides it
    assert Application.objects.count() == 1 and not Decision.objects.exists()
    queue = cli_run("queue", "list", "--json")
    assert queue.exit_code == 0, queue.output
    assert [i["number"] for i in json.loads(queue.stdout)["items"]] == [fact.application_number]
    shown = cli_run("application", "show", fact.application_number, "--json")
    assert shown.exit_code == 0, shown.output
    app = json.loads(shown.stdout)
    assert (app["kind"], app["ground"], app["status"], app["channel"]) == ("deferment", "study", "submitted", "partner")
    [register] = app["register_facts"]
    assert register["source"] == "enrolment" and register["facts"]["full_time"] is False
    assert register["note"].startswith("no straight-through rule holds (study_enrolment: full_time: false "
                                       "(must be true)")
    text = cli_run("application", "show", fact.application_number)
    assert text.exit_code == 0 and "full_time: false (must be true)" in text.output


# (source, facts, expected (kind, ground) of the queued application, what the note starts with)
UNDECIDED = [
    ("enrolment", {"status": "enrolled", "full_time": False, "level": "bachelor"}, ("deferment", "study"),
     "no straight-through rule holds (study_enrolment: full_time: false"),
    ("enrolment", {"status": "enrolled", "full_time": True, "level": "postgraduate", "expected_end": "2030-06-30"},
     ("deferment", "study"), "no straight-through rule holds (study_enrolment: level: postgraduate"),
    ("medical", {"category": "V", "examined_on": "2026-01-10"}, ("exemption", "category_v"),
     "no straight-through rule holds (medical_category_g: category: V (must be G))"),
    ("medical", {"category": "G", "examined_on": "2099-01-01"}, ("deferment", "temporary_unfitness"),
     "no straight-through rule holds (medical_category_g: examined_on: 2099-01-01"),
    ("employment", {"accredited": True, "days_employed": 300}, ("deferment", "it_employee"),
     "no straight-through rule holds (it_days_employed: days_employed: 300 (must be at least 334)"),
]


def test_every_fact_no_rule_decides_becomes_one_application_on_the_ground_it_implies(ru, people):
    ids = people(len(UNDECIDED))
    partner = Partner.objects.create(name="Registers", submit=["enrolment", "medical", "employment"])
    now = timezone.now()
    today = today_in(ru, now)
    persons = [Person.objects.get(national_id=n).pk for n in ids]
    for pid, (source, facts, _expected, _note) in zip(persons, UNDECIDED, strict=True):
        RegisterFact.objects.create(partner=partner, person_id=pid, source=source, facts=facts, observed_at=now,
                                    received_at=now)
    for source in ("enrolment", "medical", "employment"):
        stp_batch.process(ru, source, now, today)
    assert set(RegisterFact.objects.values_list("outcome", flat=True)) == {"officer"}
    assert stp.decide_ready(ru, now, today).counts == {"officer": len(UNDECIDED)}
    assert stp.decide_ready(ru, now, today).counts == {}  # idempotent: nothing left to take
    assert Application.objects.count() == len(UNDECIDED) and not Decision.objects.exists()
    for pid, (_source, _facts, expected, note) in zip(persons, UNDECIDED, strict=True):
        fact = RegisterFact.objects.get(person_id=pid)
        app = Application.objects.get(person_id=pid)
        assert fact.application_number == app.number
        assert (app.kind, app.ground, app.status, app.created_by) == (*expected, "submitted", "system:stp")
        assert fact.note.startswith(note), fact.note
        assert stp_batch.reasons_of(ru, fact)[-1] == f"an officer decides: {fact.note}"


def test_a_fact_joins_the_persons_own_open_application_on_its_ground(ru, people, cli_run):
    nid = people(1)[0]
    partner = Partner.objects.create(name="Education", submit=["enrolment"])
    now = timezone.now()
    today = today_in(ru, now)
    person = Person.objects.get(national_id=nid)
    RegisterFact.objects.create(partner=partner, person=person, source="enrolment", observed_at=now, received_at=now,
                                facts=_student(today, full_time=False))
    stp_batch.process(ru, "enrolment", now, today)
    filed = cli_run("application", "submit", "--person", nid, "--kind", "deferment", "--ground", "study", "--json")
    assert filed.exit_code == 0, filed.output
    number = json.loads(filed.stdout)["number"]
    fact = RegisterFact.objects.get()
    assert fact.application_number == number and "full_time: false" in fact.note  # joined at filing
    stp.decide_ready(ru, now, today)
    assert Application.objects.count() == 1
    # Processed after the filing, the fact joins it in the batch instead.
    RegisterFact.objects.create(partner=partner, person=person, source="enrolment", observed_at=now, received_at=now,
                                facts=_student(today, level="postgraduate"))
    stp_batch.process(ru, "enrolment", now, today)
    assert stp.decide_ready(ru, now, today).counts == {"officer": 1}
    assert Application.objects.count() == 1
    assert list(RegisterFact.objects.values_list("application_number", flat=True)) == [number, number]
    shown = cli_run("application", "show", number, "--json")
    assert len(json.loads(shown.stdout)["register_facts"]) == 2


def test_a_policy_with_no_ground_for_the_register_keeps_the_fact_from_the_queue_and_says_why(packs, people):
    reg = packs.get_pack("registration-only")
    nid = people(1)[0]
    partner = Partner.objects.create(name="Education", submit=["enrolment"])
    now = timezone.now()
    today = today_in(reg, now)
    RegisterFact.objects.create(partner=partner, person=Person.objects.get(national_id=nid), source="enrolment",
                                pack_code="registration-only", facts=_student(today, full_time=False),
                                observed_at=now, received_at=now)
    assert stp_batch.process(packs.get_pack("ru"), "enrolment", now, today).counts == {}  # another pack's fact
    assert stp_batch.process(reg, "enrolment", now, today).counts == {"officer": 1}
    assert stp.decide_ready(reg, now, today).counts == {"no_ground": 1}
    fact = RegisterFact.objects.get()
    assert fact.outcome == "no_ground" and not Application.objects.exists()
    assert "has no ground the enrolment register feeds" in fact.note
    assert stp.decide_ready(reg, now, today).counts == {}
