"""The work queue and casework's tick step: filters by district, kind, overdue and urgent (the SQL
filters agree with muster.rules.casework.is_urgent and is_overdue on random data), assignment, and
the tick marking overdue applications and reminding people before a deferment ends, once."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster import engine
from muster.accounts import services as accounts
from muster.casework import services as casework
from muster.casework.models import Appeal, Application, Decision
from muster.delivery.models import PersonMessage
from muster.kernel.actor import Actor
from muster.policy.calendar import working_calendar
from muster.registry.models import Person
from muster.rules.applications import format_number
from muster.rules.casework import is_overdue, is_urgent
from muster.rules.notice_numbers import format_summons_number
from muster.rules.policy import version_in_force
from muster.summons.models import Summons
from tests.conftest import MSK, at, snils

pytestmark = pytest.mark.django_db
OFFICER = Actor.officer("cli:t")
PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _json(result):
    return json.loads(result.stdout)


def test_the_queue_lists_open_applications_earliest_due_first_with_its_filters(ru, people, cli_run):
    rya = people(2, district="RU-RYA")
    tul = people(1, district="RU-TUL", start=10)
    first = casework.submit(OFFICER, ru, rya[0], "deferment", "two_or_more_children", at=at("2026-03-03"))
    second = casework.submit(OFFICER, ru, rya[1], "exemption", "served", at=at("2026-03-02"))
    third = casework.submit(OFFICER, ru, tul[0], "deferment", "two_or_more_children", at=at("2026-03-04"))
    decided = casework.submit(OFFICER, ru, rya[1], "deferment", "two_or_more_children", at=at("2026-03-01"))
    casework.decide(OFFICER, decided["number"], "refuse", "no certificates", at=at("2026-03-05"))

    listed = cli_run("queue", "list", "--now", "2026-03-05T12:00:00+03:00", "--json")
    assert listed.exit_code == 0, listed.output
    items = _json(listed)["items"]
    assert [i["number"] for i in items] == [second["number"], first["number"], third["number"]]
    assert all(set(i) == {"number", "kind", "due_on", "urgent", "overdue", "assigned_to"} for i in items)
    assert not any(i["overdue"] or i["urgent"] for i in items)

    by_district = _json(cli_run("queue", "list", "--district", "RU-TUL", "--now", "2026-03-05T12:00:00+03:00",
                                "--json"))["items"]
    assert [i["number"] for i in by_district] == [third["number"]]
    by_kind = _json(cli_run("queue", "list", "--kind", "exemption", "--now", "2026-03-05T12:00:00+03:00",
                            "--json"))["items"]
    assert [i["number"] for i in by_kind] == [second["number"]]
    late = _json(cli_run("queue", "list", "--overdue", "--now", "2026-04-01T12:00:00+03:00", "--json"))["items"]
    assert {i["number"] for i in late} == {first["number"], second["number"], third["number"]}
    assert all(i["overdue"] for i in late)

    accounts.add_user(OFFICER, "olga", None, False, "registration_officer", ["RU-RYA"])
    assigned = cli_run("queue", "assign", first["number"], "--to", "olga", "--json")
    assert assigned.exit_code == 0, assigned.output
    assert _json(assigned) == {"number": first["number"], "status": "in_review", "assigned_to": "olga"}
    again = _json(cli_run("queue", "list", "--district", "RU-RYA", "--now", "2026-03-05T12:00:00+03:00",
                          "--json"))["items"]
    assert [(i["number"], i["assigned_to"]) for i in again] == [(second["number"], None), (first["number"], "olga")]
    nobody = cli_run("queue", "assign", first["number"], "--to", "nobody", "--json")
    assert nobody.exit_code == 2 and "no active account" in _json(nobody)["error"]
    closed = cli_run("queue", "assign", decided["number"], "--to", "olga", "--json")
    assert closed.exit_code == 2 and "only an open application" in _json(closed)["error"]


def test_an_officer_with_several_districts_names_one(ru, people, cli_run, monkeypatch):
    accounts.add_user(OFFICER, "two", None, False, "registration_officer", ["RU-RYA", "RU-TUL"])
    monkeypatch.setenv("MUSTER_ACTOR", "two")
    result = cli_run("queue", "list", "--json")
    assert result.exit_code == 2 and "name one of your districts" in _json(result)["error"]
    assert cli_run("queue", "list", "--district", "RU-TUL", "--json").exit_code == 0


# Days around the May holidays and the New Year, when working days and calendar days differ most.
todays = st.one_of(st.dates(min_value=date(2026, 4, 20), max_value=date(2026, 5, 20)),
                   st.dates(min_value=date(2026, 12, 20), max_value=date(2027, 1, 20)))
rows = st.lists(st.tuples(st.sampled_from(["RU-RYA", "RU-TUL"]), st.sampled_from(["excuse", "deferment"]),
                          st.integers(min_value=-20, max_value=20),  # due, days from today
                          st.none() | st.integers(min_value=-10, max_value=40),  # appearance, days from today
                          st.sampled_from(["submitted", "in_review", "awaiting_person", "decided", "withdrawn"])),
                min_size=1, max_size=30)


@PROPERTY
@given(today=todays, applications=rows, district=st.none() | st.just("RU-RYA"))
def test_the_queue_filters_agree_with_the_pure_rules(ru, today, applications, district):
    Application.objects.all().delete()
    Person.objects.all().delete()
    person = Person.objects.create(national_id=snils(1), sex="M", birth_date=date(2001, 1, 1), citizenship="RU",
                                   district="RU-RYA")
    made = []
    for d, kind, due, appearance, status in applications:
        made.append(Application.objects.create(
            person=person, kind=kind, ground="illness" if kind == "excuse" else "study", channel="office",
            appearance_date=None if appearance is None else today + timedelta(days=appearance), status=status,
            submitted_at=at("2026-01-15"), submitted_on=date(2026, 1, 15), due_on=today + timedelta(days=due),
            district=d, pack_code="ru", policy_version="ru-2026-01-01", created_by="cli:t"))
    now = at(today.isoformat(), 12).astimezone(MSK)
    version = version_in_force(ru.versions, today)
    calendar = working_calendar(ru, version, today)
    open_ones = [a for a in made if a.status in ("submitted", "in_review", "awaiting_person")
                 and (district is None or a.district == district)]
    for urgent in (False, True):
        for overdue in (False, True):
            got = casework.queue(OFFICER, ru, now, district=district, urgent=urgent, overdue=overdue, limit=1000)
            expected = [a for a in open_ones
                        if (not urgent or is_urgent(version.casework, a.appearance_date, today, calendar))
                        and (not overdue or is_overdue(a.due_on, today, a.status == "awaiting_person"))]
            expected.sort(key=lambda a: (a.due_on, a.pk))
            assert [i["number"] for i in got["items"]] == [format_number(a.pk) for a in expected]
            for item, app in zip(got["items"], expected, strict=True):
                assert item["urgent"] == is_urgent(version.casework, app.appearance_date, today, calendar)
                assert item["overdue"] == is_overdue(app.due_on, today, app.status == "awaiting_person")
                assert not (item["overdue"] and app.status == "awaiting_person")  # paused: never overdue


# (days past the due date when asked, working days waited, overdue while waiting, overdue after resuming)
PAUSES = [(-3, 2, False, False), (0, 5, False, False), (2, 0, False, True), (2, 4, False, True)]


@pytest.mark.parametrize(("asked_after_due", "waited", "overdue_after_due", "overdue_on_resume"), PAUSES)
def test_an_application_waiting_for_the_person_is_never_overdue_and_its_due_date_moves_on_resume(
        ru, people, asked_after_due, waited, overdue_after_due, overdue_on_resume):
    from muster.rules.working_days import add_working_days

    nid = people(1)[0]
    filed = casework.submit(OFFICER, ru, nid, "exemption", "served", at=at("2026-03-03"))
    app = Application.objects.get()
    calendar = working_calendar(ru, version_in_force(ru.versions, app.submitted_on), app.submitted_on)
    asked_on = app.due_on + timedelta(days=asked_after_due)
    if asked_after_due > 0:  # already marked overdue before the request
        assert engine.turn(at(asked_on.isoformat(), 9), actor=OFFICER, send=False)["applications_overdue"] == 1
    casework.request(OFFICER, filed["number"], "the military id", at(asked_on.isoformat(), 10))
    later = max(asked_on, app.due_on) + timedelta(days=10)  # well past the due date, still waiting
    assert engine.turn(at(later.isoformat(), 12), actor=OFFICER, send=False)["applications_overdue"] == 0
    shown = casework.show(OFFICER.for_purpose("t"), filed["number"])
    assert (shown["status"], shown["overdue"]) == ("awaiting_person", overdue_after_due)
    listed = casework.queue(OFFICER, ru, at(later.isoformat(), 12))["items"]
    assert [i["overdue"] for i in listed] == [False]
    assert casework.queue(OFFICER, ru, at(later.isoformat(), 12), overdue=True)["items"] == []
    resumed_on = add_working_days(calendar, asked_on, waited)
    done = casework.resume(OFFICER, filed["number"], at(resumed_on.isoformat(), 11))
    assert done["due_on"] == add_working_days(calendar, app.due_on, done["paused_working_days"])
    [item] = casework.queue(OFFICER, ru, at(resumed_on.isoformat(), 12))["items"]
    assert item["overdue"] == (resumed_on > done["due_on"]) == overdue_on_resume


def test_the_tick_marks_overdue_applications_and_reminds_once_before_a_deferment_ends(ru, people):
    ids = people(5)[4:]
    waiting = casework.submit(OFFICER, ru, ids[0], "exemption", "served", at=at("2026-03-03"))
    due = Application.objects.get().due_on
    granted = casework.submit(OFFICER, ru, ids[0], "deferment", "temporary_unfitness", at=at("2026-03-03"))
    casework.decide(OFFICER, granted["number"], "grant", "category G", until=date(2026, 6, 30), at=at("2026-03-04"))

    on_due = engine.turn(at(due.isoformat(), 12), actor=OFFICER, send=False)
    assert on_due["applications_overdue"] == 0
    after = at((due + timedelta(days=1)).isoformat(), 12)
    assert engine.turn(after, actor=OFFICER, send=False)["applications_overdue"] == 1
    assert engine.turn(after, actor=OFFICER, send=False)["applications_overdue"] == 0
    assert Application.objects.get(kind="exemption").overdue_marked_at is not None
    assert casework.show(OFFICER.for_purpose("t"), waiting["number"])["overdue"]

    assert engine.turn(at("2026-05-30", 12), actor=OFFICER, send=False)["deferment_reminders"] == 0
    assert engine.turn(at("2026-05-31", 12), actor=OFFICER, send=False)["deferment_reminders"] == 1
    assert engine.turn(at("2026-05-31", 12), actor=OFFICER, send=False)["deferment_reminders"] == 0
    assert engine.turn(at("2026-06-10", 12), actor=OFFICER, send=False)["deferment_reminders"] == 0
    message = PersonMessage.objects.get(topic="deferment.ending")
    assert message.details["period_until"] == "2026-06-30" and message.details["liable_again_from"] == "2026-07-01"
    assert Decision.objects.get(application__kind="deferment").reminded_at is not None


def test_one_queue_lists_open_applications_and_appeals_by_due_date_and_assigns_both(world, ru, cli_run,
                                                                                   monkeypatch):
    """Applications and appeals in one queue, by due date then number; `--kind appeal` keeps the
    appeals only, another kind only applications; `queue assign` takes A-… and P-… numbers and
    refuses an officer of another district."""
    person = Person.objects.get(national_id=world["ids"][0])
    s = Summons.objects.get(person=person)
    app = casework.submit(OFFICER, ru, world["ids"][1],
                          "deferment", "two_or_more_children", at=at("2026-04-06"))
    appeal = _json(cli_run("appeal", "file", "--against", f"summons:{format_summons_number(s.number)}",
                           "--reason", "never received it", "--at", at("2026-04-06").isoformat(), "--json"))
    now = ("--now", "2026-04-07T12:00:00+03:00")
    items = _json(cli_run("queue", "list", "--district", "RU-RYA", *now, "--json"))["items"]
    assert [(i["number"], i["kind"]) for i in items] == [(appeal["number"], "appeal"), (app["number"], "deferment")]
    assert all(set(i) == {"number", "kind", "due_on", "urgent", "overdue", "assigned_to"} for i in items)
    assert items[0]["due_on"] == "2026-04-13" and items[0]["due_on"] < items[1]["due_on"]
    only_appeals = _json(cli_run("queue", "list", "--kind", "appeal", *now, "--json"))["items"]
    assert [i["number"] for i in only_appeals] == [appeal["number"]]
    only_deferments = _json(cli_run("queue", "list", "--kind", "deferment", *now, "--json"))["items"]
    assert [i["number"] for i in only_deferments] == [app["number"]]
    assert [i["number"] for i in _json(cli_run("queue", "list", "--limit", "1", *now, "--json"))["items"]] == [
        appeal["number"]]
    late = _json(cli_run("queue", "list", "--overdue", "--now", "2026-04-14T12:00:00+03:00", "--json"))["items"]
    assert [i["number"] for i in late] == [appeal["number"]] and late[0]["overdue"]

    accounts.add_user(OFFICER, "olga", None, False, "registration_officer", ["RU-RYA"])
    assert _json(cli_run("queue", "assign", appeal["number"], "--to", "olga", "--json")) == {
        "number": appeal["number"], "status": "open", "assigned_to": "olga"}
    assert _json(cli_run("queue", "assign", app["number"], "--to", "olga", "--json"))["assigned_to"] == "olga"
    again = _json(cli_run("queue", "list", *now, "--json"))["items"]
    assert [i["assigned_to"] for i in again] == ["olga", "olga"]
    assert cli_run("queue", "assign", "P-0099999", "--to", "olga", "--json").exit_code == 4

    accounts.add_user(OFFICER, "tula", None, False, "registration_officer", ["RU-TUL"])
    monkeypatch.setenv("MUSTER_ACTOR", "tula")
    for number in (appeal["number"], app["number"]):
        refused = cli_run("queue", "assign", number, "--to", "tula", "--json")
        assert refused.exit_code == 2 and "not allowed" in refused.output.lower(), refused.output
    assert Appeal.objects.get().assigned_to.get_username() == "olga"
