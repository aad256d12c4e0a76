"""Register facts for straight-through processing: the partner API takes enrolment, medical and
employment submissions within a grant, answers a known and an unknown national id alike, refuses
bad facts by name; the set-based batch decides them as the pure rule does."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.partners import keys, stp_batch, stp_sql
from muster.partners import services as partners
from muster.partners.models import Partner, RegisterFact, Submission
from muster.registry.models import Observation, Person
from muster.rules.casework_policy import STP_SOURCES, Criterion, StraightThroughRule
from muster.rules.straight_through import OFFICER, decide_action, rules_for
from tests.conftest import snils
from tests.unit.test_straight_through import BOUNDARIES
from tests.unit.test_straight_through import TODAY as BOUNDARY_DAY

pytestmark = pytest.mark.django_db
ADMIN = Actor.officer("t")
UNKNOWN = snils(9000)  # well formed, never imported
PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def registers(ru, people):
    ids = people(3)
    key = keys.add("Education", ["exit_ban"], "", actor=ADMIN, submit=["enrolment", "medical", "employment"])["api_key"]
    other = keys.add("Border", ["exit_ban"], "", actor=ADMIN, submit=["address"])["api_key"]
    return {"ids": ids, "key": key, "other": other, "today": today_in(ru, timezone.now())}


def _post(body, key: str, idem: str = "k1"):
    return Client().post("/api/v1/submissions", data=json.dumps(body), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=idem)


def _student(today: date, **changes) -> dict:
    return {"institution": "МГУ", "programme": "Физика", "level": "bachelor", "full_time": True,
            "started_on": (today - timedelta(days=400)).isoformat(),
            "expected_end": (today + timedelta(days=700)).isoformat(), "status": "enrolled", **changes}


def test_a_granted_enrolment_is_kept_as_a_register_fact_and_changes_no_registry_field(registers):
    nid = registers["ids"][0]
    before = (Observation.objects.count(), Person.objects.get(national_id=nid).address)
    response = _post({"national_id": nid, "kind": "enrolment", "data": _student(registers["today"])},
                     registers["key"])
    assert response.status_code == 202, response.content
    answer = response.json()
    assert answer == {"submission_id": answer["submission_id"], "status": "accepted"}
    fact = RegisterFact.objects.get()
    assert fact.person_id == Person.objects.get(national_id=nid).pk and fact.source == "enrolment"
    assert fact.facts["full_time"] is True and fact.facts["level"] == "bachelor"
    assert (fact.processed_at, fact.outcome) == (None, "")
    assert Submission.objects.get(pk=answer["submission_id"]).outcome == {"person": fact.person_id, "fact": fact.pk}
    assert (Observation.objects.count(), Person.objects.get(national_id=nid).address) == before
    again = _post({"national_id": nid, "kind": "enrolment", "data": _student(registers["today"])}, registers["key"])
    assert again.json() == answer and RegisterFact.objects.count() == 1  # the same Idempotency-Key


@pytest.mark.parametrize(("kind", "data"), [
    ("enrolment", {"status": "enrolled"}),
    ("medical", {"category": "G", "examined_on": "2026-01-15"}),
    ("employment", {"employer": "ООО Ромашка", "accredited": True, "days_employed": 340}),
])
def test_an_unknown_national_id_gets_the_same_bytes_and_is_kept_with_no_person(registers, kind, data):
    known = _post({"national_id": registers["ids"][1], "kind": kind, "data": data}, registers["key"], idem="known")
    unknown = _post({"national_id": UNKNOWN, "kind": kind, "data": data}, registers["key"], idem="unknown")
    assert known.status_code == unknown.status_code == 202
    assert known["Content-Type"] == unknown["Content-Type"]
    ids = (known.json()["submission_id"], unknown.json()["submission_id"])
    assert known.content.replace(str(ids[0]).encode(), b"ID") == unknown.content.replace(str(ids[1]).encode(), b"ID")
    facts = list(RegisterFact.objects.order_by("id").values_list("person_id", flat=True))
    assert facts[0] is not None and facts[1] is None


def test_a_register_kind_outside_the_grant_is_refused_by_kind(registers):
    response = _post({"national_id": registers["ids"][0], "kind": "enrolment", "data": {"status": "enrolled"}},
                     registers["other"])
    assert response.status_code == 403
    doc = response.json()
    assert doc["errors"][0]["field"] == "kind" and "enrolment" in doc["detail"]
    keys.grant("Border", ["address", "enrolment"], actor=ADMIN)
    assert Partner.objects.get(name="Border").submit == ["address", "enrolment"]
    assert _post({"national_id": registers["ids"][0], "kind": "enrolment", "data": {"status": "enrolled"}},
                 registers["other"], idem="k2").status_code == 202
    assert RegisterFact.objects.count() == 1


def test_partner_grant_on_the_command_line_takes_the_register_kinds(registers, cli_run):
    done = cli_run("partner", "grant", "Border", "--submit", "address,medical,employment", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["submit"] == ["address", "employment", "medical"]
    bad = cli_run("partner", "grant", "Border", "--submit", "enrollment", "--json")
    assert bad.exit_code == 2 and "enrolment" in json.loads(bad.stdout)["error"]


@pytest.mark.parametrize(("kind", "data", "field"), [
    ("enrolment", {"status": "enrolled", "level": "kindergarten"}, "data.level"),
    ("enrolment", {"status": "enrolled", "full_time": "yes"}, "data.full_time"),
    ("enrolment", {"status": "enrolled", "started_on": "2999-01-01"}, "data.started_on"),
    ("enrolment", {"status": "enrolled", "expected_end": "2199-01-01"}, "data.expected_end"),
    ("enrolment", {"status": "enrolled", "expected_end": "1899-12-31"}, "data.expected_end"),
    ("enrolment", {"status": "enrolled", "started_on": "2026-02-30"}, "data.started_on"),
    ("enrolment", {"status": "enrolled", "started_on": "20260201"}, "data.started_on"),
    ("enrolment", {"level": "bachelor"}, "data.status"),
    ("enrolment", {"status": "enrolled", "email": "a@b.ru"}, "data.email"),
    ("medical", {"category": "Z"}, "data.category"),
    ("medical", {"category": "G", "examined_on": "2999-01-01"}, "data.examined_on"),
    ("employment", {"employer": "X", "accredited": True, "days_employed": 400}, "data.days_employed"),
    ("employment", {"employer": "X", "accredited": True, "days_employed": "340"}, "data.days_employed"),
    ("employment", {"employer": "X", "accredited": True, "days_employed": True}, "data.days_employed"),
    ("employment", {"employer": "X", "accredited": "true"}, "data.accredited"),
    ("employment", {"employer": "X", "accredited": True, "days_employed": 3.5}, "data.days_employed"),
    ("contact", {"email": 5}, "data.email"),
])
def test_bad_register_facts_are_422_naming_the_field_and_keep_nothing(registers, kind, data, field):
    keys.grant("Education", ["enrolment", "medical", "employment", "contact"], actor=ADMIN)
    response = _post({"national_id": registers["ids"][0], "kind": kind, "data": data}, registers["key"])
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert RegisterFact.objects.count() == 0


def test_a_malformed_national_id_is_422_for_a_register_kind_too(registers):
    response = _post({"national_id": "112-233-445 96", "kind": "medical", "data": {"category": "G"}},
                     registers["key"])
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "national_id"


def test_the_openapi_document_describes_the_register_kinds(registers):
    doc = Client().get("/api/v1/openapi.json").json()
    schema = doc["components"]["schemas"]["SubmissionIn"]
    assert {"enrolment", "medical", "employment"} <= set(schema["properties"]["kind"]["enum"])
    described = schema["properties"]["data"]["description"]
    for kind, fields in STP_SOURCES.items():
        assert kind in described and all(f in described for f in fields)
    assert {"type": "integer"} in schema["properties"]["data"]["additionalProperties"]["anyOf"]


# --- the batch --------------------------------------------------------------------------------------


def test_the_batch_decides_each_fact_by_the_first_rule_that_holds_or_sends_it_to_an_officer(registers, ru):
    today = registers["today"]
    for i, (nid, kind, data) in enumerate([
        (registers["ids"][0], "enrolment", _student(today)),
        (registers["ids"][1], "enrolment", _student(today, full_time=False)),
        (registers["ids"][2], "enrolment", _student(today, status="graduated")),
        (UNKNOWN, "enrolment", _student(today)),
        (registers["ids"][0], "employment", {"employer": "X", "accredited": True, "days_employed": 334}),
    ]):
        assert _post({"national_id": nid, "kind": kind, "data": data}, registers["key"], idem=f"s{i}").status_code == 202
    done = partners.stp_run(ADMIN, ru, timezone.now(), today)
    assert done["sources"]["enrolment"]["outcomes"] == {"ready": 2, "officer": 1, "no_person": 1}
    assert done["sources"]["enrolment"]["rules"] == {"study_enrolment": 1, "study_ended": 1}
    assert done["sources"]["employment"]["rules"] == {"it_days_employed": 1}
    assert done["decided"] == 0  # not wired to casework yet: the facts stay ready
    facts = list(RegisterFact.objects.order_by("id"))
    assert [(f.outcome, f.rule) for f in facts] == [
        ("ready", "study_enrolment"), ("officer", ""), ("ready", "study_ended"), ("no_person", "study_enrolment"),
        ("ready", "it_days_employed")]
    assert all(f.policy_version == "ru-2026-01-01" and f.processed_on == today for f in facts)
    reasons = stp_batch.reasons_of(ru, facts[1])
    assert "  full_time: false (must be true)" in reasons and reasons[-1].endswith("an officer decides")
    assert partners.stp_run(ADMIN, ru, timezone.now(), today)["sources"]["enrolment"]["batches"] == 0


def test_batches_take_the_facts_in_order_and_each_only_once(registers, ru):
    for i in range(5):
        _post({"national_id": registers["ids"][i % 3], "kind": "medical", "data": {"category": "G"}},
              registers["key"], idem=f"m{i}")
    first = stp_batch.process(ru, "medical", timezone.now(), registers["today"], limit=2)
    assert first.processed == 2
    assert list(RegisterFact.objects.filter(processed_at__isnull=False).values_list("id", flat=True)) == list(
        RegisterFact.objects.order_by("id").values_list("id", flat=True)[:2])
    done = partners.stp_run(ADMIN, ru, timezone.now(), registers["today"], limit=2)
    assert done["sources"]["medical"] == {"batches": 2, "outcomes": {"officer": 3}, "rules": {}}


# --- the SQL agrees with the pure rule ---------------------------------------------------------------


def _stored(ftype: str) -> st.SearchStrategy[object]:
    """A fact as the table may hold it (validated), or of another JSON type, or null."""
    good = {"bool": st.booleans(), "int": st.integers(0, 5),
            "str": st.sampled_from(["a", "b", "enrolled", "G", "it's", ""]),
            "date": DAYS.map(date.isoformat)}[ftype]
    wrong = {"bool": st.sampled_from(["true", 1, 0]), "int": st.sampled_from(["5", True, 2.5]),
             "str": st.sampled_from([True, 7]), "date": st.sampled_from([True, 20260101])}[ftype]
    return st.one_of(good, good, wrong, st.none())


@pytest.mark.parametrize(("source", "criterion", "facts", "holds", "sentence"), BOUNDARIES)
def test_the_sql_of_each_test_kind_holds_at_the_same_boundaries(registers, source, criterion, facts, holds, sentence):
    now = timezone.now()
    RegisterFact.objects.create(partner=Partner.objects.get(name="Education"), source=source, facts=facts,
                                observed_at=now, received_at=now)
    sql, params = stp_sql.criterion_sql(criterion, source, "f.facts", BOUNDARY_DAY)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {sql} FROM {stp_batch.FACTS} f", params)
        assert [bool(v) for (v,) in cur.fetchall()] == [holds]


# A few values close together, so that boundaries (equal values, the last day) are met often.
DAYS = st.dates(date(2026, 2, 26), date(2026, 3, 4))


@st.composite
def _case(draw):
    source = draw(st.sampled_from(sorted(STP_SOURCES)))
    fields = STP_SOURCES[source]
    rules = []
    for r in range(draw(st.integers(1, 3))):
        criteria = []
        for i in range(draw(st.integers(1, 3))):
            name = draw(st.sampled_from(sorted(fields)))
            ftype = fields[name]
            test = draw(st.sampled_from({"bool": ["is_true", "is_false", "equals"], "int": ["equals", "at_least",
                                         "at_most", "one_of"], "str": ["equals", "one_of"],
                                         "date": ["after_today", "on_or_before_today", "at_least", "at_most",
                                                  "equals", "within_days_after"]}[ftype]))
            one = {"bool": st.booleans(), "int": st.integers(0, 5), "str": st.sampled_from(["a", "enrolled", "it's"]),
                   "date": DAYS}[ftype]
            value: object = None
            other = None
            if test in ("equals", "at_least", "at_most"):
                value = draw(one)
            elif test == "one_of":
                value = tuple(draw(st.lists(one, min_size=1, max_size=3)))
            elif test == "within_days_after":
                value = draw(st.integers(0, 4))
                other = draw(st.sampled_from(sorted(f for f, t in fields.items() if t == "date")))
            criteria.append(Criterion(f"c{i}", name, test, value, other))
        rules.append(StraightThroughRule(f"r{r}", f"r{r}", "deferment", "g", source,
                                         draw(st.sampled_from(["grant", "renew", "end"])), tuple(criteria)))
    facts = draw(st.lists(st.fixed_dictionaries({}, optional={f: _stored(t) for f, t in fields.items()}),
                          min_size=1, max_size=6))
    today = draw(DAYS)
    return source, rules, facts, today


@PROPERTY
@given(case=_case())
def test_the_sql_verdicts_agree_with_the_pure_rule(registers, case):
    source, rules, facts, today = case
    partner = Partner.objects.get(name="Education")
    now = timezone.now()
    rows = RegisterFact.objects.bulk_create([RegisterFact(partner=partner, source=source, facts=f, observed_at=now,
                                                          received_at=now) for f in facts])
    ids = [r.pk for r in RegisterFact.objects.filter(source=source).order_by("id")][-len(rows):]
    try:
        with connection.cursor() as cur:
            for rule in rules:  # each rule alone: its verdict
                sql, params = stp_sql.rule_sql(rule, "f.facts", today)
                cur.execute(f"SELECT f.id, {sql} FROM {stp_batch.FACTS} f WHERE f.id >= %s ORDER BY f.id",
                            [*params, ids[0]])
                got = [bool(v) for _, v in cur.fetchall()]
                assert got == [decide_action((rule,), f, today).action != OFFICER for f in facts]
            sql, params = stp_sql.decision_sql(rules, "f.facts", today)  # the choice among them
            cur.execute(f"SELECT f.id, {sql} FROM {stp_batch.FACTS} f WHERE f.id >= %s ORDER BY f.id",
                        [*params, ids[0]])
            chosen = [code for _, code in cur.fetchall()]
        expected = [decide_action(rules, f, today) for f in facts]
        assert chosen == [a.rule.code if a.rule else "" for a in expected]
    finally:
        RegisterFact.objects.all().delete()


@PROPERTY
@given(facts=st.lists(st.fixed_dictionaries({}, optional={f: _stored(t) for f, t in STP_SOURCES["employment"].items()}),
                      min_size=1, max_size=8),
       off=st.sets(st.sampled_from(["it_days_employed", "it_recent_graduate", "it_left_accredited"])))
def test_the_batch_agrees_with_the_pure_choice_under_the_ru_rules_and_switches(registers, ru, facts, off):
    from muster.policy.models import StraightThroughSwitch

    now, today = timezone.now(), registers["today"]
    partner = Partner.objects.get(name="Education")
    person = Person.objects.get(national_id=registers["ids"][0])
    for code in off:
        StraightThroughSwitch.objects.create(pack_code="ru", rule=code, switched_on=False, changed_by="t",
                                             changed_at=now)
    RegisterFact.objects.bulk_create([RegisterFact(partner=partner, person=person, source="employment", facts=f,
                                                   observed_at=now, received_at=now) for f in facts])
    try:
        stp_batch.process(ru, "employment", now, today)
        rules = rules_for(ru.version("ru-2026-01-01").casework, "employment")
        for fact in RegisterFact.objects.order_by("id"):
            action = decide_action(rules, fact.facts, today, switched_off=off)
            assert (fact.rule, fact.outcome) == ((action.rule.code, "ready") if action.rule else ("", "officer"))
            assert sorted(fact.switched_off) == sorted(off)
    finally:
        RegisterFact.objects.all().delete()
        StraightThroughSwitch.objects.all().delete()
