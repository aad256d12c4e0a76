"""A person's contact details and consent on the portal (issue 13): a new email address or phone
number takes effect only when the code sent to it (through a real SMTP server, aiosmtpd, and a real
HTTP SMS gateway on loopback) comes back; the code is hashed at rest, lasts 15 minutes and allows 5
tries; every step is audited without the address or number."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from muster.audit.access import AccessDenied
from muster.audit.models import AuditRecord
from muster.citizen import services as portal
from muster.delivery.contact_models import ContactChange, NoticeConsent
from muster.kernel.actor import Actor
from muster.registry.models import Observation, Person
from tests.functional.test_delivery_channels import _free_port, sms_gateway, smtp_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(ru, people) -> Person:
    return Person.objects.get(national_id=people(2)[0])


@pytest.fixture
def now(person):
    """After the import: the portal's observation is the newer, as it is on a live database."""
    return timezone.now()


def _code(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def _trail_mentions(person: Person, *values: str) -> bool:
    texts = [f"{r.object_id} {r.purpose}" for r in AuditRecord.objects.filter(person_id=person.pk)]
    return any(v in t for v in values for t in texts)


def test_a_new_email_takes_effect_only_with_the_code_sent_to_it(settings, smtp_server, person, ru, now):  # noqa: F811
    controller, received = smtp_server
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    me = Actor.person(person.pk)
    asked = portal.request_contact_change(me, "email", " Ivan.New@Example.ORG ", now)
    assert asked["expires_at"] == now + timedelta(minutes=15)
    (mail,) = received
    assert mail["To"] == "Ivan.New@example.org"
    code = _code(mail.get_payload(decode=True).decode("utf-8"))
    change = ContactChange.objects.get(pk=asked["change"])
    assert code not in change.code_hash and len(change.code_hash) > 64
    person.refresh_from_db()
    assert person.email == "ivan@example.ru"  # not yet
    assert portal.contact_details(me)["pending"] == [{"change": change.pk, "channel": "email",
                                                       "expires_at": now + timedelta(minutes=15)}]

    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(portal.ContactError, match="^code: wrong code; 4 tries left"):
        portal.confirm_contact_change(me, ru, change.pk, wrong, now + timedelta(minutes=1))
    assert ContactChange.objects.get(pk=change.pk).attempts == 1  # the try is kept though refused
    done = portal.confirm_contact_change(me, ru, change.pk, code, now + timedelta(minutes=2))
    assert done == {"change": change.pk, "channel": "email", "confirmed": True, "applied": True}
    person.refresh_from_db()
    assert person.email == "Ivan.New@example.org"
    assert Observation.objects.get(pk=person.email_obs).source.name == "portal"
    with pytest.raises(portal.ContactError, match="used already"):
        portal.confirm_contact_change(me, ru, change.pk, code, now + timedelta(minutes=3))
    actions = set(AuditRecord.objects.filter(person_id=person.pk).values_list("action", flat=True))
    assert {"contact.change_requested", "contact.code_refused", "contact.changed"} <= actions
    assert not _trail_mentions(person, "Ivan.New", "example.org", code)


def test_a_new_phone_is_confirmed_by_sms_and_a_code_expires_and_runs_out_of_tries(settings, sms_gateway, person, ru, now):  # noqa: F811
    server, gateway = sms_gateway
    settings.MUSTER_SMS_URL = f"http://127.0.0.1:{server.server_port}/send"
    me = Actor.person(person.pk)
    first = portal.request_contact_change(me, "phone", "+7 (903) 111-22-33", now)
    assert gateway.received[-1]["to"] == "+79031112233"
    code = _code(gateway.received[-1]["text"])
    assert gateway.headers[-1]["Idempotency-Key"] == f"muster-contact-{first['change']}"
    with pytest.raises(portal.ContactError, match="expired"):
        portal.confirm_contact_change(me, ru, first["change"], code, now + timedelta(minutes=16))
    assert ContactChange.objects.get(pk=first["change"]).state == "closed"

    second = portal.request_contact_change(me, "sms", "+79031112233", now + timedelta(minutes=20))
    code = _code(gateway.received[-1]["text"])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(portal.ContactError, match="wrong code"):
            portal.confirm_contact_change(me, ru, second["change"], wrong, now + timedelta(minutes=21))
    with pytest.raises(portal.ContactError):
        portal.confirm_contact_change(me, ru, second["change"], code, now + timedelta(minutes=22))
    person.refresh_from_db()
    assert person.phone == "+79161234567"  # unchanged: the right code came too late

    third = portal.request_contact_change(me, "phone", "+79031112233", now + timedelta(minutes=30))
    portal.confirm_contact_change(me, ru, third["change"], _code(gateway.received[-1]["text"]),
                                  now + timedelta(minutes=31))
    person.refresh_from_db()
    assert person.phone == "+79031112233"
    assert not _trail_mentions(person, "79031112233")


def test_bad_contacts_and_other_peoples_changes_are_refused(settings, smtp_server, person, ru, now):  # noqa: F811
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{smtp_server[0].port}"
    me = Actor.person(person.pk)
    with pytest.raises(portal.ContactError, match="^email:"):
        portal.request_contact_change(me, "email", "not an address", now)
    with pytest.raises(portal.ContactError, match="^phone:"):
        portal.request_contact_change(me, "phone", "12", now)
    with pytest.raises(portal.ContactError, match="^channel:"):
        portal.request_contact_change(me, "pigeon", "x", now)
    asked = portal.request_contact_change(me, "email", "new@example.org", now)
    other = Person.objects.exclude(pk=person.pk).first()
    with pytest.raises(portal.ContactError, match="^change:"):
        portal.confirm_contact_change(Actor.person(other.pk), ru, asked["change"], "123456", now)
    with pytest.raises(AccessDenied):
        portal.request_contact_change(Actor.officer("t", purpose="x"), "email", "a@example.org", now)


def test_no_more_than_five_codes_an_hour(settings, smtp_server, person, now):  # noqa: F811
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{smtp_server[0].port}"
    me = Actor.person(person.pk)
    for minute in range(5):
        portal.request_contact_change(me, "email", f"new{minute}@example.org", now + timedelta(minutes=minute))
    with pytest.raises(portal.ContactError, match="^channel: 5 codes were sent in the last hour"):
        portal.request_contact_change(me, "email", "new9@example.org", now + timedelta(minutes=10))
    assert len(smtp_server[1]) == 5
    portal.request_contact_change(me, "email", "later@example.org", now + timedelta(minutes=61))
    assert len(smtp_server[1]) == 6


def test_an_unreachable_smtp_server_changes_nothing(settings, person, now):
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{_free_port()}"
    with pytest.raises(portal.ContactError, match="^email: the code could not be sent"):
        portal.request_contact_change(Actor.person(person.pk), "email", "new@example.org", now)
    assert set(ContactChange.objects.values_list("state", flat=True)) == {"closed"}


def test_consent_to_electronic_notices_is_turned_on_and_off_and_audited(person, now):
    me = Actor.person(person.pk)
    assert portal.contact_details(me)["consent"] is None
    portal.set_notice_consent(me, False, now)
    assert portal.contact_details(me)["consent"] is False
    portal.set_notice_consent(me, True, now + timedelta(hours=1))
    assert NoticeConsent.objects.get(person_id=person.pk).electronic is True
    assert list(AuditRecord.objects.filter(action="consent.changed").values_list("purpose", flat=True)) == [
        "electronic notices off", "electronic notices on"]
    with pytest.raises(AccessDenied):
        portal.set_notice_consent(Actor.officer("t", purpose="x"), True, now)


def test_with_electronic_notices_off_no_email_or_sms_notice_goes_out(settings, smtp_server, sms_gateway, person,  # noqa: F811
                                                                    ru, now):
    from datetime import date

    from muster.campaigns import issuing
    from muster.campaigns import services as campaigns
    from muster.delivery import notices
    from muster.delivery.models import Delivery, DeliveryEvent
    from muster.summons import tick
    from tests.conftest import at

    controller, received = smtp_server
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    settings.MUSTER_SMS_URL = f"http://127.0.0.1:{sms_gateway[0].server_port}/send"
    portal.set_notice_consent(Actor.person(person.pk), False, now)
    placed = at("2026-03-02")
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 2},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 20),
                                                   place="x"), actor=Actor.officer("t"), today=placed.date())
    issuing.issue(campaigns.get("C"), placed, actor=Actor.officer("t"))
    tick.tick(placed, actor=Actor.officer("t"))
    counts = notices.send_due(placed)
    assert counts["email_sent"] == counts["sms_sent"] == 1  # the other person's
    assert len(received) == 1 and len(sms_gateway[1].received) == 1
    mine = Delivery.objects.filter(person_id=person.pk, channel__in=("email", "sms"))
    assert {d.state for d in mine} == {"failed"} and mine.count() == 2
    evidence = DeliveryEvent.objects.filter(person_id=person.pk, event="failed").values_list("evidence", flat=True)
    assert all("turned electronic notices off" in e for e in evidence) and len(evidence) == 2
