"""`muster demo` leaves its casework in exactly the states it announces: an excuse granted on a
PDF sick note with the summons excused and its measures lifted that day; an appeal to the court
whose filing suspended the summons' measures, which the border partner's check no longer shows;
an education register's enrolment fact processed by straight-through processing (decided by
system:stp, the call-up summons cancelled). The numbers and commands in the summary work."""

from __future__ import annotations

import json

import pytest

from muster.casework.appeal_models import Appeal
from muster.casework.applications import find
from muster.casework.models import Application, EvidenceFile
from muster.kernel.clock import today_in
from muster.measures import services as measures
from muster.measures.models import Measure
from muster.partners import keys
from muster.partners.models import RegisterFact
from muster.rules.appeals import parse_number as parse_appeal_number
from muster.rules.notice_numbers import format_summons_number
from muster.summons.models import Summons

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def demo(cli_run, settings, tmp_path, ru):
    settings.MUSTER_EVIDENCE_DIR = tmp_path / "evidence"
    settings.MUSTER_OUTBOX_DIR = tmp_path / "outbox"
    result = cli_run("demo", "--count", "600", "--no-serve", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["campaign"]


def test_the_excuse_is_granted_on_a_pdf_and_lifts_the_summons_measures_that_day(demo, ru, cli_run):
    shown = demo["casework"]["excuse"]
    app = find(shown["application"])
    assert (app.kind, app.ground, app.status) == ("excuse", "illness", "decided")
    decision = app.decisions.get()
    assert decision.outcome == "granted" and decision.in_effect
    assert list(EvidenceFile.objects.filter(application=app).values_list("type", flat=True)) == ["application/pdf"]
    summons = app.summons
    assert summons is not None and summons.status == "excused" and shown["summons_status"] == "excused"
    lifted = Measure.objects.filter(summons=summons)
    assert lifted.exists() and set(lifted.values_list("status", flat=True)) == {"lifted"}
    assert set(lifted.values_list("lifted_on", flat=True)) == {today_in(ru, decision.decided_at)}
    assert shown["measures"] == {"lifted": lifted.count()}
    looked = cli_run("application", "show", shown["application"], "--json")
    assert looked.exit_code == 0 and json.loads(looked.stdout)["decision"]["outcome"] == "granted"


def test_the_court_appeal_suspends_the_summons_measures_and_partners_no_longer_see_them(demo, cli_run):
    shown = demo["casework"]["appeal"]
    appeal = Appeal.objects.get(pk=parse_appeal_number(shown["number"]))
    assert (appeal.level, appeal.body, appeal.subject_kind, appeal.late) == (2, "court", "summons", False)
    summons = Summons.objects.get(campaign__code="DEMO-AUTUMN", person_id=appeal.person_id, status="missed")
    on_summons = Measure.objects.filter(summons=summons)
    assert sorted(appeal.suspended) == sorted(on_summons.values_list("id", flat=True)) != []
    assert set(on_summons.values_list("status", flat=True)) == {"suspended"}
    assert shown["partner_check"] == {"partner": "Пограничная служба", "suspended_measures_in_force": 0}
    border = keys.authenticate(next(p["api_key"] for p in demo["partners"] if p["name"] == "Пограничная служба"))
    assert border is not None
    checked = measures.check(border, summons.person.national_id)["measures"]
    assert {m["summons_number"] for m in checked}.isdisjoint({format_summons_number(summons.number)})
    looked = cli_run("appeal", "show", shown["number"], "--json")
    assert looked.exit_code == 0 and json.loads(looked.stdout)["status"] == "open"


def test_the_enrolment_fact_goes_through_straight_through_processing_and_nothing_else(demo, ru):
    shown = demo["casework"]["study"]
    fact = RegisterFact.objects.get(partner__name="Реестр обучающихся")
    assert fact.source == "enrolment" and fact.person_id is not None and fact.processed_at is not None
    assert fact.rule == "study_enrolment" and shown["rule"] == "study_enrolment"
    summons = Summons.objects.get(campaign__code="DEMO-CALLUP", person_id=fact.person_id)
    granted = Application.objects.filter(person_id=fact.person_id, kind="deferment")
    assert fact.outcome == "decided"
    app = granted.get()
    decision = app.decisions.get()
    assert (app.ground, decision.outcome, decision.decided_by) == ("study", "granted", "system:stp")
    assert summons.status == "cancelled" and shown["application"] == app.number


def test_the_summary_names_the_commands_and_the_education_register_may_submit_enrolments(demo, cli_run):
    look = demo["casework"]["look"]
    assert f"muster application show {demo['casework']['excuse']['application']}" in look
    assert f"muster appeal show {demo['casework']['appeal']['number']}" in look
    assert "muster queue list" in look
    register = next(p for p in demo["partners"] if p["name"] == "Реестр обучающихся")
    assert register["api_key"].startswith("mst_")
    assert keys.get("Реестр обучающихся").submit == ["enrolment"]
    assert keys.get("Реестр обучающихся").kinds == []  # it only submits: no measure kinds to check (SPEC 2)
    waiting = demo["casework"]["waiting"]
    assert f"muster application show {waiting['application']}" in look
    queue = cli_run("queue", "list", "--json")
    assert queue.exit_code == 0
    listed = [i["number"] for i in json.loads(queue.stdout)["items"]]
    assert waiting["application"] in listed and demo["casework"]["excuse"]["application"] not in listed
    assert find(waiting["application"]).status == "submitted" == waiting["status"]
