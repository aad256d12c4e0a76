"""kill -9 at named points (muster.kernel.crashpoints, MUSTER_CRASH_AT), with real `muster` processes
and real databases: the state in the gap a crash leaves is checked for the invariants, and after
the re-run the state is compared with that of an uninterrupted run on a second database.

The invariants, on the gap and the end state alike: no summons served without a delivery on a
personal channel; no measure without its summons; each summons' events in order (placed, then
served); `campaign show` counts what is in the database, and a partner's check agrees with it.
The sharded points (issue.*, tick.*) exist on PostgreSQL only; notice.sent.* on both backends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import muster_process
from tests.functional.test_webhooks import Receiver, start_receiver

PLACED = "2026-03-02T09:00:00+03:00"
EIGHT_DAYS_LATER = "2026-03-10T18:00:00+03:00"
MONTH_LATER = "2026-04-05T18:00:00+03:00"
SHARDED = {"MUSTER_BATCH_SHARDS": "2"}
on_postgres = pytest.mark.skipif(not os.environ.get("MUSTER_DATABASE_URL", "").startswith("postgres"),
                                 reason="sharded issue and tick run on PostgreSQL only")


@contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own (PostgreSQL when the tests run on it), dropped afterwards."""
    url = os.environ.get("MUSTER_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / f'{kind}.sqlite3'}"
        return
    import psycopg

    name = f"muster_crash_{kind}_{uuid.uuid4().hex[:8]}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def muster(url: str, cwd: Path, *args: str, crash_at: str = "", env: dict[str, str] | None = None,
           ok: bool = True) -> subprocess.CompletedProcess:
    extra = {**SHARDED, "MUSTER_OUTBOX_DIR": str(cwd / "outbox"), **(env or {})}
    if crash_at:
        extra["MUSTER_CRASH_AT"] = crash_at
    result = muster_process(list(args), url, cwd, env_extra=extra)
    if crash_at:
        assert result.returncode == -signal.SIGKILL, f"never reached {crash_at}: {result.stderr[-2000:]}"
    elif ok:
        assert result.returncode == 0, result.stderr[-2000:]
    return result


def query(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return list(conn.execute(statement.replace("%s", "?"), params))
    import psycopg

    with psycopg.connect(url) as conn:
        return list(conn.execute(statement, params))


def prepare(url: str, cwd: Path, people: Path) -> str:
    """A registry of liable men and a campaign for them; returns a partner's API key."""
    muster(url, cwd, "init")
    muster(url, cwd, "import", "persons", str(people))
    key = json.loads(muster(url, cwd, "partner", "add", "Border", "--kinds", "exit_ban", "--json").stdout)["api_key"]
    districts = [d for d, n in Counter(query(url, "SELECT district FROM registry_person")).most_common(2)]
    muster(url, cwd, "campaign", "create", "--code", "C", "--purpose", "medical_examination", "--place", "x",
           "--appear-from", "2026-03-12", "--appear-to", "2026-03-20", "--now", PLACED,
           *(x for (d,) in districts for x in ("--district", f"{d}:600")))
    return key


@pytest.fixture(scope="module")
def people(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("people") / "people.csv"
    cwd = out.parent
    result = muster_process(["generate", "persons", "--count", "1500", "--seed", "11", "--cohort", "conscripts",
                             "--out", str(out)], "sqlite:///unused.sqlite3", cwd)
    assert result.returncode == 0, result.stderr
    return out


def check(url: str, cwd: Path, key: str, national_id: str) -> dict[str, Any]:
    """A partner's check, through the measures service, as a process of its own."""
    code = ("import json, sys, django; django.setup(); from muster.measures import services; "
            "from muster.partners import services as partners; "
            "print(json.dumps(services.check_with_key(sys.argv[1], sys.argv[2], partners.authenticate), default=str))")
    env = {**os.environ, "MUSTER_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "muster.kernel.settings"}
    out = subprocess.run([sys.executable, "-c", code, key, national_id], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(json.loads(out.stdout))


def assert_invariants(url: str, cwd: Path, key: str) -> None:
    served_alone = query(url, "SELECT COUNT(*) FROM notices_summons s WHERE s.status <> 'placed' AND NOT EXISTS "
                              "(SELECT 1 FROM notices_delivery d WHERE d.summons_id = s.id "
                              "AND d.channel IN ('portal', 'post'))")
    assert served_alone == [(0,)], "a summons was served without a delivery on a personal channel"
    orphans = query(url, "SELECT COUNT(*) FROM measures_measure m WHERE NOT EXISTS "
                         "(SELECT 1 FROM notices_summons s WHERE s.id = m.summons_id)")
    assert orphans == [(0,)], "a measure without its summons"
    out_of_order = query(url, "SELECT COUNT(*) FROM events_event a JOIN events_event b ON a.summons_id = b.summons_id "
                              "WHERE a.type = 'summons.served' AND b.type = 'summons.placed' AND a.id < b.id")
    assert out_of_order == [(0,)], "summons.served before its summons.placed"
    served_unplaced = query(url, "SELECT COUNT(*) FROM events_event a WHERE a.type = 'summons.served' AND NOT EXISTS "
                                 "(SELECT 1 FROM events_event b WHERE b.summons_id = a.summons_id "
                                 "AND b.type = 'summons.placed')")
    assert served_unplaced == [(0,)], "summons.served with no summons.placed"
    shown = json.loads(muster(url, cwd, "campaign", "show", "C", "--json").stdout)
    complete = query(url, "SELECT COUNT(DISTINCT summons_id) FROM events_event WHERE type = 'summons.placed'")[0][0]
    total = query(url, "SELECT COUNT(*) FROM notices_summons")[0][0]
    assert shown["issued"] == sum(shown["status"].values()) == complete, "campaign show counts a half-done summons"
    assert shown["issued"] + shown["being_issued"] == total
    # A partner's check agrees with the database, for one person with a complete summons and one without.
    for has_events in (True, False):
        found = query(url, "SELECT p.national_id, (SELECT COUNT(*) FROM measures_measure m WHERE m.person_id = p.id "
                           "AND m.kind = 'exit_ban' AND m.status = 'active') FROM notices_summons s "
                           "JOIN registry_person p ON p.id = s.person_id WHERE "
                           + ("" if has_events else "NOT ") + "EXISTS (SELECT 1 FROM events_event e "
                           "WHERE e.summons_id = s.id AND e.type = 'summons.placed') ORDER BY s.id LIMIT 1")
        for national_id, bans in found:
            answer = check(url, cwd, key, national_id)
            assert len([m for m in answer["measures"] if m["kind"] == "exit_ban"]) == bans


def final_state(url: str) -> dict[str, Any]:
    """Everything a run decides, keyed by person (ids differ: a killed transaction uses up its ids)."""
    def rows(statement: str) -> list[tuple]:
        return sorted(tuple(str(v) for v in row) for row in query(url, statement))

    return {
        "summonses": rows("SELECT p.national_id, s.district, s.status, s.placed_on, s.appearance_date, s.served_on, "
                          "s.served_how, s.missed_on FROM notices_summons s JOIN registry_person p ON p.id = s.person_id"),
        "deliveries": rows("SELECT p.national_id, d.channel, d.state, d.attempts FROM notices_delivery d "
                           "JOIN registry_person p ON p.id = d.person_id"),
        "measures": rows("SELECT p.national_id, m.kind, m.status, m.effective_from FROM measures_measure m "
                         "JOIN registry_person p ON p.id = m.person_id"),
        "events": rows("SELECT p.national_id, e.type FROM events_event e JOIN registry_person p ON p.id = e.person_id"),
        "unfinished_runs": rows("SELECT kind FROM notices_run WHERE finished_at IS NULL"),
    }


@pytest.fixture(scope="module")
def clean(people, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The state an uninterrupted issue and ticks reach, on a database of its own."""
    cwd = tmp_path_factory.mktemp("clean")
    with database("clean", cwd) as url:
        key = prepare(url, cwd, people)
        muster(url, cwd, "campaign", "issue", "C", "--now", PLACED)
        muster(url, cwd, "tick", "--now", EIGHT_DAYS_LATER, "--no-send")
        after_tick = final_state(url)
        assert_invariants(url, cwd, key)
        muster(url, cwd, "tick", "--now", MONTH_LATER, "--no-send")
        yield {"after_tick": after_tick, "end": final_state(url)}


@on_postgres
def test_issue_killed_after_placement_is_invisible_then_completed_by_the_rerun_which_reports_it(
        tmp_path, people, clean):
    with database("placed", tmp_path) as url:
        key = prepare(url, tmp_path, people)
        muster(url, tmp_path, "campaign", "issue", "C", "--now", PLACED, crash_at="issue.placed")
        assert query(url, "SELECT COUNT(*) FROM notices_run WHERE kind = 'issue' AND finished_at IS NULL") == [(1,)]
        assert query(url, "SELECT COUNT(*) FROM notices_delivery") == [(0,)]
        shown = json.loads(muster(url, tmp_path, "campaign", "show", "C", "--json").stdout)
        assert shown["issued"] == 0 and shown["being_issued"] > 0
        assert_invariants(url, tmp_path, key)  # the gap
        before = {t: query(url, f"SELECT COUNT(*) FROM {t}")[0][0]
                  for t in ("notices_delivery", "measures_measure", "events_event")}
        rerun = json.loads(muster(url, tmp_path, "campaign", "issue", "C", "--now", PLACED, "--json").stdout)
        written = {t: query(url, f"SELECT COUNT(*) FROM {t}")[0][0] - n for t, n in before.items()}
        (completed,) = rerun["completed_runs"]
        assert completed["summonses"] == shown["being_issued"] and rerun["issued"] == 0
        assert completed["deliveries"] == rerun["deliveries_queued"] == written["notices_delivery"] > 0
        assert completed["measures"] == rerun["measures_applied"] == written["measures_measure"] > 0
        assert completed["events"] == rerun["events"] == written["events_event"] > 0
        assert_invariants(url, tmp_path, key)
        muster(url, tmp_path, "tick", "--now", EIGHT_DAYS_LATER, "--no-send")
        assert final_state(url) == clean["after_tick"]
        muster(url, tmp_path, "tick", "--now", MONTH_LATER, "--no-send")
        assert final_state(url) == clean["end"]


@on_postgres
def test_issue_killed_after_a_shard_is_completed_by_the_next_tick_before_it_serves(tmp_path, people, clean):
    with database("shard", tmp_path) as url:
        key = prepare(url, tmp_path, people)
        muster(url, tmp_path, "campaign", "issue", "C", "--now", PLACED, crash_at="issue.shard.0")
        (counts,) = query(url, "SELECT counts FROM notices_run WHERE kind = 'issue' AND finished_at IS NULL")[0]
        assert "shard0" in counts, "shard 0 committed before the kill"
        assert_invariants(url, tmp_path, key)  # the gap: shard 0's summonses whole, any other invisible
        ticked = json.loads(muster(url, tmp_path, "tick", "--now", EIGHT_DAYS_LATER, "--no-send", "--json").stdout)
        assert ticked["issue_runs_completed"] == 1 and ticked["served"] > 0
        assert_invariants(url, tmp_path, key)
        assert final_state(url) == clean["after_tick"]
        rerun = json.loads(muster(url, tmp_path, "campaign", "issue", "C", "--now", PLACED, "--json").stdout)
        assert rerun["issued"] == 0 and rerun["completed_runs"] == []


@on_postgres
def test_tick_killed_after_a_shard_leaves_a_run_row_the_next_tick_closes(tmp_path, people, clean):
    with database("tick", tmp_path) as url:
        key = prepare(url, tmp_path, people)
        muster(url, tmp_path, "campaign", "issue", "C", "--now", PLACED)
        muster(url, tmp_path, "tick", "--now", EIGHT_DAYS_LATER, "--no-send", crash_at="tick.shard.1")
        (killed_id, counts), = query(url, "SELECT id, counts FROM notices_run WHERE kind = 'tick' "
                                          "AND finished_at IS NULL")
        assert "shard1" in counts
        assert_invariants(url, tmp_path, key)
        muster(url, tmp_path, "tick", "--now", EIGHT_DAYS_LATER, "--no-send")
        (closed,) = query(url, "SELECT counts FROM notices_run WHERE id = %s", (killed_id,))[0]
        assert closed["interrupted"] is True and closed["shards_done"] >= 1 and closed["taken_over_by"] > killed_id
        assert_invariants(url, tmp_path, key)
        assert final_state(url) == clean["after_tick"]


def test_notices_killed_between_send_and_record_are_not_sent_twice(tmp_path, people):
    """An email written to the folder outbox and an SMS accepted by the gateway, each killed before
    its record: the re-run records the email without writing it again, and repeats the SMS with the
    same Idempotency-Key (a gateway that honours it sends one)."""
    server = start_receiver()
    gateway = {"MUSTER_SMS_URL": f"http://127.0.0.1:{server.server_address[1]}/sms"}
    try:
        with database("notices", tmp_path) as url:
            prepare(url, tmp_path, people)
            muster(url, tmp_path, "campaign", "issue", "C", "--now", PLACED, env=gateway)
            muster(url, tmp_path, "tick", "--now", PLACED, crash_at="notice.sent.email", env=gateway)
            emails = tmp_path / "outbox" / "email"
            (first,) = sorted(emails.glob("muster-delivery-*.eml"))  # (the account messages' emails beside)
            assert not list(emails.glob(".*")), "no partial file is left"
            (delivery_id, state, sending_at), = query(url, "SELECT id, state, sending_at FROM notices_delivery "
                                                           "WHERE sending_at IS NOT NULL")
            assert state == "queued" and first.name == f"muster-delivery-{delivery_id}.eml"
            muster(url, tmp_path, "tick", "--now", PLACED, crash_at="notice.sent.sms", env=gateway)
            muster(url, tmp_path, "tick", "--now", PLACED, env=gateway)
            sent = dict(query(url, "SELECT channel, COUNT(*) FROM notices_delivery WHERE state = 'sent' "
                                   "GROUP BY channel"))
            queued = query(url, "SELECT COUNT(*) FROM notices_delivery WHERE channel IN ('email', 'sms') "
                                "AND state <> 'sent'")
            assert queued == [(0,)]
            assert len(list(emails.glob("muster-delivery-*.eml"))) == sent["email"], "one file per notice, none twice"
            keys = Counter(headers.get("idempotency-key") for headers, _ in Receiver.received)
            assert len(keys) == sent["sms"] and None not in keys
            assert sorted(keys.values())[-1] == 2 and sum(keys.values()) == sent["sms"] + 1, \
                "only the SMS cut off before its record was sent again, with the same key"
            events = query(url, "SELECT COUNT(*) FROM notices_deliveryevent WHERE event = 'sent'")
            assert events == [(sent["email"] + sent["sms"],)]
    finally:
        server.shutdown()
        server.server_close()
