"""The partner-read spool on its own: what a line holds, torn lines, and a database that is away
(then the check stops answering from memory and goes to SQL, which fails there as it should)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from muster.audit import spool as readlog
from muster.audit.spool import ReadLog
from muster.measures.replica import Replica, key_of
from muster.measures.serving import Serving
from muster.rules.api_keys import digest


def test_a_spooled_line_reads_back_as_it_was_recorded(tmp_path):
    log = ReadLog(lambda: None, tmp_path)  # type: ignore[arg-type, return-value]
    at = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
    rows = [(at, 'Border "North"\t', "measures check (exit_ban)", "10000000009"),
            (at, "Пограничная служба", "measures check (credit_ban, exit_ban)", "12345678901")]
    for row in rows:
        log.record(*row)
    (spool,) = tmp_path.glob("*.spool")
    assert readlog.read_spool(spool) == rows


def test_a_line_cut_short_as_its_process_died_is_skipped(tmp_path):
    log = ReadLog(lambda: None, tmp_path)  # type: ignore[arg-type, return-value]
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    log.record(at, "Border", "measures check (exit_ban)", "10000000009")
    (spool,) = tmp_path.glob("*.spool")
    with spool.open("a", encoding="utf-8") as f:
        f.write('["2026-03-02T09:30:01+00:00", "Bor')
    assert readlog.read_spool(spool) == [(at, "Border", "measures check (exit_ban)", "10000000009")]


def test_while_the_database_is_away_rows_stay_and_the_check_stops_using_the_spool(tmp_path, caplog):
    def down():
        raise OSError("connection refused")

    log = ReadLog(down, tmp_path)  # type: ignore[arg-type]
    replica = Replica(down)  # type: ignore[arg-type]
    replica.keys = {"k1": key_of(digest("secret"), "Border", ["exit_ban"])}
    serving = Serving(replica, log)
    today = date(2026, 3, 2)
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    with caplog.at_level(logging.WARNING, logger="muster.interfaces.partner_api"):
        for n in range(readlog.MAX_BATCHES_BEHIND + 1):
            assert not log.behind()
            assert serving.measures(("k1", digest("secret")), f"{n:011d}", at, today) == []
            log.flush()
    assert log.behind()
    assert serving.measures(("k1", digest("secret")), "00000000000", datetime.now(UTC), today) is None
    (spool,) = tmp_path.glob("*.spool")
    assert len(readlog.read_spool(spool)) == readlog.MAX_BATCHES_BEHIND + 1
    assert len([r for r in caplog.records if "could not write" in r.getMessage()]) == 1  # once, not per flush
