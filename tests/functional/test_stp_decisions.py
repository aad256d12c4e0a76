"""Straight-through decisions by system:stp: the set-based batch (muster.casework.stp) decides each
ready fact as the pure rule does, applied person by person (grant, renew, end or an officer, the
same period, the same reasons), end to end through the partner API and `muster tick`."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.casework import stp
from muster.casework.models import Application, Decision
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.ledger.models import Event
from muster.partners import keys, stp_batch
from muster.partners.models import Partner, RegisterFact
from muster.policy.calendar import working_calendar
from muster.policy.models import StraightThroughSwitch
from muster.registry.models import Person, PersonStatus
from muster.rules.applications import appeal_deadline_of
from muster.rules.casework import ground_of
from muster.rules.straight_through import OFFICER, decide_action, rules_for
from tests.conftest import snils

pytestmark = pytest.mark.django_db
ADMIN = Actor.officer("t")
UNKNOWN = snils(9000)
PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
RULES = ["study_enrolment", "study_ended", "it_days_employed", "it_recent_graduate", "it_left_accredited"]


@pytest.fixture
def registers(ru, people):
    ids = people(6)
    key = keys.add("Education", ["exit_ban"], "", actor=ADMIN, submit=["enrolment", "medical", "employment"])["api_key"]
    return {"ids": ids, "key": key, "today": today_in(ru, timezone.now())}


def _days(today: date, lo: int, hi: int):
    return st.integers(lo, hi).map(lambda d: (today + timedelta(days=d)).isoformat())


def _enrolment(today: date):
    return st.fixed_dictionaries({
        "status": st.sampled_from(["enrolled", "enrolled", "graduated", "expelled"]),
        "full_time": st.booleans(), "level": st.sampled_from(["bachelor", "master", "postgraduate"]),
        "expected_end": _days(today, -30, 3000)})


def _employment(today: date):
    return st.fixed_dictionaries({
        "accredited": st.booleans(), "days_employed": st.integers(300, 400),
        "hired_on": _days(today, -400, 0), "diploma_on": _days(today, -800, -100)})


def _existing(person_id: int, ground: str, state: str, today: date, version: str) -> None:
    """A deferment granted earlier on `ground`: in force (with or without an end) or ended."""
    if state == "none":
        return
    until = {"in_force": today + timedelta(days=100), "open": None, "ended": today - timedelta(days=10)}[state]
    since = today - timedelta(days=200)
    app = Application.objects.create(person_id=person_id, kind="deferment", ground=ground, channel="office",
                                     status="decided", submitted_at=timezone.now(), submitted_on=since,
                                     due_on=since, district="RU-RYA", pack_code="ru", policy_version=version,
                                     created_by="t")
    Decision.objects.create(application=app, person_id=person_id, outcome="granted", decided_by="t",
                            decided_at=timezone.now(), period_from=since, period_until=until,
                            policy_version=version, in_effect=True)
    PersonStatus.objects.create(person_id=person_id, kind="deferred", valid_from=since, valid_until=until,
                                reason="deferred", decision_number=app.number)


@st.composite
def _case(draw, today: date):
    people = []
    for _ in range(6):
        source = draw(st.sampled_from(["enrolment", "employment"]))
        facts = draw(_enrolment(today) if source == "enrolment" else _employment(today))
        states = {g: draw(st.sampled_from(["none", "in_force", "open", "ended"])) for g in ("study", "it_employee")}
        people.append((source, facts, states))
    return people, draw(st.sets(st.sampled_from(RULES), max_size=2))


def _expected(ru, source, facts, states, person_id, today, off):
    """The pure rule, applied to this one person as casework knows them before the batch."""
    version = ru.version(RegisterFact.objects.filter(person_id=person_id).get().policy_version)
    action = decide_action(rules_for(version.casework, source), facts, today, switched_off=off)
    if action.action == OFFICER:
        return None, None, None
    ground = ground_of(version.casework, action.rule.kind, action.rule.ground)
    status = PersonStatus.objects.filter(person_id=person_id, decision_number__gt="",
                                         reason="deferred").order_by("id")
    in_force = None
    for s in status:
        app = Application.objects.get(pk=int(s.decision_number[2:]))
        if app.ground == ground.code and s.valid_from <= today and (s.valid_until is None or s.valid_until >= today):
            in_force = stp.InForce(s.pk, s.decision_number, s.valid_from, s.valid_until)
    used = states[ground.code] != "none"
    found = stp.fit(action.rule, ground, facts, today, in_force, used)
    calendar = working_calendar(ru, version, today)
    return found, stp.reasons_for(version, action.rule, ground, found, facts, today,
                                  appeal_deadline_of(version.casework, today, calendar)), in_force


@PROPERTY
@given(data=st.data())
def test_the_set_based_decisions_agree_with_the_pure_rule_person_by_person(registers, ru, data):
    today, now = registers["today"], timezone.now()
    cases, off = data.draw(_case(today))
    partner = Partner.objects.get(name="Education")
    version = ru.versions[-1].code
    with transaction.atomic():
        persons = [Person.objects.get(national_id=n).pk for n in registers["ids"]]
        for code in off:
            StraightThroughSwitch.objects.create(pack_code="ru", rule=code, switched_on=False, changed_by="t",
                                                 changed_at=now)
        for pid, (source, facts, states) in zip(persons, cases, strict=True):
            for ground, state in states.items():
                _existing(pid, ground, state, today, version)
            RegisterFact.objects.create(partner=partner, person_id=pid, source=source, facts=facts,
                                        observed_at=now, received_at=now)
        for source in ("enrolment", "employment"):
            stp_batch.process(ru, source, now, today)
        expected = [_expected(ru, s, f, st_, pid, today, off) for pid, (s, f, st_) in zip(persons, cases, strict=True)]
        stp.decide_ready(ru, now, today)
        for pid, (found, reasons, in_force) in zip(persons, expected, strict=True):
            fact = RegisterFact.objects.get(person_id=pid)
            if found is None:  # no rule decides: an officer, as the verdict said, with an application in the queue
                queued = Application.objects.get(pk=int(fact.application_number[2:]))
                assert fact.outcome == "officer" and queued.status == "submitted" and queued.person_id == pid
                assert (queued.kind, queued.ground) == ("deferment", {"enrolment": "study",
                                                                      "employment": "it_employee"}[cases[persons.index(pid)][0]])
                assert fact.note.startswith(("no straight-through rule holds", "rules that end"))
                assert not queued.decisions.exists()
                continue
            app = Application.objects.get(pk=int(fact.application_number[2:]))
            assert (app.channel, app.created_by, app.kind) == ("partner", "system:stp", "deferment")
            if found.action == OFFICER:
                assert fact.outcome == "officer" and app.status == "submitted" and not app.decisions.exists()
                continue
            assert fact.outcome == "decided"
            decision = app.decisions.get()
            assert decision.decided_by == "system:stp" and list(decision.reasons) == reasons[0]
            if found.action == stp.END:
                assert decision.outcome == stp.END + "ed"
                assert PersonStatus.objects.get(pk=in_force.status_id).valid_until == today
            else:
                assert (decision.period_from, decision.period_until) == (found.period.start, found.period.until)
                granted = PersonStatus.objects.get(decision_number=app.number)
                assert (granted.valid_from, granted.valid_until) == (found.period.start, found.period.until)
                if found.action == stp.RENEW:
                    assert found.period.start == in_force.valid_until + timedelta(days=1)
            assert Event.objects.filter(type="decision.made", person_id=pid,
                                        payload__application=app.number).count() == 1
        transaction.set_rollback(True)


def ru_pack():
    from muster.policy import loader
    return loader.get_pack("ru")


def _post(body, key: str, idem: str):
    return Client().post("/api/v1/submissions", data=json.dumps(body), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=idem)


def _student(today: date, **changes) -> dict:
    return {"institution": "МГУ", "programme": "Физика", "level": "bachelor", "full_time": True,
            "started_on": (today - timedelta(days=400)).isoformat(),
            "expected_end": (today + timedelta(days=700)).isoformat(), "status": "enrolled", **changes}


def test_grant_then_end_through_the_partner_api_and_the_tick(registers, cli_run):
    today, nid = registers["today"], registers["ids"][0]
    end = today + timedelta(days=700)
    known = _post({"national_id": nid, "kind": "enrolment", "data": _student(today)}, registers["key"], "a")
    unknown = _post({"national_id": UNKNOWN, "kind": "enrolment", "data": _student(today)}, registers["key"], "b")
    assert known.status_code == unknown.status_code == 202  # the same answer, but for the submission's id
    assert set(known.json()) == set(unknown.json()) and known.json()["status"] == unknown.json()["status"]
    ticked = cli_run("tick", "--json")
    assert ticked.exit_code == 0, ticked.output
    assert json.loads(ticked.stdout)["stp_decided"] == 1, [(f.processed_on, f.switched_off, stp_batch.reasons_of(ru_pack(), f)) for f in RegisterFact.objects.all()]
    fact = RegisterFact.objects.get(person__national_id=nid)
    assert fact.outcome == "decided" and fact.application_number
    assert RegisterFact.objects.get(person__isnull=True).outcome == "no_person"
    assert Decision.objects.count() == 1  # nothing for the unknown id
    shown = cli_run("application", "show", fact.application_number, "--json")
    assert shown.exit_code == 0, shown.output
    decision = json.loads(shown.stdout)["decision"]
    assert decision["decided_by"] == "system:stp" and decision["period_until"] == end.isoformat()
    assert any("full_time, full_time: true" in r for r in decision["reasons"])
    assert any("level_covered, level: bachelor" in r for r in decision["reasons"])
    person = cli_run("person", "show", nid, "--on", today.isoformat(), "--purpose", "check", "--json")
    assert person.exit_code == 0, person.output
    assert fact.application_number in person.stdout and "deferred" in person.stdout
    assert _post({"national_id": nid, "kind": "enrolment", "data": _student(today, status="expelled")},
                 registers["key"], "c").status_code == 202
    assert cli_run("tick", "--json").exit_code == 0
    ended = RegisterFact.objects.filter(person__national_id=nid).order_by("id").last()
    assert ended.outcome == "decided"
    assert PersonStatus.objects.get(decision_number=fact.application_number).valid_until == today


def test_a_rule_switched_off_between_verdict_and_decision_sends_the_whole_batch_to_an_officer(registers, ru):
    today, now = registers["today"], timezone.now()
    for i, nid in enumerate(registers["ids"][:4]):
        assert _post({"national_id": nid, "kind": "enrolment", "data": _student(today)},
                     registers["key"], f"k{i}").status_code == 202
    assert stp_batch.process(ru, "enrolment", now, today).counts == {"ready": 4}

    # the rule switched off after the verdicts, before the decisions
    StraightThroughSwitch.objects.create(pack_code="ru", rule="study_enrolment", switched_on=False,
                                         changed_by="t", changed_at=now)
    done = stp.decide_ready(ru, now, today)
    assert done.counts == {"officer": 4} and not Decision.objects.exists()
    assert set(RegisterFact.objects.values_list("outcome", flat=True)) == {"officer"}
    # each in the officer's queue, saying why
    assert Application.objects.filter(status="submitted", ground="study").count() == 4
    for fact in RegisterFact.objects.all():
        assert fact.application_number and fact.note == "rule study_enrolment was switched off before its decision"
    assert stp.decide_ready(ru, now, today).counts == {}


def test_a_granted_deferment_cancels_the_call_up_inside_its_period_and_lifts_its_measures(ru, people):
    from muster.campaigns import issuing
    from muster.campaigns import services as campaigns
    from muster.measures.models import Measure
    from muster.summons.models import Summons
    from tests.conftest import at

    ids = people(1)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 1},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                   place="x"), actor=ADMIN, today=date(2026, 3, 2))
    issuing.issue(campaigns.get("C"), at("2026-03-02"), actor=ADMIN)
    summons = Summons.objects.get(person__national_id=ids[0])
    partner = Partner.objects.create(name="Education", submit=["enrolment"])
    now, today = at("2026-03-03"), date(2026, 3, 3)
    RegisterFact.objects.create(partner=partner, person=summons.person, source="enrolment",
                                facts=_student(today), observed_at=now, received_at=now)
    stp_batch.process(ru, "enrolment", now, today)
    done = stp.decide_ready(ru, now, today)
    assert done.counts == {"grant": 1} and done.summonses_cancelled == 1
    summons.refresh_from_db()
    assert summons.status == "cancelled"
    assert not Measure.objects.filter(summons=summons, status="active").exists()


def test_renewal_extends_from_the_day_after_the_old_end_and_a_renewal_without_a_deferment_is_queued(registers, ru):
    today, now = registers["today"], timezone.now()
    partner = Partner.objects.get(name="Education")
    first, second = (Person.objects.get(national_id=n).pk for n in registers["ids"][:2])
    _existing(first, "it_employee", "in_force", today, ru.versions[-1].code)
    old = PersonStatus.objects.get(person_id=first)
    for pid in (first, second):
        RegisterFact.objects.create(partner=partner, person_id=pid, source="employment", observed_at=now,
                                    received_at=now, facts={"accredited": True, "days_employed": 340})
    stp_batch.process(ru, "employment", now, today)
    assert stp.decide_ready(ru, now, today).counts == {"renew": 1, "officer": 1}
    renewed = PersonStatus.objects.filter(person_id=first).exclude(pk=old.pk).get()
    assert renewed.valid_from == old.valid_until + timedelta(days=1)
    assert renewed.valid_until > renewed.valid_from and "deferred" in renewed.reason
    queued = Application.objects.get(person_id=second)
    assert (queued.status, queued.channel, queued.created_by) == ("submitted", "partner", "system:stp")
    misfit = RegisterFact.objects.get(person_id=second)
    assert misfit.application_number == queued.number
    assert stp_batch.reasons_of(ru, misfit)[-1] == ("an officer decides: no deferment on ground it_employee "
                                                    "is in force to renew")
    # Renewed again: from the day after the first renewal's end, not the old one's.
    RegisterFact.objects.create(partner=partner, person_id=first, source="employment", observed_at=now,
                                received_at=now, facts={"accredited": True, "days_employed": 360})
    stp_batch.process(ru, "employment", now, today)
    assert stp.decide_ready(ru, now, today).counts == {"renew": 1}
    again = PersonStatus.objects.filter(person_id=first).order_by("id").last()
    assert again.valid_from == renewed.valid_until + timedelta(days=1)
    # The register says the employer lost its accreditation: the deferment and both renewals end today.
    RegisterFact.objects.create(partner=partner, person_id=first, source="employment", observed_at=now,
                                received_at=now, facts={"accredited": False})
    stp_batch.process(ru, "employment", now, today)
    assert stp.decide_ready(ru, now, today).counts == {"end": 1}
    rows = {s.pk: s for s in PersonStatus.objects.filter(person_id=first)}
    assert rows[old.pk].valid_until == today
    assert all(rows[r.pk].valid_until < rows[r.pk].valid_from for r in (renewed, again))  # never begin
    ended = Decision.objects.filter(person_id=first, outcome="ended").get()
    assert any(old.decision_number in r for r in ended.reasons)


def test_a_deferment_submitted_with_a_recent_matching_fact_is_decided_at_once_by_system_stp(registers, cli_run):
    today, (with_fact, without, part_time) = registers["today"], registers["ids"][:3]
    for i, (nid, data) in enumerate(((with_fact, _student(today)), (part_time, _student(today, full_time=False)))):
        assert _post({"national_id": nid, "kind": "enrolment", "data": data}, registers["key"], f"s{i}").status_code == 202
    for nid, decided in ((with_fact, True), (without, False), (part_time, False)):
        filed = cli_run("application", "submit", "--person", nid, "--kind", "deferment", "--ground", "study",
                        "--json")
        assert filed.exit_code == 0, filed.output
        answer = json.loads(filed.stdout)
        if not decided:
            assert answer["decision"] is None and answer["status"] == "submitted"
            continue
        assert answer["status"] == "decided" and answer["decision"]["decided_by"] == "system:stp"
        assert answer["decision"]["period_until"] == (today + timedelta(days=700)).isoformat()
        assert any("Criterion met: full_time, full_time: true" in r for r in answer["decision"]["reasons"])
        assert RegisterFact.objects.get(person__national_id=nid).application_number == answer["number"]
    # the fact decided at submission is not decided again by the batch
    assert cli_run("tick", "--json").exit_code == 0
    assert Decision.objects.filter(person__national_id=with_fact).count() == 1
    # the part-time fact no rule decides joins the person's own application: one in the queue, not two
    [queued] = Application.objects.filter(person__national_id=part_time)
    assert RegisterFact.objects.get(person__national_id=part_time).application_number == queued.number


@pytest.mark.django_db(transaction=True)
def test_a_flip_while_decisions_are_written_waits_and_the_next_batch_goes_wholly_to_an_officer(packs, people):
    import threading

    from django.db import OperationalError, connection

    from muster.policy import switches

    ru = packs.get_pack("ru")
    now = timezone.now()
    today = today_in(ru, now)
    partner = Partner.objects.create(name="Education", submit=["enrolment"])
    for nid in people(40):
        RegisterFact.objects.create(partner=partner, person=Person.objects.get(national_id=nid), source="enrolment",
                                    facts=_student(today), observed_at=now, received_at=now)
    assert stp_batch.process(ru, "enrolment", now, today).counts == {"ready": 40}
    flip: dict[str, object] = {}

    def flip_off() -> None:
        try:
            flip["row"] = switches.switch(ADMIN, ru, "study_enrolment", False, "outage", timezone.now())
        except OperationalError as exc:  # SQLite: the batch holds the only write lock
            flip["refused"] = str(exc)
        finally:
            connection.close()

    flipper = threading.Thread(target=flip_off)

    def during_batch() -> None:  # the decisions' batch has read the switches and holds them
        flipper.start()
        flipper.join(1.0)
        flip["waited"] = flipper.is_alive()

    first = stp.decide_ready(ru, now, today, limit=20, after_switches_read=during_batch)
    flipper.join(30)
    assert not flipper.is_alive()
    assert first.counts == {"grant": 20}  # whole, with the rule on
    if connection.vendor == "postgresql":
        assert flip["waited"] is True and "row" in flip
    elif "refused" in flip:
        switches.switch(ADMIN, ru, "study_enrolment", False, "outage", timezone.now())
    second = stp.decide_ready(ru, now, today, limit=20)
    assert second.counts == {"officer": 20}  # whole, with the rule off
    assert Decision.objects.count() == 20
    outcomes = list(RegisterFact.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["decided"] * 20 + ["officer"] * 20


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_one_decision_per_fact(packs, people):
    """Two decision runs started together (PostgreSQL: row locks; SQLite: one writer at a time)."""
    import threading

    from django.db import OperationalError, connection

    ru = packs.get_pack("ru")
    now = timezone.now()
    today = today_in(ru, now)
    partner = Partner.objects.create(name="Education", submit=["enrolment"])
    for i, nid in enumerate(people(30)):
        facts = _student(today) if i % 3 else _student(today, full_time=False)  # a third for an officer
        RegisterFact.objects.create(partner=partner, person=Person.objects.get(national_id=nid), source="enrolment",
                                    facts=facts, observed_at=now, received_at=now)
    assert stp_batch.process(ru, "enrolment", now, today).counts == {"ready": 20, "officer": 10}
    both_read = threading.Barrier(2, timeout=30)
    # on PostgreSQL both read the switches before either takes a fact; SQLite lets one writer in at a time
    together = both_read.wait if connection.vendor == "postgresql" else None
    counts: list[dict[str, int]] = []

    def run() -> None:
        try:
            counts.append(stp.decide_ready(ru, now, today, after_switches_read=together).counts)
        except (OperationalError, threading.BrokenBarrierError):  # SQLite: the other run holds the only write lock
            counts.append({})
        finally:
            connection.close()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for t in runs:
        t.start()
    for t in runs:
        t.join(60)
    while stp.decide_ready(ru, now, today).counts:  # whatever a refused run left
        pass
    assert Decision.objects.count() == 20 and Application.objects.count() == 30
    numbers = list(RegisterFact.objects.values_list("application_number", flat=True))
    assert len(set(numbers)) == 30 and "" not in numbers
    assert sum(c.get("grant", 0) for c in counts) <= 20


@pytest.mark.django_db(transaction=True)
def test_a_filing_while_a_run_decides_the_same_fact_waits_and_does_not_grant_twice(packs, people, monkeypatch):
    """PostgreSQL: the run holds the fact; the filing waits for it, then sees its deferment in force."""
    import threading

    from django.db import connection

    from muster.casework import services as casework

    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: a filing cannot run inside a run")
    ru = packs.get_pack("ru")
    now = timezone.now()
    today = today_in(ru, now)
    nid = people(1)[0]
    partner = Partner.objects.create(name="Education", submit=["enrolment"])
    RegisterFact.objects.create(partner=partner, person=Person.objects.get(national_id=nid), source="enrolment",
                                facts=_student(today), observed_at=now, received_at=now)
    stp_batch.process(ru, "enrolment", now, today)
    locked, go = threading.Event(), threading.Event()
    decide = stp._decide

    def slow_decide(*args, **kwargs):  # the run has taken (locked) its facts: hold them a while
        locked.set()
        go.wait(3)
        return decide(*args, **kwargs)

    monkeypatch.setattr(stp, "_decide", slow_decide)

    def run() -> None:
        try:
            stp.decide_ready(ru, now, today)
        finally:
            connection.close()

    batch = threading.Thread(target=run)
    batch.start()
    assert locked.wait(10)
    filed = casework.submit(Actor.officer("t"), ru, nid, "deferment", "study", at=timezone.now())
    go.set()
    batch.join(30)
    assert Decision.objects.filter(outcome="granted").count() == 1  # the run's; the filing waits for an officer
    assert filed["decision"] is None and filed["status"] == "submitted"
