"""Every disclosure of a person's data is in that person's access log: this walks every read path
(the command line's reads, the partner check through Django and through the WSGI fast path, the
events feed, webhook deliveries) and asserts the row each one leaves, naming who read and why."""

from __future__ import annotations

import io
import json
import sys

import pytest
from django.test import Client

from muster import engine
from muster.audit.access import reads_of
from muster.interfaces.wsgi import application
from muster.kernel.actor import Actor
from muster.measures.models import Measure
from muster.partners import keys
from muster.registry.models import Person
from muster.rules.notice_numbers import format_summons_number
from muster.summons.models import Summons
from tests.functional.conftest import LATER
from tests.functional.test_webhooks import start_receiver

pytestmark = pytest.mark.django_db(transaction=True)


def _reads(national_id: str) -> list[dict]:
    return reads_of(Person.objects.get(national_id=national_id).pk)


def _new_read(national_id: str, before: list[dict]) -> dict:
    after = _reads(national_id)
    assert len(after) == len(before) + 1, (before, after)
    return after[-1]


def _person_with_ban(world) -> tuple[str, Summons]:
    measure = Measure.objects.filter(kind="exit_ban", status="active").select_related("summons").first()
    assert measure is not None
    return Person.objects.get(pk=measure.person_id).national_id, measure.summons


@pytest.mark.parametrize("command", ["person show", "summons show", "summons list", "measures show"])
def test_each_command_line_read_is_in_the_persons_access_log(world, cli_run, command, monkeypatch):
    assert cli_run("user", "add", "ivanova", "--role", "registration_officer", "--no-password").exit_code == 0
    monkeypatch.setenv("MUSTER_ACTOR", "cli:ivanova")
    national_id, summons = _person_with_ban(world)
    args = {"person show": ["person", "show", national_id, "--purpose", "appeal 17"],
            "summons show": ["summons", "show", format_summons_number(summons.number), "--purpose", "appeal 17"],
            "summons list": ["summons", "list", "--person", national_id, "--purpose", "appeal 17"],
            "measures show": ["measures", "show", national_id]}[command]
    before = _reads(national_id)
    assert cli_run(*args, "--json").exit_code == 0
    read = _new_read(national_id, before)
    assert read["who"] == "cli:ivanova"
    assert read["purpose"] == ("measures show" if command == "measures show" else "appeal 17")


def test_a_liable_list_is_in_the_access_log_of_everyone_listed(world, cli_run):
    everyone = list(Person.objects.values_list("national_id", flat=True))
    before = {n: _reads(n) for n in everyone}
    result = cli_run("liable", "--on", "2026-03-02", "--list")
    listed = result.output.split()
    assert listed and set(listed) <= set(everyone)
    for national_id in everyone:
        after = _reads(national_id)
        if national_id in listed:
            assert len(after) == len(before[national_id]) + 1
            assert after[-1]["purpose"] == "liable list on 2026-03-02"
        else:
            assert after == before[national_id]


def test_a_partner_check_through_django_is_logged(world):
    national_id, _ = _person_with_ban(world)
    before = _reads(national_id)
    response = Client().get(f"/api/v1/measures/{national_id}", HTTP_AUTHORIZATION=f"Bearer {world['border']}")
    assert response.status_code == 200 and response.json()["measures"]
    read = _new_read(national_id, before)
    assert (read["who"], read["purpose"]) == ("partner:Border", "measures check (exit_ban)")


def test_a_partner_check_through_the_wsgi_fast_path_is_logged(world):
    national_id, _ = _person_with_ban(world)
    before = _reads(national_id)
    status: list[str] = []
    body = b"".join(application(
        {"REQUEST_METHOD": "GET", "PATH_INFO": f"/api/v1/measures/{national_id}", "QUERY_STRING": "",
         "HTTP_HOST": "testserver", "HTTP_AUTHORIZATION": f"Bearer {world['bureau']}", "SERVER_NAME": "testserver",
         "SERVER_PORT": "80", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http"},
        lambda s, h: status.append(s)))
    assert status == ["200 OK"], body
    read = _new_read(national_id, before)
    assert (read["who"], read["purpose"]) == ("partner:Bureau", "measures check (credit_ban)")


def test_each_feed_page_logs_every_person_on_it_once(world):
    events = Client().get("/api/v1/events?limit=1000", HTTP_AUTHORIZATION=f"Bearer {world['border']}").json()
    on_page = [e["data"]["national_id"] for e in events["events"]]
    assert on_page
    for national_id in set(on_page):
        feed_reads = [r for r in _reads(national_id) if r["purpose"] == "events feed (exit_ban)"]
        assert len(feed_reads) == on_page.count(national_id)
        assert {r["who"] for r in feed_reads} == {"partner:Border"}
    # An empty page discloses nothing and logs nothing.
    last = events["next_after"]
    total = sum(len(_reads(n)) for n in set(on_page))
    assert Client().get(f"/api/v1/events?after={last}", HTTP_AUTHORIZATION=f"Bearer {world['border']}"
                        ).json()["events"] == []
    assert sum(len(_reads(n)) for n in set(on_page)) == total


def test_each_webhook_delivery_is_logged_for_its_person(world, settings):
    server = start_receiver()
    try:
        keys.add("Traffic", ["driving_ban"], f"http://127.0.0.1:{server.server_port}/hooks",
                 actor=Actor.officer("t"))
        summons = Summons.objects.filter(status="missed").first()
        assert summons is not None
        national_id = Person.objects.get(pk=summons.person_id).national_id
        before = _reads(national_id)
        from muster.summons import outcomes

        outcomes.record(format_summons_number(summons.number), "appeared", LATER, actor=Actor.officer("t"))
        engine.turn(LATER, actor=Actor.officer("t"))
        from tests.functional.test_webhooks import Receiver

        delivered = [json.loads(body)["data"]["national_id"] for _, body in Receiver.received]
        assert national_id in delivered
        after = _reads(national_id)
        hooks = [r for r in after[len(before):] if r["purpose"] == "webhook delivery (driving_ban)"]
        assert len(hooks) == delivered.count(national_id)
        assert {r["who"] for r in hooks} == {"partner:Traffic"}
    finally:
        server.shutdown()
        server.server_close()


def test_an_officer_outside_the_persons_district_is_refused_and_nothing_is_logged(world):
    from muster.audit.access import AccessDenied
    from muster.registry import services as registry

    national_id, _ = _person_with_ban(world)
    before = _reads(national_id)
    outsider = Actor.officer("cli:petrov", districts=frozenset({"RU-MOW"}), purpose="curiosity")
    from muster.policy import loader

    with pytest.raises(AccessDenied, match="outside your districts"):
        registry.show_person(outsider, national_id, loader.get_pack("ru"), LATER.date())
    with pytest.raises(AccessDenied, match="purpose"):
        registry.show_person(Actor.officer("cli:petrov"), national_id, loader.get_pack("ru"), LATER.date())
    assert _reads(national_id) == before


def test_feed_entries_written_before_they_named_their_person_are_given_one(world):
    """The migration that added partners_feedentry.person_id fills it from the national id each
    entry carries, so older pages still show in each person's access log."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from muster.partners.models import FeedEntry

    expected = dict(FeedEntry.objects.values_list("pk", "person_id"))
    assert expected and None not in expected.values()
    FeedEntry.objects.update(person_id=None)
    migration = importlib.import_module("muster.partners.migrations.0003_feedentry_person")
    with connection.schema_editor() as editor:
        migration.backfill(apps, editor)
    assert dict(FeedEntry.objects.values_list("pk", "person_id")) == expected


def test_reading_an_evidence_file_is_logged(world, cli_run, monkeypatch, settings, tmp_path):
    """`application evidence` (casework.read_evidence) leaves one row naming the officer and purpose."""
    from muster.casework import services as casework
    from muster.policy import loader
    from tests.fixtures.evidence import craft

    settings.MUSTER_EVIDENCE_DIR = tmp_path / "evidence"
    national_id = world["ids"][0]
    pdf = craft.one_page_pdf()
    filed = casework.submit(Actor.officer("t"), loader.get_pack("ru"), national_id, "deferment",
                            "two_or_more_children", files=[casework.EvidenceInput("note.pdf", pdf)],
                            at=LATER)
    digest = casework.show(Actor.officer("t", purpose="t"), filed["number"])["evidence"][0]["sha256"]
    assert cli_run("user", "add", "ivanova", "--role", "registration_officer", "--no-password").exit_code == 0
    monkeypatch.setenv("MUSTER_ACTOR", "cli:ivanova")
    before = _reads(national_id)
    result = cli_run("application", "evidence", filed["number"], digest, "--out", str(tmp_path / "copy.pdf"),
                     "--purpose", "appeal 17", "--json")
    assert result.exit_code == 0, result.output
    read = _new_read(national_id, before)
    assert (read["who"], read["purpose"]) == ("cli:ivanova", "appeal 17")
