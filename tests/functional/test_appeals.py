"""Appeals end to end (issue 12, "Appeals"), through the command line on the database: a missed
summons appealed to the commission (suspends nothing) and to the court (suspends its measures, which
partners then see as not in force and their feed announces), dismissed (in force again) or allowed
(summons cancelled, measures lifted); a refused excuse appealed and allowed (back in review); late
filings; and the bad inputs the issue lists."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from muster import engine
from muster.audit.models import AuditRecord
from muster.casework import appeals
from muster.casework.models import Appeal, Application, Decision
from muster.delivery.models import PersonMessage
from muster.kernel.actor import Actor
from muster.measures.models import Measure
from muster.registry.models import Person
from muster.rules.notice_numbers import format_summons_number, summons_number
from muster.summons.models import Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db


def _json(result, code: int = 0) -> dict:
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def _missed(world, i: int = 0) -> tuple[Summons, str]:
    person = Person.objects.get(national_id=world["ids"][i])
    s = Summons.objects.get(person=person)
    assert s.status == "missed" and Measure.objects.filter(summons=s, status="active").count() == 7
    return s, format_summons_number(s.number)


def _check(world, nid: str) -> list[str]:
    response = Client().get(f"/api/v1/measures/{nid}", HTTP_AUTHORIZATION=f"Bearer {world['border']}")
    assert response.status_code == 200, response.content
    return [m["kind"] for m in response.json()["measures"]]


def _feed(world) -> list[dict]:
    response = Client().get("/api/v1/events?after=0&limit=1000", HTTP_AUTHORIZATION=f"Bearer {world['border']}")
    assert response.status_code == 200, response.content
    body = response.json()
    return body["events"] if isinstance(body, dict) else body


def test_court_appeal_suspends_the_summons_measures_and_dismissal_reinstates_them(world, cli_run):
    s, number = _missed(world)
    nid = world["ids"][0]
    assert _check(world, nid) == ["exit_ban"]
    first = _json(cli_run("appeal", "file", "--against", f"summons:{number}", "--reason", "never received it",
                          "--at", at("2026-04-06").isoformat(), "--json"))
    assert set(first) == {"number", "level", "body", "due_on", "late", "suspends"}
    assert (first["level"], first["body"], first["late"], first["suspends"]) == (
        1, "regional draft commission", False, [])
    assert first["due_on"] == "2026-04-13"  # 5 working days after Monday 2026-04-06
    assert _check(world, nid) == ["exit_ban"]  # the commission suspends nothing

    court = _json(cli_run("appeal", "file", "--against", f"summons:{number}", "--reason", "the commission is slow",
                          "--at", at("2026-04-07").isoformat(), "--json"))
    assert (court["level"], court["body"], court["late"]) == (2, "court", False)
    assert len(court["suspends"]) == 7 and {x["kind"] for x in court["suspends"]} >= {"exit_ban", "credit_ban"}
    assert set(Measure.objects.filter(summons=s).values_list("status", flat=True)) == {"suspended"}
    assert _check(world, nid) == []  # not in force while the court hears it
    engine.turn(at("2026-04-07", 12), actor=Actor.officer("t"), send=False)  # publish to the feeds
    assert [e["type"] for e in _feed(world) if e["type"] == "measure.suspended"] == ["measure.suspended"]
    topics = set(PersonMessage.objects.filter(person=s.person).values_list("topic", flat=True))
    assert {"appeal.filed", "measure.suspended"} <= topics

    ruled = _json(cli_run("appeal", "decide", court["number"], "dismissed", "--reason", "no grounds",
                          "--at", at("2026-05-12").isoformat(), "--json"))
    assert ruled["status"] == "decided" and ruled["outcome"] == "dismissed"
    assert any("in force again from 2026-05-12" in r for r in ruled["reasons"])
    assert set(Measure.objects.filter(summons=s).values_list("status", flat=True)) == {"active"}
    assert _check(world, nid) == ["exit_ban"]
    engine.turn(at("2026-05-12", 12), actor=Actor.officer("t"), send=False)
    assert "measure.reinstated" in [e["type"] for e in _feed(world)]

    shown = _json(cli_run("appeal", "show", court["number"], "--json"))
    assert shown["subject"] == {"kind": "summons", "ref": number}
    assert shown["decided_by"] and shown["decided_at"] and shown["suspends"] == court["suspends"]
    assert AuditRecord.objects.filter(action="appeal.filed").count() == 2
    assert AuditRecord.objects.filter(action="person.read", object_type="appeal").count() == 1
    readable = cli_run("appeal", "show", court["number"])
    assert readable.exit_code == 0 and "2: court" in readable.output and "decided: dismissed" in readable.output


def test_allowed_court_appeal_cancels_the_summons_and_lifts_its_measures(world, cli_run):
    s, number = _missed(world, 0)
    court = _json(cli_run("appeal", "file", "--against", f"summons:{number}", "--level", "2", "--reason", "ill",
                          "--at", at("2026-04-06").isoformat(), "--json"))
    assert court["level"] == 2 and len(court["suspends"]) == 7
    ruled = _json(cli_run("appeal", "decide", court["number"], "allowed", "--reason", "summons unlawful",
                          "--at", at("2026-04-20").isoformat(), "--json"))
    assert ruled["outcome"] == "allowed"
    s.refresh_from_db()
    assert s.status == "cancelled" and "appeal" in s.closed_reason
    assert set(Measure.objects.filter(summons=s).values_list("status", flat=True)) == {"lifted"}
    assert _check(world, world["ids"][0]) == []
    assert set(Measure.objects.filter(summons=s).values_list("lifted_on", flat=True)) == {date(2026, 4, 20)}


def test_an_appeal_against_a_measure_filed_late_is_recorded_and_marked_late(world, cli_run):
    s, _ = _missed(world)
    exit_ban = Measure.objects.get(summons=s, kind="exit_ban")  # from placement, 2026-03-02
    filed = _json(cli_run("appeal", "file", "--against", f"measure:{exit_ban.pk}", "--reason", "abroad",
                          "--at", at("2026-06-15").isoformat(), "--json"))
    assert filed["late"] is True and filed["level"] == 1
    appeal = Appeal.objects.get()
    assert appeal.deadline == date(2026, 6, 2) and appeal.status == "open"  # 3 months from 2026-03-02
    ruled = _json(cli_run("appeal", "decide", filed["number"], "allowed", "--reason", "restored the time limit",
                          "--at", at("2026-06-16").isoformat(), "--json"))
    assert ruled["outcome"] == "allowed"
    exit_ban.refresh_from_db()
    assert exit_ban.status == "lifted" and exit_ban.lifted_by == f"appeal:{filed['number']}"


def _refused_excuse(s: Summons, pack_code: str = "ru", version: str | None = None,
                    outcome: str = "refused") -> Application:
    app = Application.objects.create(
        person=s.person, kind="excuse", ground="illness", channel="office", summons=s,
        appearance_date=s.appearance_date, status="decided", submitted_at=at("2026-04-01"),
        submitted_on=date(2026, 4, 1), due_on=date(2026, 4, 15), district=s.district, pack_code=pack_code,
        policy_version=version or s.policy_version, created_by="cli:t")
    Decision.objects.create(application=app, person=s.person, outcome=outcome, reasons=["Refused."],
                            decided_by="cli:t", decided_at=at("2026-04-02"), policy_version=app.policy_version,
                            in_effect=True)
    return app


def test_a_refused_excuse_appealed_and_allowed_goes_back_into_review(world, cli_run):
    s, _ = _missed(world)
    app = _refused_excuse(s)
    filed = _json(cli_run("appeal", "file", "--against", f"application:{app.number}", "--reason", "the certificate",
                          "--at", at("2026-04-06").isoformat(), "--json"))
    assert filed["level"] == 1 and filed["suspends"] == []
    ruled = _json(cli_run("appeal", "decide", filed["number"], "allowed", "--reason", "the certificate is valid",
                          "--at", at("2026-04-08").isoformat(), "--json"))
    app.refresh_from_db()
    assert app.status == "in_review" and app.due_on == date(2026, 4, 22)  # 10 working days after 2026-04-08
    assert any("back in review" in r for r in ruled["reasons"])
    # At the court, the refusal's effect (the summons' measures in force) is suspended.
    court = _json(cli_run("appeal", "file", "--against", f"application:{app.number}", "--reason", "again",
                          "--at", at("2026-04-09").isoformat(), "--json"))
    assert court["level"] == 2 and len(court["suspends"]) == 7


def test_open_appeals_are_queue_items(world, cli_run, ru):
    _, number = _missed(world)
    filed = _json(cli_run("appeal", "file", "--against", f"summons:{number}", "--reason", "r",
                          "--at", at("2026-04-06").isoformat(), "--json"))
    items = appeals.open_items(Actor.officer("t"), ru, date(2026, 4, 20), district="RU-RYA")
    assert items == [{"number": filed["number"], "kind": "appeal", "due_on": date(2026, 4, 13), "urgent": True,
                      "overdue": True, "assigned_to": None}]
    assert appeals.open_items(Actor.officer("t"), ru, date(2026, 4, 7), district="RU-RYA", overdue=True) == []
    with pytest.raises(appeals.AccessDenied):
        appeals.open_items(Actor.officer("t", districts=frozenset({"RU-MOW"})), ru, date(2026, 4, 7),
                           district="RU-RYA")


def test_bad_appeals_are_refused_and_nothing_is_written(world, cli_run):
    s, number = _missed(world)
    against = ("--against", f"summons:{number}", "--reason", "r")

    def refused(*args: str, code: int = 2) -> str:
        before = (Appeal.objects.count(), AuditRecord.objects.count(), Measure.objects.filter(status="active").count())
        result = cli_run("appeal", *args, "--json")
        assert result.exit_code == code, result.output
        assert (Appeal.objects.count(), AuditRecord.objects.count(),
                Measure.objects.filter(status="active").count()) == before
        return str(json.loads(result.stdout)["error"])

    assert "is before" in refused("file", *against, "--at", at("2026-01-05").isoformat())
    assert "in the future" in refused("file", *against, "--at", "2099-01-01T00:00+00:00")
    assert "--against" in refused("file", "--against", "decision:1", "--reason", "r")
    assert "summons number" in refused("file", "--against", "summons:0000999999", "--reason", "r")
    nobody = format_summons_number(summons_number(999999))
    assert f"no summons {nobody}" in refused("file", "--against", f"summons:{nobody}", "--reason", "r", code=4)
    assert "no measure" in refused("file", "--against", "measure:999999", "--reason", "r", code=4)
    assert "--reason" in refused("file", "--against", f"summons:{number}", "--reason", "  ")
    filed = _json(cli_run("appeal", "file", *against, "--level", "2", "--at", at("2026-04-06").isoformat(), "--json"))
    assert "already under appeal at level 2 (court)" in refused("file", *against, "--level", "2")
    assert "not 5" in refused("file", *against, "--level", "5")
    _json(cli_run("appeal", "decide", filed["number"], "dismissed", "--reason", "no", "--json"))
    assert "already decided" in refused("decide", filed["number"], "allowed", "--reason", "again")
    assert "no appeal" in refused("decide", "P-0099999", "allowed", "--reason", "x", code=4)


def test_an_entry_condition_that_does_not_hold_is_refused_with_its_reason(world, cli_run):
    """The registration-only pack's local board hears refusals only, its district appeal board
    only what the local board dismissed."""
    s, _ = _missed(world)
    granted = _refused_excuse(s, "registration-only", "1980-07-02", outcome="granted")
    result = cli_run("appeal", "file", "--against", f"application:{granted.number}", "--reason", "r",
                     "--at", at("2026-04-06").isoformat(), "--json")
    assert result.exit_code == 2 and "against a refused application only" in result.output
    refused = _refused_excuse(s, "registration-only", "1980-07-02")
    result = cli_run("appeal", "file", "--against", f"application:{refused.number}", "--level", "2", "--reason", "r",
                     "--at", at("2026-04-06").isoformat(), "--json")
    assert result.exit_code == 2 and "local board dismissed" in result.output
    assert Appeal.objects.count() == 0


def test_on_a_simulation_an_appeal_without_at_is_filed_at_the_simulated_now(world, cli_run):
    """`appeal file` takes "now" as `application` does: on a simulation, the clock of its last tick,
    so an appeal against a decision taken at the simulated time is not "before" it."""
    s, _ = _missed(world)
    engine.turn(at("2027-03-01"), actor=Actor.officer("t"), send=False)
    app = _refused_excuse(s)
    Decision.objects.filter(application=app).update(decided_at=at("2027-03-01"))
    filed = _json(cli_run("appeal", "file", "--against", f"application:{app.number}", "--reason", "r", "--json"))
    assert filed["level"] == 1 and filed["late"] is False
    assert Appeal.objects.get().filed_at >= at("2027-03-01")


def test_a_grant_set_aside_by_an_allowed_appeal_ends_its_status_the_day_of_the_ruling(ru, people, cli_run):
    from muster.casework import services as casework
    from muster.registry.models import PersonStatus

    officer = Actor.officer("t")
    nid = people(1)[0]
    filed = casework.submit(officer, ru, nid, "deferment", "temporary_unfitness", at=at("2026-03-03"))
    casework.decide(officer, filed["number"], "grant", "category G", until=date(2026, 12, 31), at=at("2026-03-04"))
    status = PersonStatus.objects.get(decision_number=filed["number"])
    assert (status.valid_from, status.valid_until) == (date(2026, 3, 4), date(2026, 12, 31))
    appeal = appeals.file(officer, f"application:{filed['number']}", "the category is wrong", at("2026-03-05"))
    ruled = appeals.decide(officer, appeal["number"], "allowed", "re-examine", at("2026-03-10"))
    status.refresh_from_db()
    assert status.valid_until == date(2026, 3, 9)  # no longer holds from the ruling's day, not from a new decision
    granted = Decision.objects.get(application__person__national_id=nid, outcome="granted")
    assert (granted.in_effect, granted.set_aside_by) == (False, appeal["number"])
    assert any("no longer holds from 2026-03-10" in r for r in ruled["reasons"])
    day_before = _json(cli_run("person", "show", nid, "--on", "2026-03-09", "--purpose", "check", "--json"))
    person = _json(cli_run("person", "show", nid, "--on", "2026-03-10", "--purpose", "check", "--json"))
    assert "deferred" in json.dumps(day_before["liability"]) and "deferred" not in json.dumps(person["liability"])
    # the new decision finds nothing left to end
    again = casework.decide(officer, filed["number"], "refuse", "fit after all", at=at("2026-03-11"))
    assert again["decision"]["outcome"] == "refused"
    status.refresh_from_db()
    assert status.valid_until == date(2026, 3, 9)
