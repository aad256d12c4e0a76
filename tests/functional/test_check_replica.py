"""The partner check's in-memory replica and its spooled access log (PostgreSQL).

The replica and the log writer use connections of their own, so these tests commit for real
(transaction=True) and drive the refresh and the flush by hand instead of waiting on clocks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from muster.audit.models import PartnerRead
from muster.audit.spool import ReadLog, replay
from muster.kernel.actor import Actor
from muster.ledger.outbox import hold_for_writing
from muster.measures import checks
from muster.measures import services as measures
from muster.measures.models import LegalBasis, Measure
from muster.measures.replica import Replica
from muster.measures.serving import Serving, connect, connection_params
from muster.partners import keys
from muster.registry.models import Person
from muster.rules.api_keys import parse_key
from muster.rules.national_id import snils_check_digits
from muster.rules.notice_numbers import format_summons_number, summons_number
from muster.summons import outcomes
from muster.summons.models import Summons
from tests.functional.conftest import new_measure
from tests.functional.test_processes import _free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the replica serves `muster serve` on PostgreSQL; SQLite checks read the database")


@pytest.fixture
def served(tmp_path):
    """A replica refreshed by hand and a log writer flushed by hand, as a server worker has them."""
    serving = Serving(Replica(connect), ReadLog(connect, tmp_path / "spool"))
    yield serving
    serving.readlog.flush(final=True)
    serving.readlog.close()
    serving.replica.close()


def from_replica(serving: Serving, key: str, national_id: str):
    """The check as a worker answers it from the replica (None: not known to it), its read flushed."""
    now = timezone.now()
    today = checks.today_in(checks.pack(), now)
    normalised = checks.pack().id_scheme.normalise(national_id)
    found = serving.measures(parse_key(key), normalised, now, today)
    serving.readlog.flush()
    if found is None:
        return None
    return checks.answer(normalised, today, [(m.measure_id, m.kind, m.effective_from, m.legal_basis, m.summons_id)
                                             for m in found])


def _suspend_some(world) -> None:
    """Measures in each state a check must tell apart: suspended, suspended then reinstated, lifted."""
    officer, first, second = Actor.officer("t"), world["ids"][0], world["ids"][1]
    of = {(p, k): m for p, k, m in Measure.objects.values_list("person__national_id", "kind", "id")}
    measures.suspend(officer, [of[first, "exit_ban"], of[second, "credit_ban"], of[second, "exit_ban"]],
                     timezone.now(), reason="appeal filed", by="appeal:P-0000001")
    measures.reinstate(officer, [of[second, "exit_ban"]], timezone.now(), reason="appeal dismissed",
                       by="appeal:P-0000001")
    measures.lift(officer, [of[first, "credit_ban"]], timezone.now(), reason="appeal allowed", by="appeal:P-0000002")


@pytest.mark.parametrize("suspended", ["before the replica loads", "after it loaded"])
def test_the_replica_answers_as_the_database_does_and_logs_every_read(world, served, suspended):
    if suspended == "before the replica loads":
        _suspend_some(world)
    served.replica.refresh()
    if suspended == "after it loaded":
        _suspend_some(world)
        served.replica.refresh()
    assert Measure.objects.filter(status="suspended").count() == 2
    assert served.replica.fresh()
    unknown = f"123456789{snils_check_digits(123456789):02d}"  # well formed, not in the registry
    assert not Person.objects.filter(national_id=unknown).exists()
    for key in (world["border"], world["bureau"]):
        for national_id in [*world["ids"], unknown]:
            assert from_replica(served, key, national_id) == checks.check(key, national_id, keys.authenticate)
    # Each check was logged twice (replica, then SQL); an unknown id is nobody's record: the SQL check
    # logs it as a read of person 0, doing the same work as for anyone (no registration oracle).
    assert PartnerRead.objects.exclude(person_id=0).count() == 2 * 2 * len(world["ids"])
    assert PartnerRead.objects.filter(person_id=0).count() == 2
    assert served.readlog.rows == 2 * (len(world["ids"]) + 1)
    assert any(from_replica(served, world["border"], nid)["measures"] for nid in world["ids"])
    assert set(PartnerRead.objects.values_list("purpose", flat=True)) == {
        "measures check (exit_ban)", "measures check (credit_ban)"}


def test_the_served_bytes_are_what_json_dumps_writes_for_the_answer(world, served, monkeypatch):
    person = Person.objects.get(national_id=world["ids"][1])
    new_measure(person, 'Статья 7 «ограничения», "quoted" \\ and a tab\t', date(2026, 3, 3))
    served.replica.refresh()
    monkeypatch.setattr("muster.measures.serving._serving", served)
    for key in (world["border"], world["bureau"]):
        for national_id in world["ids"]:
            served_bytes = checks.from_memory(key, national_id)
            expected = from_replica(served, key, national_id)
            assert served_bytes == json.dumps(expected, cls=DjangoJSONEncoder).encode()
    assert "ограничения" in json.loads(checks.from_memory(world["border"], person.national_id))["measures"][-1][
        "legal_basis"]


def test_a_lift_reaches_the_replica_at_its_next_refresh(world, served):
    replica = served.replica
    replica.refresh()
    summons = Summons.objects.filter(status="missed").select_related("person").first()
    national_id = summons.person.national_id
    assert from_replica(served, world["border"], national_id)["measures"]
    outcomes.record(format_summons_number(summons_number(summons.pk)), "appeared", timezone.now(), actor=Actor.officer("t"))
    replica.refresh()
    assert from_replica(served, world["border"], national_id)["measures"] == []
    assert from_replica(served, world["border"], national_id) == checks.check(world["border"], national_id, keys.authenticate)


def test_a_revoked_key_leaves_the_replica_at_its_next_refresh_and_sql_refuses_it(world, served):
    served.replica.refresh()
    keys.revoke("Border", actor=Actor.officer("t"))
    served.replica.refresh()
    assert from_replica(served, world["border"], world["ids"][0]) is None
    with pytest.raises(checks.Unauthorised):
        checks.check(world["border"], world["ids"][0], keys.authenticate)


def test_a_key_added_after_the_refresh_goes_to_the_database(world, served):
    replica = served.replica
    replica.refresh()
    fresh = keys.add("Late", ["exit_ban"], "", actor=Actor.officer("t"))["api_key"]
    assert from_replica(served, fresh, world["ids"][0]) is None
    replica.refresh()
    assert from_replica(served, fresh, world["ids"][0]) == checks.check(fresh, world["ids"][0], keys.authenticate)


@contextmanager
def writer_in_flight(write: Callable[[], None] = lambda: None) -> Iterator[None]:
    """A ledger writer on another connection, holding its lock and what `write` wrote
    uncommitted until the block ends."""
    inserted, release = threading.Event(), threading.Event()

    def run():
        with transaction.atomic():
            hold_for_writing()
            write()
            inserted.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert inserted.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(10)


def test_an_event_committed_after_a_later_numbered_one_is_not_missed(world, served):
    replica = served.replica
    replica.refresh()
    early, late = Person.objects.create(national_id="10000000100", sex="M", birth_date=date(2000, 1, 1)), \
        Person.objects.create(national_id="10000000209", sex="M", birth_date=date(2000, 1, 1))
    LegalBasis.objects.create(text="basis")  # before the writers: a new text would make one wait for the other
    made: dict[str, int] = {}
    with writer_in_flight(lambda: made.update(early=new_measure(early).summons_id)):  # lower event id, committed last
        with transaction.atomic():
            made["late"] = new_measure(late).summons_id
        replica.refresh()  # a writer is in flight: only what is committed, and the replica remembers the gap
        assert [m.summons_id for m in replica.measures("10000000209")] == [made["late"]]
        assert replica.measures("10000000100") == ()
    replica.refresh()
    assert [m.summons_id for m in replica.measures("10000000100")] == [made["early"]]


def test_a_new_replica_is_not_used_until_no_writer_is_in_flight(world):
    replica = Replica(connect)
    with writer_in_flight():
        replica.refresh()
        assert not replica.fresh()
    replica.refresh()
    assert replica.fresh()
    replica.close()


def test_a_replica_that_cannot_refresh_goes_stale_and_checks_go_back_to_sql(world):
    down = threading.Event()

    def flaky():
        if down.is_set():
            raise OSError("connection refused")
        return connect()

    replica = Replica(flaky, stale_after=0.3)
    replica.refresh()
    assert replica.fresh() and replica.people
    replica.close()
    down.set()
    with pytest.raises(OSError):
        replica.refresh()
    assert replica.fresh()  # still within stale_after: what it has is recent enough
    time.sleep(0.35)
    assert not replica.fresh()
    assert replica.people  # kept, for when the database is back
    down.clear()
    replica.refresh()
    assert replica.fresh()
    replica.close()


def test_spooled_reads_reach_the_access_log_and_the_spool_empties(world, served):
    person = Person.objects.get(national_id=world["ids"][0])
    for _ in range(3):
        served.readlog.record(timezone.now(), "Border", "measures check (exit_ban)", person.national_id)
    spool = served.readlog.spool_dir
    assert len(list(spool.glob("*.spool"))) == 1 and PartnerRead.objects.count() == 0
    served.readlog.flush(final=True)
    assert list(PartnerRead.objects.values_list("person", "partner", "purpose")) == [
        (person.pk, "Border", "measures check (exit_ban)")] * 3
    assert list(spool.glob("*.spool")) == []


CRASH = """
import json, os, signal, sys
from datetime import datetime, timezone
from pathlib import Path
import psycopg
from muster.audit.spool import ReadLog
params, spool, ids = json.loads(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
log = ReadLog(lambda: psycopg.connect(**params), spool)
for nid in ids[:3]:
    log.record(datetime.now(timezone.utc), "Border", "measures check (exit_ban)", nid)
log.flush()  # these three are written; the file stays, as it has not rotated
for nid in ids[3:]:
    log.record(datetime.now(timezone.utc), "Border", "measures check (exit_ban)", nid)
os.kill(os.getpid(), signal.SIGKILL)  # dies before the writer takes the last two
"""


def test_reads_spooled_by_a_process_killed_before_writing_them_are_replayed_once(world, tmp_path):
    params = connection_params()
    ids = [*world["ids"], world["ids"][0]]
    died = subprocess.run([sys.executable, "-c", CRASH, json.dumps(params), str(tmp_path / "spool"), *ids])
    assert died.returncode == -signal.SIGKILL
    assert PartnerRead.objects.count() == 3
    assert len(list((tmp_path / "spool").glob("*.spool"))) == 1
    live = ReadLog(connect, tmp_path / "spool")  # a live owner's files are not replayed
    assert replay(connect, tmp_path / "spool") == 2
    assert sorted(PartnerRead.objects.values_list("person__national_id", flat=True)) == sorted(ids)
    assert replay(connect, tmp_path / "spool") == 0
    assert PartnerRead.objects.count() == 5
    assert sorted(p.name for p in (tmp_path / "spool").iterdir()) == [f"{live.owner}-{1:012d}.spool",
                                                                      f"{live.owner}.lock"]
    live.flush(final=True)
    live.close()


def test_the_served_check_uses_the_replica_and_follows_a_lift(world, tmp_path):
    """`muster serve` as in production: answers, logs, and drops a lifted measure within a refresh."""
    port = _free_port()
    database = os.environ["MUSTER_DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    env = {**os.environ, "MUSTER_DATABASE_URL": database, "MUSTER_CHECK_REPLICA_INTERVAL": "0.2",
           "MUSTER_ALLOWED_HOSTS": "127.0.0.1", "MUSTER_SPOOL_DIR": str(tmp_path / "spool")}
    server = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "serve", "--port", str(port),
                               "--workers", "1"], env=env, stderr=subprocess.PIPE)
    summons = Summons.objects.filter(status="missed").select_related("person").first()
    url = f"http://127.0.0.1:{port}/api/v1/measures/{summons.person.national_id}"

    def get() -> dict:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {world['border']}"})
        import json

        return json.loads(urllib.request.urlopen(request, timeout=5).read())

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = get()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        assert [m["kind"] for m in answer["measures"]] == ["exit_ban"]
        outcomes.record(format_summons_number(summons_number(summons.pk)), "appeared", timezone.now(), actor=Actor.officer("t"))
        deadline = time.monotonic() + 10
        while get()["measures"]:
            assert time.monotonic() < deadline, "the lift did not reach the served check"
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert b"Traceback" not in server.stderr.read()
    assert PartnerRead.objects.filter(person=summons.person).count() >= 2  # written as the worker stopped
    assert list((tmp_path / "spool").glob("*")) == []


def test_a_partner_with_no_kinds_is_refused_by_the_replica_as_by_sql_and_nothing_is_logged(world, served):
    key = keys.add("Education", [], "", actor=Actor.officer("t"), submit=["enrolment"])["api_key"]
    served.replica.refresh()
    with pytest.raises(checks.NothingToCheck):
        from_replica(served, key, world["ids"][0])
    with pytest.raises(checks.NothingToCheck):
        checks.check(key, world["ids"][0], keys.authenticate)
    assert served.readlog.rows == 0 and not PartnerRead.objects.exists()
