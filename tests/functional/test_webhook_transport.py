"""Webhook destinations and revocation (issue 11, B4 and B5), with real receivers on loopback."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from muster.kernel.actor import Actor
from muster.partners import feed, keys, services, webhooks
from muster.partners.models import FeedEntry, Partner
from tests.functional import test_webhooks
from tests.functional.test_webhooks import NOW, _free_port

pytestmark = pytest.mark.django_db
OFFICER = Actor.officer("t")
receiver, border = test_webhooks.receiver, test_webhooks.border  # the fixtures, shared


class Odd(BaseHTTPRequestHandler):
    """A receiver that misbehaves as `behaviour` says: redirect, partial (body cut short), garbled."""

    behaviour = "redirect"
    location = ""
    hits = 0

    def do_POST(self):  # noqa: N802 - the standard library's name
        self.rfile.read(int(self.headers["Content-Length"]))
        Odd.hits += 1
        if Odd.behaviour == "redirect":
            self.send_response(302)
            self.send_header("Location", Odd.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif Odd.behaviour == "partial":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only a little")
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        else:  # garbled: not HTTP at all
            self.wfile.write(b"\x00\x01 this is no status line\r\n\r\n")
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, *args):
        pass


@pytest.fixture
def odd():
    Odd.hits = 0
    server = ThreadingHTTPServer(("127.0.0.1", _free_port()), Odd)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _point(partner: str, url: str) -> None:
    Partner.objects.filter(name=partner).update(webhook_url=url)


# --- B5: destinations ------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/h", "http://localhost:9/h", "http://[::1]:9/h",
                                 "http://10.0.0.7/h", "http://169.254.169.254/latest", "http://224.0.0.1/h",
                                 "http://0.0.0.0:9/h"])
def test_adding_a_partner_refuses_webhooks_to_its_own_network(ru, settings, cli_run, url):
    settings.MUSTER_WEBHOOK_ALLOW_PRIVATE = False
    result = cli_run("partner", "add", "P", "--kinds", "exit_ban", "--webhook", url, "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error.startswith(f"--webhook {url!r}: ") and "webhooks go only to public addresses" in error
    assert not Partner.objects.exists()


@pytest.mark.parametrize(("url", "message"), [
    ("http:///nohost", "names no host"), ("http://127.0.0.1:99999/h", "port"),
    ("http://no-such-host.invalid/h", "does not resolve"),
])
def test_adding_a_partner_refuses_a_webhook_url_that_cannot_be_reached(ru, url, message):
    with pytest.raises(keys.PartnerError, match=message):
        keys.add("P", ["exit_ban"], url, actor=OFFICER)


def test_the_address_is_checked_again_at_send_time_and_nothing_is_sent(border, receiver, settings):
    _, rec = receiver
    settings.MUSTER_WEBHOOK_ALLOW_PRIVATE = False  # the partner was added while loopback was allowed
    feed.publish(NOW)
    assert webhooks.send_due(NOW)["retried"] == 1
    assert rec.received == []
    entry = FeedEntry.objects.get(seq=1)
    assert entry.last_error == "receiver refused: 127.0.0.1 resolves to 127.0.0.1 is a loopback address"


def test_the_resolved_address_is_connected_to_with_the_urls_host_header(border, receiver):
    server, rec = receiver
    _point("Border", f"http://localhost:{server.server_port}/hooks?x=1")
    feed.publish(NOW)
    assert webhooks.send_due(NOW)["delivered"] == 3
    assert {h["host"] for h, _ in rec.received} == {f"localhost:{server.server_port}"}


def test_a_redirect_is_a_failed_attempt_and_is_never_followed(border, receiver, odd):
    server, rec = receiver
    Odd.behaviour, Odd.location = "redirect", f"http://127.0.0.1:{server.server_port}/elsewhere"
    _point("Border", f"http://127.0.0.1:{odd.server_port}/h")
    feed.publish(NOW)
    assert dict(webhooks.send_due(NOW)) == {"retried": 1}
    assert Odd.hits == 1 and rec.received == []  # the target of the redirect saw nothing, headers or body
    assert FeedEntry.objects.get(seq=1).last_error == "receiver answered 302, a redirect (webhooks never follow one)"


@pytest.mark.parametrize(("behaviour", "reason"), [("partial", "IncompleteRead"), ("garbled", "BadStatusLine")])
def test_a_broken_answer_is_a_temporary_failure_not_a_crash(border, odd, behaviour, reason):
    Odd.behaviour = behaviour
    _point("Border", f"http://127.0.0.1:{odd.server_port}/h")
    feed.publish(NOW)
    assert dict(webhooks.send_due(NOW)) == {"retried": 1}
    entry = FeedEntry.objects.get(seq=1)
    assert entry.webhook_state == "pending" and entry.last_error == f"receiver unreachable: {reason}"


# --- B4: revocation --------------------------------------------------------------------------


def test_after_revocation_nothing_more_goes_to_the_partner(border, receiver, cli_run):
    _, rec = receiver
    feed.publish(NOW)  # three deliveries queued
    revoked = json.loads(cli_run("partner", "revoke-keys", "Border", "--json").stdout)
    assert revoked["revoked"] == 1 and revoked["webhooks_given_up"] == 3
    sent = json.loads(cli_run("webhooks", "send", "--json", "--now", (NOW + timedelta(hours=1)).isoformat()).stdout)
    assert sent["delivered"] == 0 and rec.received == []
    assert {(e.webhook_state, e.last_error) for e in FeedEntry.objects.all()} == {("dead", "partner revoked")}
    assert [d["last_error"] for d in webhooks.dead_letters("Border")] == ["partner revoked"] * 3


def test_a_revoked_partners_feed_takes_no_new_events_until_a_new_key_catches_it_up(border, receiver, people, ru):
    from muster.campaigns import issuing
    from muster.campaigns import services as campaigns

    _, rec = receiver
    keys.revoke("Border", actor=OFFICER)
    assert feed.publish(NOW) == {}  # the three measures of the campaign are not disclosed to it
    assert FeedEntry.objects.count() == 0 and Partner.objects.get().feed_length == 0
    rotated = services.rotate_key(OFFICER, "Border")
    assert rotated["feed_caught_up"] == 3 and rotated["feed_length"] == 3  # on the pull feed ...
    assert set(FeedEntry.objects.values_list("webhook_state", flat=True)) == {"none"}  # ... not as webhooks
    assert webhooks.send_due(NOW)["delivered"] == 0 and rec.received == []
    people(2, start=100)  # what happens from now on goes out again
    campaigns.create(ru, campaigns.CampaignRequest(code="D", purpose="call_up", districts={"RU-RYA": 2},
                                               appear_from=NOW.date() + timedelta(days=8),
                                               appear_to=NOW.date() + timedelta(days=10), place="x"),
                     actor=OFFICER, today=NOW.date())
    issuing.issue(campaigns.get("D"), NOW, actor=OFFICER)
    assert feed.publish(NOW) == {"Border": 2}
    assert webhooks.send_due(NOW)["delivered"] == 2
    assert sorted(json.loads(b)["data"]["seq"] for _, b in rec.received) == [4, 5]


def test_given_up_deliveries_are_sent_again_only_when_an_operator_replays_them(border, receiver):
    _, rec = receiver
    feed.publish(NOW)
    keys.revoke("Border", actor=OFFICER)
    assert webhooks.replay(NOW) == 0  # not while it is locked out
    assert webhooks.send_due(NOW)["delivered"] == 0 and rec.received == []
    keys.rotate("Border", actor=OFFICER)
    assert webhooks.send_due(NOW + timedelta(hours=1))["delivered"] == 0  # a new key replays nothing by itself
    assert webhooks.replay(NOW + timedelta(hours=1), "Border") == 3
    assert webhooks.send_due(NOW + timedelta(hours=1))["delivered"] == 3


def test_a_revocation_during_a_round_stops_the_rest_of_it(border, receiver):
    _, rec = receiver
    feed.publish(NOW)
    outbox = webhooks.WebhookOutbox(100)
    due = list(outbox.due(NOW))
    assert outbox.send(due[0]).startswith("2")
    keys.revoke("Border", actor=OFFICER)
    FeedEntry.objects.filter(pk=due[1].pk).update(webhook_state="pending")  # as if read before the revocation
    with pytest.raises(webhooks.SendFailed, match="partner revoked"):
        outbox.send(due[1])
    assert len(rec.received) == 1
    assert FeedEntry.objects.get(pk=due[2].pk).webhook_state == "dead"  # the rest of its queue is given up too


@pytest.fixture
def tls_receiver(tmp_path, receiver):
    """The receiver behind TLS with a certificate for `localhost` only, and a context trusting it."""
    import ssl
    import subprocess

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", _free_port()), test_webhooks.Receiver)
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(cert, key)
    server.socket = serving.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, ssl.create_default_context(cafile=str(cert))
    server.shutdown()
    server.server_close()


def test_https_is_pinned_to_the_checked_address_with_the_urls_name_for_tls(tls_receiver):
    from muster.delivery.ports import PinnedHttp, SendFailed

    server, trusted = tls_receiver
    port = PinnedHttp(timeout=5, allow_private=True, tls=trusted)
    assert port.post(f"https://localhost:{server.server_port}/h", b"{}", {"Content-Type": "application/json"}) == "204"
    assert test_webhooks.Receiver.received[-1][0]["host"] == f"localhost:{server.server_port}"
    with pytest.raises(SendFailed, match="SSLCertVerificationError"):  # the certificate names localhost, not the IP
        port.post(f"https://127.0.0.1:{server.server_port}/h", b"{}", {})


def test_the_revoke_and_rotate_commands_say_what_they_did(border, cli_run):
    feed.publish(NOW)
    assert cli_run("partner", "revoke-keys", "Border").stdout == (
        "revoked 1 key(s) of Border; 3 queued webhook(s) given up\n")
    rotated = cli_run("partner", "rotate-key", "Border").stdout
    assert rotated.startswith("new api key for Border (shown once): mst_") and "on its feed" not in rotated
