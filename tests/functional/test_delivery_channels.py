"""Email through a real SMTP server (aiosmtpd), SMS through a real HTTP gateway on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.delivery import notices
from muster.delivery.models import Delivery, DeliveryEvent
from muster.kernel.actor import Actor
from muster.summons import tick
from tests.conftest import at

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02")


def _tick_and_send(now, actor):
    """The tick, then the email and SMS notices it queued (the engine's first two steps)."""
    counts = tick.tick(now, actor=actor)
    counts.update(notices.send_due(now))
    return counts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    controller = Controller(Collect(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, received
    controller.stop()


class Gateway(BaseHTTPRequestHandler):
    behaviour = "ok"
    received: list = []
    headers: list = []

    def do_POST(self):  # noqa: N802 - the standard library's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Gateway.behaviour == "slow":
            time.sleep(7)
        if Gateway.behaviour == "error":
            self.send_response(503)
            self.end_headers()
            return
        Gateway.received.append(body)
        Gateway.headers.append(dict(self.headers.items()))
        answer = json.dumps({"id": f"sms-{len(Gateway.received)}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_gateway():
    Gateway.received, Gateway.headers = [], []
    Gateway.behaviour = "ok"
    server = ThreadingHTTPServer(("127.0.0.1", _free_port()), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, Gateway
    server.shutdown()
    server.server_close()


@pytest.fixture
def issued(ru, people):
    people(4)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 4},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 20),
                                                   place="x"), actor=Actor.officer("t"), today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor=Actor.officer("t"))


def test_emails_go_through_a_real_smtp_server_and_say_only_that_a_notice_exists(
        settings, smtp_server, sms_gateway, issued):
    controller, received = smtp_server
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    settings.MUSTER_SMS_URL = f"http://127.0.0.1:{sms_gateway[0].server_port}/send"
    counts = _tick_and_send(NOW, actor=Actor.officer("t"))
    assert counts["email_sent"] == 4 and counts["sms_sent"] == 4
    assert len(received) == 4 and len(sms_gateway[1].received) == 4
    body = received[0].get_payload(decode=True).decode("utf-8")
    assert "/portal/" in body and "Иван" not in body and "Иванов" not in body
    assert all(d.state == "sent" for d in Delivery.objects.filter(channel__in=("email", "sms")))
    assert DeliveryEvent.objects.filter(channel="email", event="sent").count() == 4
    assert _tick_and_send(NOW, actor=Actor.officer("t"))["email_sent"] == 0  # nothing is sent twice


def test_smtp_down_is_retried_with_backoff_then_fails_and_nothing_is_lost(settings, sms_gateway, issued):
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{_free_port()}"  # nobody listens
    settings.MUSTER_SMS_URL = f"http://127.0.0.1:{sms_gateway[0].server_port}/send"
    settings.MUSTER_DELIVERY_MAX_ATTEMPTS = 3
    counts = _tick_and_send(NOW, actor=Actor.officer("t"))
    assert counts["email_retried"] == 4 and counts["email_sent"] == 0
    email = Delivery.objects.filter(channel="email").first()
    assert email.state == "queued" and email.attempts == 1 and "unreachable" in email.last_error
    assert email.next_attempt_at == NOW + timedelta(seconds=60)
    assert _tick_and_send(NOW + timedelta(seconds=30), actor=Actor.officer("t"))["email_retried"] == 0  # not due yet
    assert _tick_and_send(NOW + timedelta(seconds=61), actor=Actor.officer("t"))["email_retried"] == 4
    final = _tick_and_send(NOW + timedelta(seconds=200), actor=Actor.officer("t"))
    assert final["email_failed"] == 4
    assert set(Delivery.objects.filter(channel="email").values_list("state", flat=True)) == {"failed"}
    assert DeliveryEvent.objects.filter(channel="email", event="failed").count() == 4


def test_sms_gateway_answering_5xx_is_retried(settings, sms_gateway, issued):
    settings.MUSTER_SMS_URL = f"http://127.0.0.1:{sms_gateway[0].server_port}/send"
    sms_gateway[1].behaviour = "error"
    counts = _tick_and_send(NOW, actor=Actor.officer("t"))
    assert counts["sms_retried"] == 4
    assert "answered 503" in Delivery.objects.filter(channel="sms").first().last_error
    sms_gateway[1].behaviour = "ok"
    assert _tick_and_send(NOW + timedelta(minutes=2), actor=Actor.officer("t"))["sms_sent"] == 4


def test_sms_gateway_timing_out_is_retried(settings, sms_gateway, issued, monkeypatch):
    from muster.delivery import ports as channels

    settings.MUSTER_SMS_URL = f"http://127.0.0.1:{sms_gateway[0].server_port}/send"
    monkeypatch.setattr(channels.HttpSms, "timeout", 0.5)
    sms_gateway[1].behaviour = "slow"
    delivery = Delivery.objects.filter(channel="sms").first()
    Delivery.objects.filter(channel="sms").exclude(pk=delivery.pk).update(next_attempt_at=NOW + timedelta(days=1))
    counts = _tick_and_send(NOW, actor=Actor.officer("t"))
    assert counts["sms_retried"] == 1
    delivery.refresh_from_db()
    assert delivery.state == "queued" and "unreachable" in delivery.last_error
