"""Partners act only within their grant (issue 11, B1), an observation time is a time that could
have been (A4), and a submission about an unknown id is answered as one about a known id (B3)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from muster.audit.access import AccessDenied
from muster.audit.models import AuditRecord
from muster.delivery.models import PersonMessage
from muster.kernel.actor import Actor, Role
from muster.partners import keys
from muster.partners import services as partners
from muster.partners.models import PendingChange
from muster.registry.models import Observation, Person
from tests.conftest import snils

pytestmark = pytest.mark.django_db
ALICE = Actor.officer("cli:alice", Role.REGISTRATION_OFFICER, frozenset({"RU-RYA"}))
BOB = Actor.officer("cli:bob", Role.DATA_STEWARD, frozenset({"RU-RYA"}))
ADMIN = Actor.officer("t")
UNKNOWN = snils(9000)  # well formed, never imported


def _post(body, key: str, idem: str = "k1"):
    return Client().post("/api/v1/submissions", data=json.dumps(body), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=idem)


def _grant(*items: str, name: str = "Border") -> None:
    keys.grant(name, list(items), actor=ADMIN)


def _person(nid: str) -> Person:
    return Person.objects.get(national_id=nid)


# --- B1: grants -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("death", {"death_date": "2026-03-20"}),
        ("address", {"address": "ул. Мира, 1", "district": "RU-MOW"}),
        ("contact", {"electronic_account": True}),
    ],
)
def test_a_partner_whose_grant_is_only_exit_ban_changes_nobody(world, kind, data):
    nid = world["ids"][1]
    before = (Observation.objects.count(), PendingChange.objects.count())
    response = _post({"national_id": nid, "kind": kind, "data": data}, world["border"])
    assert response.status_code == 403, response.content
    doc = response.json()
    assert doc["status"] == 403 and doc["errors"][0]["field"] == "kind" and "grant" in doc["detail"]
    person = _person(nid)
    assert (person.death_date, person.district, person.electronic_account) == (None, "RU-RYA", False)
    assert (Observation.objects.count(), PendingChange.objects.count()) == before


def test_a_field_outside_the_grant_is_refused_by_name(world):
    _grant("address", "postcode")
    response = _post({"national_id": world["ids"][1], "kind": "address",
                      "data": {"address": "ул. Мира, 1", "district": "RU-MOW"}}, world["border"])
    assert response.status_code == 403
    assert [e["field"] for e in response.json()["errors"]] == ["data.district"]


def test_granted_death_district_and_contact_wait_for_review_while_the_rest_applies(world):
    _grant("address", "district", "contact", "death")
    nid = world["ids"][1]
    for idem, body in enumerate([
        {"kind": "death", "data": {"death_date": "2026-03-20"}},
        {"kind": "address", "data": {"address": "ул. Мира, 1", "district": "RU-MOW"}},
        {"kind": "contact", "data": {"electronic_account": True}},
    ]):
        response = _post({"national_id": nid, **body}, world["border"], idem=str(idem))
        assert response.status_code == 202, response.content
    person = _person(nid)
    assert person.address == "ул. Мира, 1"  # not reviewed: applied at once
    assert (person.death_date, person.district, person.electronic_account) == (None, "RU-RYA", False)
    pending = list(PendingChange.objects.order_by("id").values_list("changes", "needed", "state"))
    assert pending == [({"death_date": "2026-03-20"}, 2, "pending"), ({"district": "RU-MOW"}, 1, "pending"),
                       ({"electronic_account": True}, 1, "pending")]


def test_a_death_needs_two_different_officers(world, ru):
    _grant("death")
    nid = world["ids"][2]
    assert _post({"national_id": nid, "kind": "death", "data": {"death_date": "2026-03-20"}},
                 world["border"]).status_code == 202
    change = PendingChange.objects.get()
    first = partners.accept_change(ALICE, ru, change.pk)
    assert first["state"] == "pending" and first["accepted_by"] == ["cli:alice"]
    assert _person(nid).death_date is None
    with pytest.raises(partners.ReviewError, match="accepted this change already"):
        partners.accept_change(ALICE, ru, change.pk)
    done = partners.accept_change(BOB, ru, change.pk)
    assert done["state"] == "accepted" and done["changed_fields"] == ["death_date"]
    person = _person(nid)
    assert person.death_date.isoformat() == "2026-03-20"
    observation = Observation.objects.get(pk=person.death_date_obs)
    assert observation.source.name == "partner:Border" and observation.observed_at <= change.created_at
    with pytest.raises(partners.ReviewError, match="accepted already"):
        partners.accept_change(Actor.officer("cli:carol"), ru, change.pk)


def test_only_officers_of_the_persons_district_review(world, ru):
    _grant("address", "district")
    _post({"national_id": world["ids"][1], "kind": "address", "data": {"address": "x", "district": "RU-MOW"}},
          world["border"])
    change = PendingChange.objects.get()
    elsewhere = Actor.officer("cli:eve", Role.REGISTRATION_OFFICER, frozenset({"RU-SPE"}))
    for actor in (elsewhere, Actor.officer("cli:aud", Role.AUDITOR), Actor.partner(1, "Border", frozenset())):
        with pytest.raises(AccessDenied):
            partners.accept_change(actor, ru, change.pk)
    assert partners.pending_changes(elsewhere, ru) == []
    assert [c["id"] for c in partners.pending_changes(ALICE, ru)] == [change.pk]
    assert PendingChange.objects.get().state == "pending"
    # Showing the change to Alice disclosed the person's data: it is in their access log.
    read = AuditRecord.objects.get(action="person.read", object_type="pending_change")
    assert (read.actor, read.person_id, read.object_id) == ("cli:alice", change.person_id, str(change.pk))


def test_a_rejected_change_needs_a_reason_and_changes_nothing(world, ru):
    _grant("address", "district")
    nid = world["ids"][1]
    _post({"national_id": nid, "kind": "address", "data": {"address": "x", "district": "RU-MOW"}}, world["border"])
    change = PendingChange.objects.get()
    with pytest.raises(partners.ReviewError, match="--reason"):
        partners.reject_change(ALICE, ru, change.pk, "  ")
    row = partners.reject_change(ALICE, ru, change.pk, "the person still lives in Ryazan")
    assert row["state"] == "rejected" and _person(nid).district == "RU-RYA"


def test_the_person_is_told_of_a_changed_contact_at_the_address_they_had(world, ru):
    _grant("contact")
    nid = world["ids"][1]
    old = _person(nid).email
    _post({"national_id": nid, "kind": "contact", "data": {"email": "thief@example.org"}}, world["border"])
    assert not PersonMessage.objects.filter(topic="contact.changed").exists()
    partners.accept_change(ALICE, ru, PendingChange.objects.get().pk)
    person = _person(nid)
    assert person.email == "thief@example.org"
    message = PersonMessage.objects.get(person=person, topic="contact.changed")
    assert message.details["fields"] == ["email"] and message.details["email_to"] == old
    assert message.email_state == "queued"


def test_the_source_the_pack_names_authoritative_applies_a_death_at_once(world):
    registry_office = keys.add("ЗАГС", ["exit_ban"], "", actor=ADMIN, submit=["death"])["api_key"]
    nid = world["ids"][2]
    response = _post({"national_id": nid, "kind": "death", "data": {"death_date": "2026-03-20"}}, registry_office)
    assert response.status_code == 202
    assert _person(nid).death_date.isoformat() == "2026-03-20"
    assert not PendingChange.objects.exists()


def test_partner_add_and_grant_on_the_command_line(world, cli_run):
    added = cli_run("partner", "add", "Post", "--kinds", "exit_ban", "--submit", "address,email", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["submit"] == ["address", "email"]
    granted = cli_run("partner", "grant", "Post", "--submit", "death", "--json")
    assert json.loads(granted.output)["submit"] == ["death_date"]
    bad = cli_run("partner", "grant", "Post", "--submit", "teleport")
    assert bad.exit_code == 2 and "'teleport'" in bad.output
    assert cli_run("partner", "grant", "Nobody", "--submit", "death").exit_code == 4
    assert cli_run("partner", "add", "P2", "--kinds", "exit_ban", "--submit", "x").exit_code == 2


def test_review_on_the_command_line(world, cli_run, monkeypatch):
    _grant("death")
    nid = world["ids"][2]
    _post({"national_id": nid, "kind": "death", "data": {"death_date": "2026-03-20"}}, world["border"])
    listed = json.loads(cli_run("review", "list", "--json").output)
    assert [(c["kind"], c["changes"], c["needed"]) for c in listed] == [("death", {"death_date": "2026-03-20"}, 2)]
    change_id = str(listed[0]["id"])
    for officer in ("alice", "bob"):  # the command line acts only as existing accounts
        assert cli_run("user", "add", officer, "--role", "registration_officer", "--no-password").exit_code == 0
    monkeypatch.setenv("MUSTER_ACTOR", "cli:alice")
    assert cli_run("review", "accept", change_id).exit_code == 0
    again = cli_run("review", "accept", change_id, "--json")
    assert again.exit_code == 2 and '"error": "change #' in again.output and "accepted this change already" in again.output
    monkeypatch.setenv("MUSTER_ACTOR", "cli:bob")
    accepted = cli_run("review", "accept", change_id, "--json")
    assert accepted.exit_code == 0 and json.loads(accepted.output)["state"] == "accepted"
    assert _person(nid).death_date is not None
    assert cli_run("review", "accept", "999999").exit_code == 4
    assert cli_run("review", "reject", change_id, "--reason", "late").exit_code == 2  # decided already


# --- B3: no registration oracle in submissions -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data"),
    [("address", {"address": "ул. Мира, 1"}), ("contact", {"email": "x@example.org"}),
     ("death", {"death_date": "2026-03-20"})],
)
def test_a_submission_about_an_unknown_id_is_answered_as_one_about_a_known_id(world, kind, data):
    _grant("address", "contact", "death")
    known = _post({"national_id": world["ids"][1], "kind": kind, "data": data}, world["border"], idem="known")
    counts = (Observation.objects.count(), PendingChange.objects.count(), Person.objects.count())
    unknown = _post({"national_id": UNKNOWN, "kind": kind, "data": data}, world["border"], idem="unknown")
    assert known.status_code == unknown.status_code == 202
    assert known["Content-Type"] == unknown["Content-Type"]
    assert set(known.json()) == set(unknown.json()) and known.json()["status"] == unknown.json()["status"]
    assert (Observation.objects.count(), PendingChange.objects.count(), Person.objects.count()) == counts


# --- A4: observation times ----------------------------------------------------------------------


@pytest.mark.parametrize("observed_at", ["2999-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                                         "0001-01-01T00:00:00+05:00", "1899-12-31T23:59:59+00:00",
                                         "2999-01-01T00:00:00"])
def test_an_observation_time_outside_1900_to_now_is_422_naming_it_and_changes_nothing(world, observed_at):
    _grant("address")
    nid = world["ids"][1]
    before = Observation.objects.count()
    response = _post({"national_id": nid, "kind": "address", "observed_at": observed_at,
                      "data": {"address": "ул. Вечная, 1"}}, world["border"])
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["observed_at"]
    assert Observation.objects.count() == before and _person(nid).address != "ул. Вечная, 1"


def test_dates_in_a_submission_are_checked_against_the_servers_clock_not_observed_at(world, ru):
    _grant("death")
    nid = world["ids"][1]
    # Observed in 2025 that the person died in 2026 (before today): a real date, taken.
    response = _post({"national_id": nid, "kind": "death", "observed_at": "2025-06-01T00:00:00Z",
                      "data": {"death_date": "2026-03-20"}}, world["border"])
    assert response.status_code == 202, response.content
    assert PendingChange.objects.get().changes == {"death_date": "2026-03-20"}
