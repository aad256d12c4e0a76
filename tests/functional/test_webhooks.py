"""Webhooks to a real HTTP receiver on loopback, verified with the Standard Webhooks library."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook

from muster import engine
from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.kernel.actor import Actor
from muster.partners import feed, keys, webhooks
from muster.partners.models import FeedEntry
from tests.conftest import at
from tests.functional.test_processes import _free_port

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02")


class Receiver(BaseHTTPRequestHandler):
    """Answers as `behaviour` says: ok, error (500), slow (past the timeout), close (hangs up)."""

    behaviour = "ok"
    received: list[tuple[dict, bytes]] = []
    delay = 0.0

    def do_POST(self):  # noqa: N802 - the standard library's name
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        if len(body) < length:  # the sender died mid-request (the killed-dispatcher test): nothing arrived
            return
        if Receiver.behaviour == "close":
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if Receiver.behaviour == "slow":
            time.sleep(1.5)
        if Receiver.behaviour == "error":
            self.send_response(500)
            self.end_headers()
            return
        time.sleep(Receiver.delay)
        Receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def start_receiver():
    Receiver.received, Receiver.behaviour, Receiver.delay = [], "ok", 0.0
    server = ThreadingHTTPServer(("127.0.0.1", _free_port()), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def receiver():
    server = start_receiver()
    yield server, Receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def border(ru, people, receiver, settings):
    settings.MUSTER_WEBHOOK_TIMEOUT = 1
    settings.MUSTER_WEBHOOK_MAX_ATTEMPTS = 3
    server, _ = receiver
    partner = keys.add("Border", ["exit_ban"], f"http://127.0.0.1:{server.server_port}/hooks", actor=Actor.officer("t"))
    people(3)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 3},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                   place="x"), actor=Actor.officer("t"), today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor=Actor.officer("t"))
    return partner


def test_webhooks_are_signed_as_standard_webhooks_and_verify_with_its_library(border, receiver):
    counts = engine.turn(NOW + timedelta(minutes=5), actor=Actor.officer("t"))
    assert counts["feed_entries"] == 3 and counts["webhooks_delivered"] == 3
    _, rec = receiver
    verifier = Webhook(border["webhook_secret"])
    seqs = []
    for headers, body in rec.received:
        payload = verifier.verify(body, headers)  # raises if the signature or timestamp is wrong
        assert headers["webhook-id"] == f"msg_{FeedEntry.objects.first().partner_id}_{payload['data']['seq']}"
        assert payload["type"] == "measure.applied" and payload["data"]["kind"] == "exit_ban"
        seqs.append(payload["data"]["seq"])
    assert seqs == [1, 2, 3]
    tampered = dict(rec.received[0][0], **{"webhook-signature": "v1,AAAA"})
    with pytest.raises(Exception, match="signature"):
        verifier.verify(rec.received[0][1], tampered)
    assert engine.turn(NOW + timedelta(minutes=6), actor=Actor.officer("t"))["webhooks_delivered"] == 0  # nothing twice


@pytest.mark.parametrize("behaviour", ["error", "slow", "close"])
def test_a_failing_receiver_is_retried_with_backoff_then_dead_lettered_and_replayed(border, receiver, behaviour):
    _, rec = receiver
    rec.behaviour = behaviour
    feed.publish(NOW)
    first = webhooks.send_due(NOW)
    assert first["retried"] == 1 and first["delivered"] == 0  # one failure holds back the partner's others
    entry = FeedEntry.objects.get(seq=1)
    assert entry.webhook_state == "pending" and entry.attempts == 1 and entry.last_error
    assert entry.next_attempt_at == NOW + timedelta(seconds=30)
    assert webhooks.send_due(NOW + timedelta(seconds=10))["retried"] == 1  # seq 2 fails now (seq 1 waits)
    t = NOW
    for _ in range(12):
        t += timedelta(hours=1)
        webhooks.send_due(t)
    assert set(FeedEntry.objects.values_list("webhook_state", flat=True)) == {"dead"}
    assert [d["seq"] for d in webhooks.dead_letters("Border")] == [1, 2, 3]
    rec.behaviour = "ok"
    assert webhooks.replay(t) == 3
    assert webhooks.send_due(t)["delivered"] == 3
    seqs = sorted(json.loads(b)["data"]["seq"] for _, b in rec.received)
    if behaviour == "slow":  # it did take them, too late: at least once, the receiver drops repeats by id
        assert set(seqs) == {1, 2, 3}
    else:
        assert seqs == [1, 2, 3]


def test_replay_command_and_dead_letter_listing(border, receiver, cli_run):
    _, rec = receiver
    rec.behaviour = "error"
    feed.publish(NOW)
    t = NOW
    for _ in range(10):
        t += timedelta(hours=1)
        webhooks.send_due(t)
    dead = json.loads(cli_run("webhooks", "dead", "--json").stdout)
    assert len(dead) == 3 and dead[0]["last_error"] == "receiver answered 500"
    rec.behaviour = "ok"
    assert json.loads(cli_run("webhooks", "replay", "--partner", "Border", "--json").stdout) == {"requeued": 3}
    sent = json.loads(cli_run("webhooks", "send", "--json").stdout)
    assert sent["delivered"] == 3


@pytest.mark.parametrize("command", ["replay", "dead"])
def test_naming_a_partner_that_does_not_exist_is_not_found(border, cli_run, command):
    result = cli_run("webhooks", command, "--partner", "Nobody", "--json")
    assert result.exit_code == 4
    assert json.loads(result.stdout) == {"error": "no partner named 'Nobody'"}


def test_a_dispatcher_killed_mid_run_loses_no_event(tmp_path, scratch_database_url, receiver):
    """Run `muster webhooks send` as a process, kill -9 it halfway, run it again: every event arrives."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import muster_process, person_row, snils, write_csv

    server, rec = receiver
    rec.delay = 0.02
    count = 150

    def run(*args: str) -> subprocess.CompletedProcess:
        done = muster_process(list(args), scratch_database_url, tmp_path)
        assert done.returncode == 0, done.stderr
        return done

    run("init", "--simulation")
    rows = [person_row(snils(i), birth_date=f"{1998 + i % 6}-0{1 + i % 9}-1{i % 10}", district="RU-RYA")
            for i in range(count)]
    run("import", "persons", str(write_csv(tmp_path / "p.csv", rows)))
    run("campaign", "create", "--code", "K", "--pack", "ru", "--purpose", "call_up", "--district", f"RU-RYA:{count}",
        "--appear-from", "2026-03-10", "--appear-to", "2026-03-12", "--place", "x", "--now", NOW.isoformat())
    run("campaign", "issue", "K", "--now", NOW.isoformat())
    run("partner", "add", "Border", "--kinds", "exit_ban", "--webhook", f"http://127.0.0.1:{server.server_port}/h")
    env = {**os.environ, "MUSTER_DATABASE_URL": scratch_database_url}
    proc = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "webhooks", "send", "--now", NOW.isoformat()],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(rec.received) < count // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    got_before = len(rec.received)
    assert 0 < got_before < count, "the dispatcher was killed mid-run"
    again = json.loads(run("webhooks", "send", "--now", NOW.isoformat(), "--json").stdout)
    assert again["delivered"] >= count - got_before
    seqs = [json.loads(body)["data"]["seq"] for _, body in rec.received]
    assert set(seqs) == set(range(1, count + 1))  # none lost
    assert len(seqs) - count <= 1  # at most the one in flight came twice
    assert json.loads(run("webhooks", "send", "--now", NOW.isoformat(), "--json").stdout)["delivered"] == 0
