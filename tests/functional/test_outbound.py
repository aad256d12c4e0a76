"""The shared outbound retry machine, through each of its outboxes: what each one writes when a
send succeeds, fails for good, or fails for now (the paths the channel tests do not reach)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import F

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.delivery import messages, notices
from muster.delivery.models import Delivery, DeliveryEvent, PersonMessage
from muster.delivery.ports import SendFailed
from muster.kernel.actor import Actor
from muster.partners import feed, keys, webhooks
from muster.partners.models import FeedEntry, Partner
from muster.registry.models import Person
from muster.summons import tick
from tests.conftest import at
from tests.functional.test_webhooks import Receiver, _free_port, start_receiver

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02")
LONG_REF = "ref-" + "x" * 120


class FakePort:
    """An email or SMS port that fails as told: None (sends), or (reason, temporary)."""

    def __init__(self, fail: tuple[str, bool] | None = None):
        self.fail = fail
        self.to: list[str] = []

    def send(self, to: str, *parts: str) -> str:
        if self.fail:
            raise SendFailed(*self.fail)
        self.to.append(to)
        return LONG_REF


@pytest.fixture
def issued(ru, people):
    people(4)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 4},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 20),
                                                   place="x"), actor=Actor.officer("t"), today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor=Actor.officer("t"))
    tick.tick(NOW, actor=Actor.officer("t"))


def test_a_permanent_email_failure_gives_up_at_once_while_sms_is_sent(issued, monkeypatch):
    monkeypatch.setattr(notices, "email_port", lambda: FakePort(("SMTP refused the recipient: 550", False)))
    monkeypatch.setattr(notices, "sms_port", lambda: FakePort())
    counts = notices.send_due(NOW)
    assert dict(counts) == {"email_failed": 4, "sms_sent": 4}
    for email in Delivery.objects.filter(channel="email"):
        assert (email.state, email.attempts, email.next_attempt_at) == ("failed", 1, None)
        assert email.last_error == "SMTP refused the recipient: 550"
        assert email.events.get().evidence == "gave up after 1 attempts: SMTP refused the recipient: 550"
    for sms in Delivery.objects.filter(channel="sms"):
        assert (sms.state, sms.attempts, sms.next_attempt_at, sms.last_error) == ("sent", 1, None, "")
        assert sms.provider_ref == LONG_REF[:100]
        assert sms.events.get().evidence == f"accepted by the sms gateway ({LONG_REF})"
    assert notices.send_due(NOW + timedelta(days=1)) == {}


def test_a_temporary_sms_failure_is_retried_then_given_up(issued, monkeypatch, settings):
    settings.MUSTER_DELIVERY_MAX_ATTEMPTS = 2
    monkeypatch.setattr(notices, "email_port", lambda: FakePort())
    monkeypatch.setattr(notices, "sms_port", lambda: FakePort(("SMS gateway answered 503", True)))
    assert dict(notices.send_due(NOW)) == {"email_sent": 4, "sms_retried": 4}
    sms = Delivery.objects.filter(channel="sms").order_by("id").first()
    assert (sms.state, sms.attempts, sms.next_attempt_at) == ("queued", 1, NOW + timedelta(seconds=60))
    assert not sms.events.exists()
    assert dict(notices.send_due(NOW + timedelta(seconds=60))) == {"sms_failed": 4}
    sms.refresh_from_db()
    assert (sms.state, sms.attempts, sms.next_attempt_at) == ("failed", 2, None)
    assert sms.events.get().evidence == "gave up after 2 attempts: SMS gateway answered 503"
    assert DeliveryEvent.objects.filter(event="failed").count() == 4


@pytest.fixture
def queued_messages(people):
    people(2)
    for i, person in enumerate(Person.objects.order_by("id")):
        PersonMessage.objects.create(person=person, event_id=i + 1, topic="measure.applied", details={},
                                     created_at=NOW, email_state="queued", attempts=0, next_attempt_at=NOW,
                                     last_error="")


def test_message_emails_retry_with_backoff_then_fail(queued_messages, monkeypatch, settings):
    settings.MUSTER_DELIVERY_MAX_ATTEMPTS = 3
    reason = "SMTP server unreachable: " + "x" * 400
    monkeypatch.setattr(messages, "email_port", lambda: FakePort((reason, True)))
    assert dict(messages.send_due(NOW)) == {"message_email_retried": 2}
    message = PersonMessage.objects.order_by("id").first()
    assert (message.email_state, message.attempts, message.next_attempt_at) == ("queued", 1, NOW + timedelta(seconds=60))
    assert message.last_error == reason[:300]
    assert messages.send_due(NOW + timedelta(seconds=59)) == {}  # not due yet
    assert dict(messages.send_due(NOW + timedelta(seconds=60))) == {"message_email_retried": 2}
    message.refresh_from_db()
    assert message.next_attempt_at == NOW + timedelta(seconds=180)
    assert dict(messages.send_due(NOW + timedelta(hours=1))) == {"message_email_failed": 2}
    message.refresh_from_db()
    assert (message.email_state, message.attempts, message.next_attempt_at) == ("failed", 3, None)


def test_a_message_email_refused_fails_at_once_and_a_sent_one_clears_its_error(queued_messages, monkeypatch):
    first, second = PersonMessage.objects.order_by("id")
    PersonMessage.objects.filter(pk=second.pk).update(next_attempt_at=NOW + timedelta(hours=1))
    monkeypatch.setattr(messages, "email_port", lambda: FakePort(("SMTP 550", False)))
    assert dict(messages.send_due(NOW)) == {"message_email_failed": 1}
    first.refresh_from_db()
    assert (first.email_state, first.attempts, first.last_error) == ("failed", 1, "SMTP 550")
    PersonMessage.objects.filter(pk=second.pk).update(attempts=2, last_error="SMTP 421")
    port = FakePort()
    monkeypatch.setattr(messages, "email_port", lambda: port)
    assert dict(messages.send_due(NOW + timedelta(hours=1))) == {"message_email_sent": 1}
    second.refresh_from_db()
    assert (second.email_state, second.attempts, second.next_attempt_at, second.last_error) == ("sent", 3, None, "")
    assert len(port.to) == 1


@pytest.fixture
def partners(ru, people, settings):
    """Border (a receiver that answers), Down (nobody listens) and Quiet (no webhook)."""
    settings.MUSTER_WEBHOOK_TIMEOUT = 1
    settings.MUSTER_WEBHOOK_MAX_ATTEMPTS = 3
    server = start_receiver()
    officer = Actor.officer("t")
    keys.add("Border", ["exit_ban"], f"http://127.0.0.1:{server.server_port}/hooks", actor=officer)
    keys.add("Down", ["exit_ban"], f"http://127.0.0.1:{_free_port()}/hooks", actor=officer)
    keys.add("Quiet", ["exit_ban"], "", actor=officer)
    people(3)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 3},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                   place="x"), actor=officer, today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor=officer)
    feed.publish(NOW)
    yield {p.name: p for p in Partner.objects.all()}
    server.shutdown()
    server.server_close()


def _webhook_reads() -> int:
    from muster.audit.models import FeedRead

    return FeedRead.objects.filter(purpose="webhook delivery (exit_ban)", upto_seq=F("after_seq") + 1).count()


def _entries(partner):
    return list(FeedEntry.objects.filter(partner=partner).order_by("seq")
                .values_list("webhook_state", "attempts", "last_error"))


def test_a_receiver_that_is_down_holds_back_only_its_own_partner(partners):
    assert dict(webhooks.send_due(NOW)) == {"delivered": 3, "retried": 1}
    assert len(Receiver.received) == 3 and _webhook_reads() == 3  # one access-log row per delivery
    assert _entries(partners["Border"]) == [("delivered", 1, "")] * 3
    (state, attempts, error), *rest = _entries(partners["Down"])
    assert (state, attempts) == ("pending", 1) and error.startswith("receiver unreachable: ")
    assert rest == [("pending", 0, "")] * 2  # held for the rest of the round
    assert FeedEntry.objects.get(partner=partners["Down"], seq=1).next_attempt_at == NOW + timedelta(seconds=30)
    assert set(FeedEntry.objects.filter(partner=partners["Quiet"]).values_list("webhook_state", flat=True)) == {"none"}
    assert dict(webhooks.send_due(NOW + timedelta(seconds=30))) == {"retried": 1}  # seq 1 again, 2 and 3 wait
    assert dict(webhooks.send_due(NOW + timedelta(hours=1))) == {"dead": 1}
    assert [e[:2] for e in _entries(partners["Down"])] == [("dead", 3), ("pending", 0), ("pending", 0)]
    assert _webhook_reads() == 3


@pytest.mark.parametrize(("url", "secret", "error"), [
    ("notaurl", None, "receiver unreachable: a malformed URL"),  # refused before any connection
    (None, "whsec_abc", "receiver unreachable: Error"),  # a secret that is not base64 cannot sign
])
def test_a_partner_that_cannot_be_sent_to_is_retried_not_fatal(partners, url, secret, error):
    border = partners["Border"]
    Partner.objects.filter(pk=border.pk).update(webhook_url=url or border.webhook_url,
                                                webhook_secret=secret or border.webhook_secret)
    Partner.objects.filter(name="Down").update(webhook_url="")
    assert dict(webhooks.send_due(NOW)) == {"retried": 1}
    assert _entries(border)[0] == ("pending", 1, error)
