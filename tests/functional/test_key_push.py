"""Revoked and rotated keys reach every server worker's replica within a second, whatever the
replica's refresh interval: pushed with PostgreSQL's LISTEN/NOTIFY (issue 11, B4)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from muster.kernel.actor import Actor
from muster.measures.replica import Replica
from muster.measures.serving import Serving, connect
from muster.partners import keys
from muster.rules.api_keys import parse_key
from muster.rules.national_id import snils_check_digits
from tests.functional.test_processes import _free_port

pytestmark = pytest.mark.django_db(transaction=True)
OFFICER = Actor.officer("t")
UNKNOWN = f"123456789{snils_check_digits(123456789):02d}"  # well formed, not in the registry


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the replica serves `muster serve` on PostgreSQL; SQLite checks read the key in each query")


def within_a_second(condition) -> bool:
    """Poll `condition` until it holds or a second has gone by."""
    deadline = time.monotonic() + 1.0
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def listening():
    """A replica refreshed once, by hand (as if its interval were long), with its key listener running."""
    replica = Replica(connect)
    thread = threading.Thread(target=replica.listen, kwargs={"timeout": 0.1}, daemon=True)
    thread.start()
    assert within_a_second(lambda: replica.listener_connected)
    replica.refresh()
    yield replica
    replica.stop()
    thread.join(5)
    replica.close()


def test_a_revocation_and_a_rotation_are_pushed_to_the_replica(world, listening):
    border_id = parse_key(world["border"])[0]
    assert border_id in listening.keys
    keys.revoke("Border", actor=OFFICER)
    assert within_a_second(lambda: border_id not in listening.keys)
    new_id = parse_key(keys.rotate("Border", actor=OFFICER)["api_key"])[0]
    assert within_a_second(lambda: new_id in listening.keys)
    bureau_id = parse_key(world["bureau"])[0]
    assert bureau_id in listening.keys
    keys.rotate("Bureau", actor=OFFICER)  # a rotation retires the old key at once, too
    assert within_a_second(lambda: bureau_id not in listening.keys)


def test_a_refresh_does_not_bring_back_a_key_the_listener_dropped(world, listening):
    keys.revoke("Border", actor=OFFICER)
    assert within_a_second(lambda: parse_key(world["border"])[0] not in listening.keys)
    listening.refresh()
    assert parse_key(world["border"])[0] not in listening.keys


def test_without_a_listener_connected_the_replicas_keys_are_not_trusted(world, tmp_path):
    replica = Replica(connect)
    replica.refresh()
    replica.listening = True  # a listener is meant to run, but is not connected
    serving = Serving(replica, __import__("muster.audit.spool", fromlist=["ReadLog"]).ReadLog(connect, tmp_path))
    try:
        assert not replica.keys_live
        assert serving.measures(parse_key(world["border"]), world["ids"][0], *_now_and_today()) is None  # to SQL
        replica.listener_connected = True
        assert serving.measures(parse_key(world["border"]), world["ids"][0], *_now_and_today()) is not None
    finally:
        serving.readlog.flush(final=True)
        serving.readlog.close()
        replica.close()


def _now_and_today():
    from django.utils import timezone

    from muster.measures import checks

    now = timezone.now()
    return now, checks.today_in(checks.pack(), now)


def test_a_served_check_refuses_a_revoked_key_within_a_second_with_a_30_second_refresh(world, tmp_path):
    """`muster serve` as in production, the replica refreshing every 30 s: the revocation is pushed."""
    port = _free_port()
    database = os.environ["MUSTER_DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    spool = tmp_path / "spool"
    env = {**os.environ, "MUSTER_DATABASE_URL": database, "MUSTER_CHECK_REPLICA_INTERVAL": "30",
           "MUSTER_ALLOWED_HOSTS": "127.0.0.1", "MUSTER_SPOOL_DIR": str(spool)}
    server = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "serve", "--port", str(port),
                               "--workers", "2"], env=env, stderr=subprocess.PIPE)

    def status(national_id: str = world["ids"][0]) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/measures/{national_id}",
                                         headers={"Authorization": f"Bearer {world['border']}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    def served_from_memory() -> bool:  # only the replica's path spools its reads
        return any(f.stat().st_size for f in spool.glob("*.spool"))

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if status() == 200 and served_from_memory():
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not come up, or never answered from its replica"
            time.sleep(0.2)
        assert status(UNKNOWN) == 200  # counted as an unknown id, below
        keys.revoke("Border", actor=OFFICER)
        revoked_at = time.monotonic()
        assert within_a_second(lambda: status() == 401), "the revoked key still worked after a second"
        time.sleep(max(0.0, revoked_at + 1.0 - time.monotonic()))
        assert {status() for _ in range(20)} == {401}  # a second on, in every worker
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert b"Traceback" not in server.stderr.read()
    # The workers counted the checks they answered (written by their counting threads, the last as they stopped).
    from muster.measures.models import CheckCount

    counted = CheckCount.objects.filter(key_id=parse_key(world["border"])[0])
    assert sum(counted.values_list("checks", flat=True)) >= 2
    assert sum(counted.values_list("unknown_ids", flat=True)) == 1
