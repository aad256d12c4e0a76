"""Applications and decisions through the command line and the services: filing, deciding,
confirming, and the effects in the same transaction (statuses and liability, summonses cancelled
or excused, measures lifted the same day, partners' feed, the person's message); the bad input
issue 12 lists, each refused with nothing written."""

from __future__ import annotations

import json
from datetime import date

import pytest

from muster import engine
from muster.accounts import services as accounts
from muster.audit.models import AuditRecord
from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.casework import services as casework
from muster.casework.models import Application, Decision, EvidenceFile
from muster.delivery.models import PersonMessage
from muster.kernel.actor import Actor, Role
from muster.ledger.models import Event
from muster.measures.models import Measure
from muster.partners import feed, keys
from muster.partners.models import FeedEntry
from muster.registry.models import Person, PersonStatus
from muster.rules.notice_numbers import format_summons_number
from muster.summons.models import Summons
from tests.conftest import at, snils
from tests.fixtures.evidence import craft

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02")
LATER = at("2026-04-05")  # past the grace days: the summonses are missed, the six measures in force
PDF = craft.one_page_pdf()
OFFICER = Actor.officer("cli:t")


def _issue(ru, people, count=2, code="C", district="RU-RYA"):
    ids = people(count, district=district)
    campaigns.create(ru, campaigns.CampaignRequest(code=code, purpose="call_up", districts={district: count},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                   place="x"), actor=OFFICER, today=NOW.date())
    issuing.issue(campaigns.get(code), NOW, actor=OFFICER)
    return ids


def _summons_of(national_id: str) -> Summons:
    return Summons.objects.get(person__national_id=national_id)


def _json(result):
    return json.loads(result.stdout)


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.MUSTER_EVIDENCE_DIR = tmp_path / "evidence"
    return settings.MUSTER_EVIDENCE_DIR


@pytest.fixture
def evidence_file(tmp_path):
    path = tmp_path / "sick-note.pdf"
    path.write_bytes(PDF)
    return path


def test_an_accepted_excuse_closes_the_summons_lifts_its_measures_that_day_and_tells_everyone(
        ru, people, cli_run, evidence_file):
    ids = _issue(ru, people)
    keys.add("Bureau", ["credit_ban"], "", actor=OFFICER)
    engine.turn(LATER, actor=OFFICER, send=False)
    summons = _summons_of(ids[0])
    assert summons.status == "missed"
    assert Measure.objects.filter(summons=summons, status="active").count() == 7
    number = format_summons_number(summons.number)

    filed = cli_run("application", "submit", "--person", ids[0], "--kind", "excuse", "--ground", "illness",
                    "--summons", number, "--evidence", str(evidence_file), "--at", "2026-04-06T10:00:00+03:00",
                    "--json")
    assert filed.exit_code == 0, filed.output
    data = _json(filed)
    assert set(data) == {"number", "status", "due_on", "decision"}
    assert data["status"] == "submitted" and data["decision"] is None and data["number"].startswith("A-")
    # Ten working days after Monday 2026-04-06.
    assert data["due_on"] == "2026-04-20"

    decided = cli_run("application", "decide", data["number"], "grant", "--reason", "sick note from the clinic",
                      "--at", "2026-04-07T11:00:00+03:00", "--json")
    assert decided.exit_code == 0, decided.output
    decision = _json(decided)["decision"]
    assert decision["outcome"] == "granted" and decision["in_effect"]
    summons.refresh_from_db()
    assert summons.status == "excused"
    measures = Measure.objects.filter(summons=summons)
    assert {m.status for m in measures} == {"lifted"} and {m.lifted_on for m in measures} == {date(2026, 4, 7)}
    # Partners see the lift in their feed; the person has a message about the decision.
    feed.publish(at("2026-04-07", 12))
    lifted = FeedEntry.objects.filter(partner__name="Bureau", type="measure.lifted", person_id=summons.person_id)
    assert lifted.count() == 1
    message = PersonMessage.objects.get(person_id=summons.person_id, topic="decision.made")
    assert message.details["outcome"] == "granted" and message.details["application"] == data["number"]

    shown = _json(cli_run("application", "show", data["number"], "--json"))
    assert {"number", "person", "kind", "ground", "status", "submitted_at", "due_on", "urgent", "evidence",
            "decision"} <= set(shown)
    assert shown["status"] == "decided" and shown["kind"] == "excuse" and shown["ground"] == "illness"
    assert shown["evidence"] == [{"name": "sick-note.pdf", "sha256": EvidenceFile.objects.get().sha256,
                                  "size": len(PDF), "type": "application/pdf"}]
    assert {"outcome", "reasons", "legal_basis", "decided_by", "decided_at", "period_from", "period_until",
            "policy_version", "appeal_deadline"} <= set(shown["decision"])
    assert shown["decision"]["legal_basis"] == "Federal Law 53-FZ Art. 7 para 2(a)"
    assert any("sick note from the clinic" in r for r in shown["decision"]["reasons"])
    assert any(number in r and "excused" in r for r in shown["decision"]["reasons"])
    assert shown["decision"]["policy_version"] == "ru-2026-01-01"
    # The officer's read of the application is in the person's access log.
    assert AuditRecord.objects.filter(action="person.read", object_type="application",
                                      object_id=data["number"]).count() == 1


def test_a_study_deferment_makes_the_person_not_liable_until_its_last_day_and_cancels_call_ups(
        ru, people, cli_run):
    ids = _issue(ru, people, count=5)[4:]  # born in 2001: still of call-up age in 2027
    summons = _summons_of(ids[0])
    assert Measure.objects.filter(summons=summons, status="active").count() == 1  # the exit ban from placement
    filed = _json(cli_run("application", "submit", "--person", ids[0], "--kind", "deferment", "--ground", "study",
                          "--until", "2027-06-30", "--at", "2026-03-03T10:00:00+03:00", "--json"))
    assert filed["status"] == "submitted"
    decided = cli_run("application", "decide", filed["number"], "grant", "--reason", "enrolment certificate",
                      "--at", "2026-03-04T10:00:00+03:00", "--json")
    assert decided.exit_code == 0, decided.output
    decision = _json(decided)["decision"]
    assert decision["period_from"] == "2026-03-04" and decision["period_until"] == "2027-06-30"
    # The summons with its appearance date inside the period is cancelled, its exit ban lifted that day.
    summons.refresh_from_db()
    assert summons.status == "cancelled"
    ban = Measure.objects.get(summons=summons)
    assert ban.status == "lifted" and ban.lifted_on == date(2026, 3, 4)

    on_last_day = _json(cli_run("person", "show", ids[0], "--on", "2027-06-30", "--json"))["liability"]
    assert not on_last_day["liable"] and on_last_day["code"] == "deferred"
    assert (f"not liable: deferred: full-time study until 2027-06-30 (decision {filed['number']})"
            in on_last_day["reasons"])
    after = _json(cli_run("person", "show", ids[0], "--on", "2027-07-01", "--json"))["liability"]
    assert after["liable"]
    status = PersonStatus.objects.get(decision_number=filed["number"])
    assert (status.kind, status.valid_from, status.valid_until) == ("deferred", date(2026, 3, 4), date(2027, 6, 30))


def test_a_refusal_gives_the_appeal_route_and_deadline(ru, people, cli_run):
    ids = people(1)
    filed = casework.submit(OFFICER, ru, ids[0], "deferment", "it_employee", at=at("2026-03-03"))
    result = casework.decide(OFFICER, filed["number"], "refuse", "not an accredited company", at=at("2026-03-04"))
    decision = result["decision"]
    assert decision["outcome"] == "refused" and decision["period_from"] is None
    # Level 1: the regional draft commission, within 3 months of the decision.
    assert decision["appeal_deadline"] == date(2026, 6, 4)
    assert any("regional draft commission" in r and "2026-06-04" in r for r in decision["reasons"])
    assert not PersonStatus.objects.exists()
    assert PersonMessage.objects.filter(topic="decision.made").count() == 1


def test_an_exemption_waits_for_a_second_officer_who_is_not_the_first(ru, people, cli_run, monkeypatch):
    ids = people(1)
    accounts.add_user(OFFICER, "bob", None, False, "registration_officer", ["RU-RYA"])
    filed = _json(cli_run("application", "submit", "--person", ids[0], "--kind", "exemption", "--ground",
                          "academic_degree", "--at", "2026-03-03T10:00:00+03:00", "--json"))
    decided = _json(cli_run("application", "decide", filed["number"], "grant", "--reason", "diploma seen",
                            "--at", "2026-03-04T10:00:00+03:00", "--json"))
    assert decided["status"] == "in_review" and decided["decision"]["needs_confirmation"]
    assert not decided["decision"]["in_effect"] and not PersonStatus.objects.exists()
    assert not PersonMessage.objects.exists()

    own = cli_run("application", "confirm", filed["number"], "--json")
    assert own.exit_code == 2 and "you decided it" in _json(own)["error"]
    again = cli_run("application", "decide", filed["number"], "refuse", "--reason", "x", "--json")
    assert again.exit_code == 2 and "decided already" in _json(again)["error"]

    monkeypatch.setenv("MUSTER_ACTOR", "bob")
    confirmed = cli_run("application", "confirm", filed["number"], "--at", "2026-03-05T10:00:00+03:00", "--json")
    assert confirmed.exit_code == 0, confirmed.output
    data = _json(confirmed)
    assert data["status"] == "decided" and data["decision"]["confirmed_by"] == "cli:bob"
    status = PersonStatus.objects.get()
    assert status.kind == "exempt" and status.valid_until is None
    assert f"(decision {filed['number']})" in status.reason
    liability = _json(cli_run("person", "show", ids[0], "--on", "2026-06-01", "--json"))["liability"]
    assert liability["code"] == "exempt"
    twice = cli_run("application", "confirm", filed["number"], "--json")
    assert twice.exit_code == 2 and "confirmed already" in _json(twice)["error"]


def test_list_and_withdraw(ru, people, cli_run):
    ids = people(1)
    first = casework.submit(OFFICER, ru, ids[0], "deferment", "two_or_more_children", at=at("2026-03-03"))
    second = casework.submit(OFFICER, ru, ids[0], "exemption", "served", at=at("2026-03-03", 10))
    withdrawn = cli_run("application", "withdraw", second["number"], "--json")
    assert withdrawn.exit_code == 0 and _json(withdrawn)["status"] == "withdrawn"
    listed = _json(cli_run("application", "list", "--person", ids[0], "--json"))
    assert [(i["number"], i["status"]) for i in listed["items"]] == [(first["number"], "submitted"),
                                                                     (second["number"], "withdrawn")]
    late = cli_run("application", "decide", second["number"], "grant", "--reason", "x", "--json")
    assert late.exit_code == 2 and "withdrawn" in _json(late)["error"]


# --- bad input: each refused, nothing written ------------------------------------------------------

def _nothing_filed():
    assert not Application.objects.exists() and not EvidenceFile.objects.exists()
    assert not AuditRecord.objects.filter(action="application.submit").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--kind", "deferment", "--ground", "astrology"], "unknown deferment ground 'astrology'"),
    (["--kind", "deferment", "--ground", "illness"], "'illness' is a ground of excuse, not of deferment"),
    (["--kind", "excuse", "--ground", "illness"], "an excuse names the summons it excuses"),
    (["--kind", "deferment", "--ground", "temporary_unfitness", "--until", "2028-01-01"],
     "longer than ground temporary_unfitness allows"),
    (["--kind", "exemption", "--ground", "served", "--until", "2027-01-01"], "only a deferment"),
    (["--kind", "deferment", "--ground", "study", "--at", "1990-01-01T10:00:00+03:00"], "the person's birth"),
    (["--kind", "deferment", "--ground", "study", "--at", "2099-01-01T10:00:00+03:00"], "in the future"),
])
def test_bad_applications_are_refused_and_leave_nothing(ru, people, cli_run, args, message):
    ids = people(1)
    at_args = [] if "--at" in args else ["--at", "2026-03-03T10:00:00+03:00"]
    result = cli_run("application", "submit", "--person", ids[0], *args, *at_args, "--json")
    assert result.exit_code == 2, result.output
    assert message in _json(result)["error"]
    _nothing_filed()


def test_an_excuse_for_another_persons_summons_is_refused(ru, people, cli_run):
    ids = _issue(ru, people)
    others = format_summons_number(_summons_of(ids[1]).number)
    result = cli_run("application", "submit", "--person", ids[0], "--kind", "excuse", "--ground", "illness",
                     "--summons", others, "--at", "2026-03-03T10:00:00+03:00", "--json")
    assert result.exit_code == 2 and "is not this person's" in _json(result)["error"]
    _nothing_filed()


def test_a_bad_evidence_file_leaves_no_application(ru, people, cli_run, tmp_path, evidence_file):
    ids = people(1)
    fake = tmp_path / "note.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf at all")
    result = cli_run("application", "submit", "--person", ids[0], "--kind", "deferment", "--ground",
                     "two_or_more_children", "--evidence", str(evidence_file), "--evidence", str(fake), "--json")
    assert result.exit_code == 2 and "note.pdf" in _json(result)["error"]
    _nothing_filed()


def test_a_period_longer_than_the_ground_allows_is_refused_at_decision(ru, people):
    ids = people(1)
    filed = casework.submit(OFFICER, ru, ids[0], "deferment", "temporary_unfitness", at=at("2026-03-03"))
    with pytest.raises(casework.CaseworkError, match="longer than ground temporary_unfitness allows"):
        casework.decide(OFFICER, filed["number"], "grant", "category G", until=date(2027, 3, 10),
                        at=at("2026-03-04"))
    assert not Decision.objects.exists() and not PersonStatus.objects.exists()
    decided = casework.decide(OFFICER, filed["number"], "grant", "category G", at=at("2026-03-04"))
    assert decided["decision"]["period_until"] == date(2027, 3, 3)  # at most 12 months from the decision


def test_deciding_twice_is_refused(ru, people):
    ids = people(1)
    filed = casework.submit(OFFICER, ru, ids[0], "deferment", "two_or_more_children", at=at("2026-03-03"))
    casework.decide(OFFICER, filed["number"], "grant", "birth certificates", at=at("2026-03-04"))
    with pytest.raises(casework.CaseworkError, match="decided already"):
        casework.decide(OFFICER, filed["number"], "refuse", "changed my mind", at=at("2026-03-05"))
    assert Decision.objects.count() == 1 and PersonStatus.objects.count() == 1


def test_an_officer_of_another_district_may_not_file_see_or_decide(ru, people, cli_run, monkeypatch):
    ids = people(1)  # RU-RYA
    accounts.add_user(OFFICER, "moscow", None, False, "registration_officer", ["RU-MOW"])
    filed = casework.submit(OFFICER, ru, ids[0], "deferment", "two_or_more_children", at=at("2026-03-03"))
    monkeypatch.setenv("MUSTER_ACTOR", "moscow")
    for args in (["application", "submit", "--person", ids[0], "--kind", "exemption", "--ground", "served"],
                 ["application", "show", filed["number"]],
                 ["application", "decide", filed["number"], "grant", "--reason", "x"],
                 ["application", "list", "--person", ids[0]],
                 ["queue", "list", "--district", "RU-RYA"],
                 ["queue", "assign", filed["number"], "--to", "moscow"]):
        result = cli_run(*args, "--json")
        assert result.exit_code == 2, (args, result.output)
        assert "not allowed" in _json(result)["error"] and "outside your districts" in _json(result)["error"]
    assert Application.objects.count() == 1 and not Decision.objects.exists()


def test_a_person_files_only_for_themself(ru, people):
    ids = people(2)
    me = Person.objects.get(national_id=ids[0])
    own = casework.submit(Actor.person(me.pk), ru, ids[0], "deferment", "two_or_more_children",
                          at=at("2026-03-03"), channel="portal")
    assert Application.objects.get().channel == "portal" and own["status"] == "submitted"
    with pytest.raises(casework.AccessDenied, match="only for themself"):
        casework.submit(Actor.person(me.pk), ru, ids[1], "deferment", "two_or_more_children", at=at("2026-03-03"))
    with pytest.raises(casework.AccessDenied):
        casework.decide(Actor.person(me.pk), own["number"], "grant", "x", at=at("2026-03-04"))
    assert Role.PERSON == "person"


def test_unknown_numbers(ru, cli_run):
    bad = cli_run("application", "show", "X-12", "--json")
    assert bad.exit_code == 2 and "not an application number" in _json(bad)["error"]
    missing = cli_run("application", "show", "A-0000999", "--json")
    assert missing.exit_code == 4 and "no application A-0000999" in _json(missing)["error"]
    assert snils(1) and not Event.objects.filter(type="decision.made").exists()


def test_alternative_service_takes_the_person_out_of_call_up_and_into_alternative_service_campaigns(ru, people):
    ids = people(3)
    filed = casework.submit(OFFICER, ru, ids[0], "alternative_service", "convictions_or_religion",
                            at=at("2026-02-02"))
    decided = casework.decide(OFFICER, filed["number"], "grant", "heard at the open meeting", at=at("2026-02-03"))
    assert decided["status"] == "decided" and decided["decision"]["in_effect"]
    assert PersonStatus.objects.get().kind == "alternative_service"
    for code, purpose in (("CALL", "call_up"), ("ALT", "alternative_service")):
        campaigns.create(ru, campaigns.CampaignRequest(code=code, purpose=purpose, districts={"RU-RYA": 3},
                                                       appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                       place="x"), actor=OFFICER, today=NOW.date())
        issuing.issue(campaigns.get(code), NOW, actor=OFFICER)
    called = set(Summons.objects.filter(campaign__code="CALL").values_list("person__national_id", flat=True))
    alternative = set(Summons.objects.filter(campaign__code="ALT").values_list("person__national_id", flat=True))
    assert called == {ids[1], ids[2]} and alternative == {ids[0]}


def test_refusing_alternative_service_needs_a_second_officer_and_names_the_court(ru, people):
    ids = people(1)
    accounts.add_user(OFFICER, "bob", None, False, "registration_officer", ["RU-RYA"])
    filed = casework.submit(OFFICER, ru, ids[0], "alternative_service", "convictions_or_religion",
                            at=at("2026-02-02"))
    decided = casework.decide(OFFICER, filed["number"], "refuse", "filed after the deadline", at=at("2026-02-03"))
    assert decided["decision"]["needs_confirmation"] and not decided["decision"]["in_effect"]
    assert any("court (113-FZ Art. 12 para 6)" in r for r in decided["decision"]["reasons"])
    confirmed = casework.confirm(accounts.actor_for("bob"), filed["number"], at=at("2026-02-04"))
    assert confirmed["decision"]["in_effect"] and confirmed["status"] == "decided"
    assert PersonMessage.objects.filter(topic="decision.made").count() == 1 and not PersonStatus.objects.exists()


def test_an_excuse_for_a_summons_closed_meanwhile_cannot_take_effect_and_writes_nothing(ru, people):
    ids = _issue(ru, people, count=1)
    summons = _summons_of(ids[0])
    number = format_summons_number(summons.number)
    filed = casework.submit(OFFICER, ru, ids[0], "excuse", "illness", summons_number=number, at=at("2026-03-03"))
    outcomes_before = Event.objects.count()
    from muster.summons import outcomes

    outcomes.record(number, "appeared", at("2026-03-10"), actor=OFFICER)
    with pytest.raises(casework.CaseworkError, match="cannot take effect: summons .* it is already appeared"):
        casework.decide(OFFICER, number=filed["number"], verdict="grant", reason="sick note", at=at("2026-03-11"))
    assert not Decision.objects.exists() and not PersonMessage.objects.exists()
    assert Application.objects.get().status == "submitted"
    assert Event.objects.count() == outcomes_before + 2  # summons.appeared and the exit ban's measure.lifted


def test_an_officer_reads_it_all_as_text(ru, people, cli_run, evidence_file):
    ids = _issue(ru, people, count=1)
    number = format_summons_number(_summons_of(ids[0]).number)
    filed = cli_run("application", "submit", "--person", ids[0], "--kind", "excuse", "--ground", "illness",
                    "--summons", number, "--evidence", str(evidence_file), "--at", "2026-03-03T10:00:00+03:00")
    assert filed.exit_code == 0 and "application A-" in filed.output and "due on" in filed.output
    app = Application.objects.get().number
    decided = cli_run("application", "decide", app, "grant", "--reason", "sick note", "--at",
                      "2026-03-04T10:00:00+03:00")
    assert decided.exit_code == 0, decided.output
    assert f"summons {number} excused" in decided.output and "exit_ban" in decided.output
    shown = cli_run("application", "show", app)
    assert shown.exit_code == 0 and "sick-note.pdf" in shown.output and "Reason given: sick note." in shown.output
    listed = cli_run("application", "list", "--person", ids[0])
    assert f"{app}  excuse" in listed.output and "granted" in listed.output
    assert "the queue is empty" in cli_run("queue", "list").output


def test_an_unsafe_evidence_folder_is_a_configuration_error_and_files_nothing(ru, people, cli_run, evidence_dir,
                                                                               evidence_file):
    ids = people(1)
    evidence_dir.mkdir(mode=0o700)
    evidence_dir.chmod(0o755)
    result = cli_run("application", "submit", "--person", ids[0], "--kind", "deferment", "--ground",
                     "two_or_more_children", "--evidence", str(evidence_file), "--json")
    assert result.exit_code == 2 and _json(result)["error"].startswith("configuration: MUSTER_EVIDENCE_DIR")
    _nothing_filed()


def _excuse_refused_then_court(ru, people, cli_run):
    """A missed summons, its excuse refused, appealed to the court (which suspends the summons'
    seven measures) and allowed: the application is back in review."""
    ids = _issue(ru, people)
    engine.turn(LATER, actor=OFFICER, send=False)
    summons = _summons_of(ids[0])
    app = casework.submit(OFFICER, ru, ids[0], "excuse", "illness", summons_number=format_summons_number(summons.number),
                          at=at("2026-04-06", 10))
    casework.decide(OFFICER, app["number"], "refuse", "no sick note", at=at("2026-04-07", 10))
    court = _json(cli_run("appeal", "file", "--against", f"application:{app['number']}", "--level", "2",
                          "--reason", "the clinic was closed", "--at", at("2026-04-08", 10).isoformat(), "--json"))
    assert len(court["suspends"]) == 7
    _json(cli_run("appeal", "decide", court["number"], "allowed", "--reason", "a new decision is due",
                  "--at", at("2026-04-09", 10).isoformat(), "--json"))
    assert Application.objects.get().status == "in_review"
    return app["number"], court["number"], summons


def test_a_reopened_application_is_decided_again_and_a_new_refusal_reinstates_what_the_appeal_suspended(
        ru, people, cli_run):
    number, appeal, summons = _excuse_refused_then_court(ru, people, cli_run)
    assert set(Measure.objects.filter(summons=summons).values_list("status", flat=True)) == {"suspended"}
    again = cli_run("application", "decide", number, "refuse", "--reason", "the note is not genuine",
                    "--at", at("2026-04-10", 10).isoformat(), "--json")
    assert again.exit_code == 0, again.output
    assert _json(again)["status"] == "decided" and _json(again)["decision"]["outcome"] == "refused"
    assert set(Measure.objects.filter(summons=summons).values_list("status", flat=True)) == {"active"}
    reinstated = Event.objects.filter(type="measure.reinstated", person_id=summons.person_id)
    assert reinstated.count() == 7 and {e.payload.get("by") for e in reinstated} == {f"appeal:{appeal}"}
    third = cli_run("application", "decide", number, "grant", "--reason", "x", "--json")
    assert third.exit_code == 2 and "decided already" in _json(third)["error"]
    assert Decision.objects.count() == 2


def test_a_grant_on_a_reopened_application_lifts_what_the_appeal_suspended(ru, people, cli_run):
    number, appeal, summons = _excuse_refused_then_court(ru, people, cli_run)
    granted = _json(cli_run("application", "decide", number, "grant", "--reason", "sick note accepted",
                            "--at", at("2026-04-10", 10).isoformat(), "--json"))
    assert granted["decision"]["outcome"] == "granted"
    summons.refresh_from_db()
    assert summons.status == "excused"
    assert set(Measure.objects.filter(summons=summons).values_list("status", flat=True)) == {"lifted"}


def test_reversing_a_granted_deferment_ends_the_status_it_made(ru, people, cli_run):
    ids = people(1)
    app = casework.submit(OFFICER, ru, ids[0], "deferment", "temporary_unfitness", at=at("2026-03-03"))
    casework.decide(OFFICER, app["number"], "grant", "category G", until=date(2026, 12, 31), at=at("2026-03-04"))
    status = PersonStatus.objects.get()
    assert status.valid_until == date(2026, 12, 31)
    before = cli_run("application", "decide", app["number"], "refuse", "--reason", "x", "--json")
    assert before.exit_code == 2 and "decided already" in _json(before)["error"]
    appeal = _json(cli_run("appeal", "file", "--against", f"application:{app['number']}", "--reason", "wrong",
                           "--at", at("2026-03-10").isoformat(), "--json"))
    _json(cli_run("appeal", "decide", appeal["number"], "allowed", "--reason", "the category was wrong",
                  "--at", at("2026-03-12").isoformat(), "--json"))
    # set aside, the grant holds no longer from the ruling's day (not only from a new decision's)
    assert PersonStatus.objects.get().valid_until == date(2026, 3, 11)
    refused = cli_run("application", "decide", app["number"], "refuse", "--reason", "fit after all",
                      "--at", at("2026-03-16").isoformat(), "--json")
    assert refused.exit_code == 0, refused.output
    assert PersonStatus.objects.get().valid_until == date(2026, 3, 11)  # the new decision finds nothing to end
    assert not Decision.objects.filter(outcome="granted", in_effect=True).exists()


def test_waiting_for_the_person_pauses_the_due_date_and_new_evidence_resumes_it(ru, people, cli_run, evidence_file):
    ids = people(2)
    app = casework.submit(OFFICER, ru, ids[0], "deferment", "two_or_more_children", at=at("2026-03-03"))
    assert str(Application.objects.get().due_on) == "2026-03-18"  # 9 March is the 8 March holiday moved
    asked = cli_run("application", "request", app["number"], "--what", "the birth certificate of the second child",
                    "--at", at("2026-03-05", 10).isoformat(), "--json")
    assert asked.exit_code == 0, asked.output
    assert _json(asked) == {"number": app["number"], "status": "awaiting_person",
                            "what": "the birth certificate of the second child", "awaiting_since": "2026-03-05"}
    message = PersonMessage.objects.get(topic="application.awaiting_person")
    assert "the birth certificate of the second child" in message.details["text"]
    again = cli_run("application", "request", app["number"], "--what", "x", "--json")
    assert again.exit_code == 2 and "is awaiting person" in _json(again)["error"]
    other = Person.objects.get(national_id=ids[1])
    with pytest.raises(casework.AccessDenied):
        casework.resume(Actor.person(other.pk), app["number"], at("2026-03-11", 10))
    # The person sends it on Wednesday 11 March: 6, 10 and 11 March were working days spent waiting.
    me = Person.objects.get(national_id=ids[0])
    back = casework.resume(Actor.person(me.pk), app["number"], at("2026-03-11", 10),
                           [casework.EvidenceInput("certificate.pdf", PDF)])
    assert back == {"number": app["number"], "status": "in_review", "due_on": date(2026, 3, 23),
                    "paused_working_days": 3}
    assert EvidenceFile.objects.get().name == "certificate.pdf"
    not_waiting = cli_run("application", "resume", app["number"], "--json")
    assert not_waiting.exit_code == 2 and "not waiting" in _json(not_waiting)["error"]
    # An officer's resume, the same day it was asked: no working day spent, the due date stays.
    cli_run("application", "request", app["number"], "--what", "a signature", "--at", at("2026-03-12", 9).isoformat())
    same_day = _json(cli_run("application", "resume", app["number"], "--evidence", str(evidence_file),
                             "--at", at("2026-03-12", 15).isoformat(), "--json"))
    assert (same_day["due_on"], same_day["paused_working_days"]) == ("2026-03-23", 0)
    casework.decide(OFFICER, app["number"], "refuse", "no", at=at("2026-03-13"))
    decided = cli_run("application", "request", app["number"], "--what", "x", "--json")
    assert decided.exit_code == 2 and "only an application submitted or in review" in _json(decided)["error"]
