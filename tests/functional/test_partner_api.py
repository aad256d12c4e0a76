"""The partner API over HTTP (Django's test client, the real database): auth, scoping, feed, submissions."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from muster import engine
from muster.audit.access import reads_of
from muster.kernel.actor import Actor
from muster.measures.models import Measure
from muster.partners import keys
from muster.registry.models import Observation, Person
from muster.rules.notice_numbers import format_summons_number
from muster.summons import outcomes
from muster.summons.models import Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02")
LATER = at("2026-04-05")  # past the grace days: everyone who did not appear has missed


def _get(path: str, key: str | None = None, **kw):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key is not None else {}
    return Client().get(path, **headers, **kw)


def _post(path: str, body, key: str, idem: str | None = "k1", raw: bool = False):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if idem is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = idem
    data = body if raw else json.dumps(body)
    return Client().post(path, data=data, content_type="application/json", **headers)


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    doc = response.json()
    assert doc["status"] == status and doc["title"] and doc["detail"]
    return doc


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Bearer mst_000000000000_wrong", "Basic abc"])
def test_missing_or_wrong_key_is_401_problem(world, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().get(f"/api/v1/measures/{world['ids'][0]}", **extra)
    doc = _problem(response, 401)
    assert "API key" in doc["detail"] and response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working_and_a_rotated_key_replaces_it(world):
    path = f"/api/v1/measures/{world['ids'][0]}"
    assert _get(path, world["border"]).status_code == 200
    fresh = keys.rotate("Border", actor=Actor.officer("t"))["api_key"]
    _problem(_get(path, world["border"]), 401)
    assert _get(path, fresh).status_code == 200
    keys.revoke("Border", actor=Actor.officer("t"))
    _problem(_get(path, fresh), 401)


def test_each_partner_sees_only_its_kinds(world):
    nid = world["ids"][0]
    border = _get(f"/api/v1/measures/{nid}", world["border"]).json()
    bureau = _get(f"/api/v1/measures/{nid}", world["bureau"]).json()
    assert [m["kind"] for m in border["measures"]] == ["exit_ban"]
    assert [m["kind"] for m in bureau["measures"]] == ["credit_ban"]
    assert border["measures"][0]["effective_from"] == "2026-03-02"  # from placement (2026 policy)
    assert bureau["measures"][0]["effective_from"] > "2026-03-30"
    assert "53-FZ" in bureau["measures"][0]["legal_basis"]
    person = Person.objects.get(national_id=nid)
    assert Measure.objects.filter(person=person, status="active").count() == 7  # the rest are there, unseen


def test_unknown_person_gets_the_documented_empty_answer_and_bad_checksum_a_400(world):
    unknown = _get("/api/v1/measures/00000000000", world["border"])  # 000-000-000 00: below the checked range
    assert unknown.status_code == 200 and unknown.json()["measures"] == []
    doc = _problem(_get("/api/v1/measures/112-233-445-96", world["border"]), 400)
    assert doc["errors"][0]["field"] == "national_id" and "check" in doc["detail"]


def test_partner_checks_are_in_the_persons_access_log(world):
    nid = world["ids"][1]
    _get(f"/api/v1/measures/{nid}", world["border"])
    reads = reads_of(Person.objects.get(national_id=nid).pk)
    assert [r["who"] for r in reads] == ["partner:Border"] and "exit_ban" in str(reads[0]["purpose"])


def test_feed_is_ordered_gapless_scoped_and_pages(world):
    first = _get("/api/v1/events?after=0&limit=3", world["bureau"]).json()
    assert [e["seq"] for e in first["events"]] == [1, 2, 3] and first["has_more"] and first["next_after"] == 3
    rest = _get(f"/api/v1/events?after={first['next_after']}&limit=1000", world["bureau"]).json()
    everything = first["events"] + rest["events"]
    assert [e["seq"] for e in everything] == list(range(1, 5)) and not rest["has_more"]
    assert {e["type"] for e in everything} == {"measure.applied"}
    assert {e["data"]["kind"] for e in everything} == {"credit_ban"}
    assert {e["data"]["national_id"] for e in everything} == set(world["ids"])
    for e in everything:  # what the measure keeps for good is read from its row
        m = Measure.objects.select_related("basis").get(pk=e["data"]["measure_id"])
        assert (e["data"]["effective_from"], e["data"]["legal_basis"], e["data"]["summons_number"]) == (
            m.effective_from.isoformat(), m.legal_basis, format_summons_number(Summons.objects.get(pk=m.summons_id).number))
        assert m.kind == "credit_ban" and "53-FZ" in m.legal_basis and m.person.national_id == e["data"]["national_id"]


def test_a_lift_reaches_the_feed_and_the_check_the_same_day(world):
    nid = world["ids"][2]
    summons = Summons.objects.get(person__national_id=nid)
    outcomes.record(format_summons_number(summons.number), "appeared", at("2026-04-06"), actor=Actor.officer("officer"))
    engine.turn(at("2026-04-06", 12), actor=Actor.officer("t"), send=False)
    assert _get(f"/api/v1/measures/{nid}", world["border"]).json()["measures"] == []
    feed = _get("/api/v1/events?after=0&limit=100", world["border"]).json()["events"]
    lifted = [e for e in feed if e["type"] == "measure.lifted"]
    assert [e["seq"] for e in feed] == list(range(1, 6))
    assert len(lifted) == 1 and lifted[0]["data"]["national_id"] == nid
    assert lifted[0]["data"]["lifted_on"] == "2026-04-06" and lifted[0]["data"]["kind"] == "exit_ban"
    assert lifted[0]["data"]["summons_number"] == format_summons_number(summons.number)


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=abc", "after=-1", "after=x"])
def test_feed_parameters_out_of_range_are_422(world, query):
    doc = _problem(_get(f"/api/v1/events?{query}", world["border"]), 422)
    assert doc["errors"][0]["field"] == query.split("=")[0]


def _grant_all(name: str = "Border") -> None:
    keys.grant(name, ["address", "postcode", "district", "contact", "death", "emigration"],
               actor=Actor.officer("t"))


def test_submission_updates_the_registry_with_provenance_and_is_idempotent(world):
    _grant_all()
    nid = world["ids"][0]
    body = {"national_id": nid, "kind": "address", "data": {"address": "ул. Новая, 5", "postcode": "390000"}}
    first = _post("/api/v1/submissions", body, world["border"], idem="abc")
    assert first.status_code == 202, first.content
    answer = first.json()
    assert answer == {"submission_id": answer["submission_id"], "status": "accepted"}
    person = Person.objects.get(national_id=nid)
    assert person.address == "ул. Новая, 5" and person.postcode == "390000"
    obs = Observation.objects.get(pk=person.address_obs)
    assert obs.source.name == "partner:Border" and obs.kind == "submission"
    again = _post("/api/v1/submissions", body, world["border"], idem="abc")
    assert again.status_code == 202 and again.json() == answer
    # The same document with its keys in another order and other spacing is the same request.
    reordered = json.dumps({"data": {"postcode": "390000", "address": "ул. Новая, 5"}, "kind": "address",
                            "national_id": nid}, indent=3)
    assert _post("/api/v1/submissions", reordered, world["border"], idem="abc", raw=True).json() == answer
    assert Observation.objects.filter(kind="submission").count() == 1
    changed = _post("/api/v1/submissions", {**body, "data": {"address": "ул. Другая, 7"}}, world["border"],
                    idem="abc")
    doc = _problem(changed, 422)
    assert doc["errors"][0]["field"] == "Idempotency-Key"
    assert Person.objects.get(national_id=nid).address == "ул. Новая, 5"


def test_death_and_emigration_submissions(world):
    _grant_all()
    nid = world["ids"][3]
    death = _post("/api/v1/submissions", {"national_id": nid, "kind": "death", "data": {"death_date": "2026-03-20"}},
                  world["border"], idem="d1")
    assert death.status_code == 202 and death.json()["status"] == "accepted"
    assert Person.objects.get(national_id=nid).death_date is None  # waits for two officers (test_partner_trust)
    gone = _post("/api/v1/submissions", {"national_id": nid, "kind": "emigration",
                                         "data": {"country": "de", "since": "2026-01-05"}}, world["border"], idem="e1")
    assert gone.status_code == 202
    assert Person.objects.get(national_id=nid).address == "abroad: DE, since 2026-01-05"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"national_id": "112-233-445 95", "kind": "contact", "data": {"email": "not-an-email"}}, "data.email"),
        ({"national_id": "112-233-445 96", "kind": "contact", "data": {"email": "a@b.ru"}}, "national_id"),
        ({"national_id": "100-000-001 00", "kind": "contact", "data": {"email": "a@b.ru"}}, "national_id"),
        ({"national_id": "X", "kind": "marriage", "data": {}}, "kind"),
        ({"national_id": "X", "kind": "contact", "data": 5}, "data"),
        ({"kind": "contact", "data": {}}, "national_id"),
        ({"national_id": "X", "kind": "death", "data": {"death_date": "tomorrow"}}, "data.death_date"),
        ({"national_id": "X", "kind": "death", "data": {"email": "a@b.ru"}}, "data.email"),
        ({"national_id": "X", "kind": "emigration", "data": {"country": "ZZ", "since": "2026-01-01"}},
         "data.country"),
    ],
)
def test_bad_submissions_are_422_naming_the_field_and_change_nothing(world, body, field):
    _grant_all()
    before = Observation.objects.count()
    if body.get("national_id") == "X":
        body = {**body, "national_id": world["ids"][0]}
    doc = _problem(_post("/api/v1/submissions", body, world["border"]), 422)
    assert field in [e["field"] for e in doc["errors"]], doc
    assert Observation.objects.count() == before


def test_malformed_json_is_a_400_problem_and_a_missing_idempotency_key_422(world):
    doc = _problem(_post("/api/v1/submissions", "{not json", world["border"], raw=True), 400)
    assert doc["errors"][0]["field"] == "body"
    body = {"national_id": world["ids"][0], "kind": "death", "data": {"death_date": "2026-03-20"}}
    doc = _problem(_post("/api/v1/submissions", body, world["border"], idem=None), 422)
    assert doc["errors"][0]["field"] == "Idempotency-Key"


def test_openapi_document_is_3_1_and_public(world):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.1")
    assert {"/api/v1/measures/{national_id}", "/api/v1/events", "/api/v1/submissions"} <= set(doc["paths"])
    errors = doc["paths"]["/api/v1/events"]["get"]["responses"]["422"]["content"]
    assert list(errors) == ["application/problem+json"]


def test_a_partner_added_later_gets_the_history_of_its_kinds_on_the_pull_feed(world):
    late = keys.add("Traffic", ["driving_ban", "exit_ban"], "http://127.0.0.1:9/hook", actor=Actor.officer("t"))
    assert late["feed_length"] == 8
    feed = _get("/api/v1/events?limit=100", late["api_key"]).json()["events"]
    assert [e["seq"] for e in feed] == list(range(1, 9))
    from muster.partners.models import FeedEntry

    assert set(FeedEntry.objects.filter(partner__name="Traffic").values_list("webhook_state", flat=True)) == {"none"}


@pytest.mark.parametrize(("args", "message"), [
    (["Border2", "--kinds", "exit_ban,teleport_ban"], "unknown measure kind(s) teleport_ban"),
    (["Border2", "--kinds", ""], "at least one measure kind"),
    (["Border2", "--kinds", "exit_ban", "--webhook", "ftp://x"], "not an http(s) URL"),
    (["Border", "--kinds", "exit_ban"], "already exists"),
])
def test_partner_add_refuses_bad_input(world, cli_run, args, message):
    result = cli_run("partner", "add", *args, "--json")
    assert result.exit_code == 2 and message in json.loads(result.stdout)["error"]


def test_production_refuses_plain_http_webhooks(ru, settings):
    settings.MUSTER_ENV = "production"
    with pytest.raises(keys.PartnerError, match="https"):
        keys.add("P", ["exit_ban"], "http://10.0.0.1/hook", actor=Actor.officer("t"))


def test_partner_list_never_shows_keys(world, cli_run):
    listed = cli_run("partner", "list", "--json").stdout
    assert "Border" in listed and world["border"] not in listed and "mst_" not in listed


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**12))
def test_feed_numbers_printed_in_sql_agree_with_the_rule(sequence):
    from django.db import connection

    from muster.rules.notice_numbers import summons_number
    from muster.summons.sql import number, printed

    with connection.cursor() as cur:
        expr = printed(f"CAST({sequence} AS bigint)").replace("%%", "%")  # a bigint, as the id column
        cur.execute(f"SELECT {expr}")
        assert cur.fetchone()[0] == format_summons_number(summons_number(sequence))
        cur.execute("SELECT " + number(f"CAST({sequence} AS bigint)").replace("%%", "%"))
        assert cur.fetchone()[0] == summons_number(sequence)


@pytest.mark.parametrize(("a", "b", "same"), [
    (b'{"a": 1, "b": {"c": [1, 2]}}', b'{"b":{"c":[1,2]},"a":1}', True),
    (b'{"a": "\\u0436"}', '{"a": "ж"}'.encode(), True),
    (b'{"a": 1}', b'{"a": 2}', False),
    (b'{"a": [1, 2]}', b'{"a": [2, 1]}', False),
    (b'not json', b'not json', True),
])
def test_an_idempotency_key_compares_the_canonical_json(a, b, same):
    from muster.partners.services import canonical_digest

    assert (canonical_digest(a) == canonical_digest(b)) is same
