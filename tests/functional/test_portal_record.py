"""The portal's record services (issue 13) on the database: the extract (JSON and PDF) that alerts
nobody, "who viewed my record" without an officer's name, and the inbox marked read when opened."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from muster import engine
from muster.accounts.services import actor_for, add_user
from muster.audit.access import AccessDenied
from muster.audit.models import AuditRecord, PartnerRead
from muster.casework.models import Appeal, Application
from muster.citizen import services as portal
from muster.delivery.models import PersonMessage
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.partners.models import FeedEntry
from muster.registry import services as registry
from muster.registry.models import District, Person
from tests.conftest import at

pytestmark = pytest.mark.django_db
NOW = at("2026-04-06")


def _person(world, i: int = 0) -> Person:
    return Person.objects.get(national_id=world["ids"][i])


def _check(world, nid: str) -> None:
    response = Client().get(f"/api/v1/measures/{nid}", HTTP_AUTHORIZATION=f"Bearer {world['border']}")
    assert response.status_code == 200, response.content


def _alerts() -> dict[str, int]:
    """Everything that would tell someone: the ledger (partners' outbox), their feeds, messages and
    their emails, the work queue."""
    return {"events": Event.objects.count(), "feed": FeedEntry.objects.count(),
            "messages": PersonMessage.objects.count(), "applications": Application.objects.count(),
            "appeals": Appeal.objects.count()}


def test_the_extract_holds_the_whole_record_and_alerts_nobody(world, ru):
    person = _person(world)
    _check(world, world["ids"][0])
    before, last = _alerts(), AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    me = Actor.person(person.pk)
    data = json.loads(portal.extract_json(me, ru, NOW))
    assert data["record"]["national_id"] == person.national_id
    assert data["record"]["fields"]["family_name"] == "Иванов"
    assert data["record"]["provenance"]["family_name"]["source"] == "import"
    assert data["record"]["liability"]["reasons"]
    (summons,) = data["summonses"]
    assert summons["status"] == "missed" and {d["channel"] for d in summons["deliveries"]}
    assert len(data["measures"]) == 7 and all(m["legal_basis"] for m in data["measures"])
    assert data["messages"] and data["applications"] == [] and data["appeals"] == []
    log = data["access_log"]
    assert [e["by"] for e in log if e["purpose"] == "own extract"] == ["you"]  # this very read
    assert any(e["by"] == "partner" and e["agency"] == "Border" for e in log)
    # Alerting nobody: nothing new anywhere, before or after the next turn of the engine.
    assert _alerts() == before
    engine.turn(at("2026-04-06", 12), actor=Actor.officer("t"), send=False)
    assert _alerts() == before
    reads = AuditRecord.objects.filter(pk__gt=last, person_id=person.pk).order_by("id")
    assert [(r.actor, r.action, r.purpose) for r in reads] == [(f"person:{person.pk}", "person.read", "own extract")]


def test_the_extract_pdf_embeds_its_font_and_reads_in_cyrillic(world, ru):
    import io

    import pypdfium2

    person = _person(world)
    pdf_bytes = portal.extract_pdf(Actor.person(person.pk), ru, NOW)
    assert pdf_bytes.startswith(b"%PDF") and b"/FontFile2" in pdf_bytes
    document = pypdfium2.PdfDocument(io.BytesIO(pdf_bytes))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Иванов" in text and "Выписка" in text and "own extract" in text


def test_only_the_person_or_an_officer_with_a_purpose_gets_an_extract(world, ru):
    person, other = _person(world, 0), _person(world, 1)
    with pytest.raises(AccessDenied):
        portal.extract_json(Actor.person(other.pk), ru, NOW, national_id=person.national_id)
    with pytest.raises(AccessDenied):
        portal.extract_json(Actor.officer("cli:bob", districts=frozenset({"RU-RYA"})), ru, NOW,
                            national_id=person.national_id)
    with pytest.raises(AccessDenied):
        portal.extract_json(Actor.officer("cli:bob", districts=frozenset({"RU-MOW"}), purpose="check"), ru, NOW,
                            national_id=person.national_id)
    officer = Actor.officer("cli:bob", districts=frozenset({"RU-RYA"}), purpose="appeal review")
    json.loads(portal.extract_json(officer, ru, NOW, national_id=person.national_id))
    assert AuditRecord.objects.filter(actor="cli:bob", person_id=person.pk, purpose="appeal review").count() == 1


def test_who_viewed_names_the_office_and_the_agency_never_the_officer(world, ru):
    person = _person(world)
    add_user(Actor.officer("root"), "alice.petrova", None, False, role="registration_officer", districts=["RU-RYA"])
    add_user(Actor.officer("root"), "boss", None, False, role="auditor")
    registry.show_person(actor_for("alice.petrova", purpose="checking the address"), person.national_id, ru,
                         NOW.date())
    registry.show_person(actor_for("boss", purpose="audit sample"), person.national_id, ru, NOW.date())
    _check(world, world["ids"][0])
    engine.turn(at("2026-04-06", 12), actor=Actor.officer("t"), send=False)
    Client().get("/api/v1/events?after=0&limit=1000", HTTP_AUTHORIZATION=f"Bearer {world['border']}")
    portal.record_own_view(Actor.person(person.pk), "record")
    seen = portal.who_viewed(Actor.person(person.pk), ru)
    items = seen["items"]
    assert "alice" not in repr(seen) and "boss" not in repr(seen) and "cli:" not in repr(seen)
    office = District.objects.get(code="RU-RYA").office
    assert {"by": "office", "office": office, "role": "registration_officer", "purpose": "checking the address"} \
        .items() <= next(e for e in items if e["purpose"] == "checking the address").items()
    assert next(e for e in items if e["purpose"] == "audit sample")["office"] == "central office (all districts)"
    partner = [e for e in items if e["by"] == "partner"]
    assert {e["check"] for e in partner} == {"a check of the measures it enforces", "its feed of measure events"}
    assert {e["agency"] for e in partner} == {"Border"}
    assert [e["by"] for e in items if e["purpose"] == "own record"] == ["you"]
    assert seen["total"] == len(items) == PartnerRead.objects.filter(person=person).count() + 4
    # Filtered by day and paged.
    today = timezone.localdate(timezone.now(), ZoneInfo(ru.time_zone))  # the reads were at the wall clock
    assert portal.who_viewed(Actor.person(person.pk), ru, since=today + timedelta(days=1))["total"] == 0
    assert portal.who_viewed(Actor.person(person.pk), ru, since=today, until=today)["total"] == seen["total"]
    assert portal.who_viewed(Actor.person(person.pk), ru, until=today - timedelta(days=1))["total"] == 0
    first = portal.who_viewed(Actor.person(person.pk), ru, size=2)
    assert len(first["items"]) == 2 and first["pages"] == -(-seen["total"] // 2)
    with pytest.raises(portal.RangeProblem, match="^since:"):
        portal.who_viewed(Actor.person(person.pk), ru, since=at("2026-04-07").date(), until=at("2026-04-01").date())
    with pytest.raises(AccessDenied):
        portal.who_viewed(actor_for("alice.petrova", purpose="x"), ru)
    with pytest.raises(AccessDenied):
        portal.record_own_view(actor_for("alice.petrova", purpose="x"), "record")
    # The extract's copy of the log names no officer either.
    extract = portal.extract_json(Actor.person(person.pk), ru).decode()
    assert "alice" not in extract and "boss" not in extract and "cli:" not in extract


def test_a_message_is_marked_read_when_its_owner_opens_it(world):
    person, other = _person(world, 0), _person(world, 1)
    me = Actor.person(person.pk)
    box = portal.message_inbox(me)
    assert box["total"] == box["unread"] == portal.unread_count(me) > 0
    newest = box["items"][0]
    opened = portal.open_message(me, newest["id"], NOW)
    assert opened["read"] and opened["read_at"] == NOW
    assert portal.unread_count(me) == box["unread"] - 1
    assert portal.open_message(me, newest["id"], at("2026-04-08"))["read_at"] == NOW  # the first opening stays
    with pytest.raises(portal.MessageNotFound, match="^message:"):
        portal.open_message(Actor.person(other.pk), newest["id"], NOW)
    with pytest.raises(AccessDenied):
        portal.open_message(Actor.officer("t", purpose="x"), newest["id"], NOW)
    assert PersonMessage.objects.get(pk=newest["id"]).read_at == NOW
