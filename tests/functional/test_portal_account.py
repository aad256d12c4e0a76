"""The portal's account pages (issue 13): messages marked read when opened with the unread count in
the navigation; download my extract (PDF and JSON attachments, never cached, alerting nobody, the
person's own read); my contact details (a new email takes effect only with the code sent to it
through a real SMTP server) and consent to electronic notices."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from muster.audit.models import AuditRecord
from muster.casework.models import Application
from muster.delivery import messages as notify
from muster.delivery.contact_models import ContactChange, NoticeConsent
from muster.delivery.models import PersonMessage
from muster.kernel import clock
from muster.ledger.models import Event
from muster.partners.models import FeedEntry, PendingChange, RegisterFact
from muster.registry.models import Person
from tests.conftest import at
from tests.functional.portal_support import english_client, sign_in
from tests.functional.test_delivery_channels import smtp_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(world, provider):
    client = english_client()
    assert sign_in(client, provider, world["ids"][0])["Location"] == "/portal/record/"
    return client


@pytest.fixture
def me(world) -> Person:
    return Person.objects.get(national_id=world["ids"][0])


def _ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def _own_reads(person: Person) -> int:
    return AuditRecord.objects.filter(person_id=person.pk, actor=f"person:{person.pk}", action="person.read").count()


# --- messages ----------------------------------------------------------------------------------

def test_opening_a_message_marks_it_read_and_the_nav_counts_the_unread(world, alice, me):
    notify.make_messages(at("2026-04-06"))
    unread = PersonMessage.objects.filter(person=me).count()
    mine = next(m for m in PersonMessage.objects.filter(person=me) if m.details.get("kind") == "exit_ban")
    assert f"unread: {unread}" in _ok(alice, "/portal/record/")
    listing = _ok(alice, "/portal/messages/")
    assert f'href="/portal/messages/{mine.pk}/"' in listing and "New" in listing
    assert PersonMessage.objects.get(pk=mine.pk).read_at is None  # the list alone reads nothing

    text = _ok(alice, f"/portal/messages/{mine.pk}/")
    assert "A measure was applied to you" in text and "Ban on leaving the country" in text and "Legal basis" in text
    first = PersonMessage.objects.get(pk=mine.pk).read_at
    assert first is not None and f"unread: {unread - 1}" in text
    _ok(alice, f"/portal/messages/{mine.pk}/")
    assert PersonMessage.objects.get(pk=mine.pk).read_at == first  # the first opening is kept


def test_another_persons_message_is_not_found_and_stays_unread(world, alice):
    notify.make_messages(at("2026-04-06"))
    theirs = PersonMessage.objects.filter(person__national_id=world["ids"][1]).first()
    response = alice.get(f"/portal/messages/{theirs.pk}/")
    assert response.status_code == 404 and world["ids"][1] not in response.content.decode()
    assert PersonMessage.objects.get(pk=theirs.pk).read_at is None


def test_who_viewed_refuses_a_range_backwards_with_an_error_summary(world, alice):
    text = _ok(alice, "/portal/access-log/?from=2026-05-01&to=2026-04-01")
    assert "There is a problem" in text and "The start date must be on or before the end date" in text
    assert "Partner agency" not in _ok(alice, "/portal/access-log/?from=2026-01-01&to=2026-01-02")


# --- download my extract -----------------------------------------------------------------------

def _alerts() -> dict[str, int]:
    """Everything that would tell someone: ledger events (so feeds, webhooks and messages), messages,
    partner feed rows, officers' queues."""
    return {"events": Event.objects.count(), "messages": PersonMessage.objects.count(),
            "feed": FeedEntry.objects.count(), "applications": Application.objects.count(),
            "facts": RegisterFact.objects.count(), "pending": PendingChange.objects.count()}


@pytest.mark.parametrize(("kind", "content_type", "starts"), [("pdf", "application/pdf", b"%PDF-"),
                                                              ("json", "application/json", b"{")])
def test_the_extract_downloads_alert_nobody_and_are_the_persons_own_read(world, alice, me, kind, content_type,
                                                                        starts):
    assert "Download as PDF" in _ok(alice, "/portal/extract/")
    before, reads = _alerts(), _own_reads(me)
    response = alice.get(f"/portal/extract/{kind}/")
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment; filename=\"extract-")
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(starts)
    assert _alerts() == before
    assert _own_reads(me) == reads + 1
    assert AuditRecord.objects.filter(person_id=me.pk, object_type="extract").count() == 1
    if kind == "json":
        data = json.loads(response.content)
        assert data["record"] and data["access_log"][0]["by"] == "you"


def test_only_pdf_and_json_extracts_exist_and_only_for_the_signed_in(world, alice):
    assert alice.get("/portal/extract/xml/").status_code == 404
    assert english_client().get("/portal/extract/pdf/")["Location"] == "/portal/"


# --- contact details and consent ---------------------------------------------------------------

def _code(mail) -> str:
    return re.search(r"\b(\d{6})\b", mail.get_payload(decode=True).decode("utf-8")).group(1)


def test_a_new_email_is_applied_only_with_the_code_sent_to_it(settings, smtp_server, world, alice, me):  # noqa: F811
    controller, received = smtp_server
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    assert "Change your contact details" in _ok(alice, "/portal/contacts/")
    response = alice.post("/portal/contacts/change/", {"channel": "email", "email": "new.me@example.org"})
    change = ContactChange.objects.get(person=me, state="pending")
    assert response.status_code == 302 and response["Location"] == f"/portal/contacts/confirm/{change.pk}/"
    (mail,) = received
    assert mail["To"] == "new.me@example.org"
    code = _code(mail)
    assert "A code was sent to your new email address." in _ok(alice, "/portal/contacts/")

    wrong = "000000" if code != "000000" else "111111"
    refused = alice.post(f"/portal/contacts/confirm/{change.pk}/", {"code": wrong})
    text = refused.content.decode()
    assert refused.status_code == 400 and "There is a problem" in text and "Tries left: 4" in text
    assert 'href="#code"' in text
    assert alice.post(f"/portal/contacts/confirm/{change.pk}/", {"code": "12ab"}).status_code == 400
    assert ContactChange.objects.get(pk=change.pk).attempts == 1  # a malformed code spends no try
    me.refresh_from_db()
    assert me.email != "new.me@example.org"

    done = alice.post(f"/portal/contacts/confirm/{change.pk}/", {"code": code})
    assert done["Location"] == "/portal/contacts/?done=email"
    assert "Your email address has been changed." in _ok(alice, done["Location"])
    me.refresh_from_db()
    assert me.email == "new.me@example.org"
    actions = set(AuditRecord.objects.filter(person_id=me.pk).values_list("action", flat=True))
    assert {"contact.change_requested", "contact.code_refused", "contact.changed"} <= actions
    again = alice.post(f"/portal/contacts/confirm/{change.pk}/", {"code": code})
    assert again.status_code == 400 and "used already" in again.content.decode()


def test_an_expired_code_and_a_bad_address_get_an_error_summary(settings, smtp_server, world, alice, me):  # noqa: F811
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{smtp_server[0].port}"
    bad = alice.post("/portal/contacts/change/", {"channel": "email", "email": "not an address"})
    text = bad.content.decode()
    assert bad.status_code == 400 and "Enter an email address like name@example.org" in text and 'href="#email"' in text
    empty = alice.post("/portal/contacts/change/", {"channel": "phone", "phone": " "})
    assert empty.status_code == 400 and 'href="#phone"' in empty.content.decode()
    assert not ContactChange.objects.filter(person=me).exists()

    alice.post("/portal/contacts/change/", {"channel": "email", "email": "later@example.org"})
    change = ContactChange.objects.get(person=me)
    previous = clock.use(clock.FixedClock(timezone.now() + timedelta(minutes=16)))
    try:
        late = alice.post(f"/portal/contacts/confirm/{change.pk}/", {"code": _code(smtp_server[1][0])})
    finally:
        clock.use(previous)
    assert late.status_code == 400 and "The code has expired" in late.content.decode()
    me.refresh_from_db()
    assert me.email != "later@example.org"


def test_consent_to_electronic_notices_is_turned_off_and_on(world, alice, me):
    assert "You have not chosen yet" in _ok(alice, "/portal/contacts/")
    assert alice.post("/portal/contacts/consent/", {"electronic": "no"})["Location"] == "/portal/contacts/?done=consent"
    assert NoticeConsent.objects.get(person=me).electronic is False
    assert "No: notices come by post" in _ok(alice, "/portal/contacts/")
    alice.post("/portal/contacts/consent/", {"electronic": "yes"})
    assert NoticeConsent.objects.get(person=me).electronic is True
    assert alice.post("/portal/contacts/consent/", {}).status_code == 400
    assert list(AuditRecord.objects.filter(person_id=me.pk, action="consent.changed")
                .values_list("purpose", flat=True)) == ["electronic notices off", "electronic notices on"]


def test_changes_need_the_configured_level_of_assurance_and_csrf(settings, world, provider):
    import dataclasses

    settings.MUSTER_OIDC = dataclasses.replace(settings.MUSTER_OIDC, required_acr="high")
    low = english_client()
    sign_in(low, provider, world["ids"][0], acr="low")
    assert low.post("/portal/contacts/consent/", {"electronic": "no"}).status_code == 403
    assert not NoticeConsent.objects.exists()
    strict = english_client(enforce_csrf_checks=True)
    sign_in(strict, provider, world["ids"][0], sub="strict", acr="high")
    assert strict.post("/portal/contacts/consent/", {"electronic": "no"}).status_code == 403
    assert not NoticeConsent.objects.exists()
