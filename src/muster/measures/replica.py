"""An in-memory copy of the measures in force, so the partner check needs no query of its own.

Checks read from a replica (docs/overview.md, "Scale by sets"). Each server process keeps
one: every measure whose
status is `active` (a suspended one is not in force), by national id, and the unrevoked API
keys. A background thread follows the event ledger (`measure.applied`, `.lifted`, `.suspended`,
`.reinstated`: muster.ledger.outbox.MEASURE_EVENTS) and re-reads the measures of the
people whose events it sees, every `MUSTER_CHECK_REPLICA_INTERVAL` seconds (0.5 by default).

What it may miss, and how that is covered:
- Ledger ids are taken at insert and committed later, so an event can appear below one
  already seen. When no ledger writer is in flight (the outbox's locks, tried without
  waiting), the replica re-reads every event since its last such moment; so it catches
  up at the latest when the writer in flight commits.
- A key the replica does not know (added since the last refresh) is checked in SQL. The keys
  are pushed rather than polled: `rotate` and `revoke` notify KEYS_CHANNEL as they commit
  (PostgreSQL's NOTIFY), and `listen` re-reads the keys at once, whatever the refresh interval.
  While that listener is not connected, `keys_live` is False and every check goes to SQL,
  which reads the key in the check's own statement; so a revoked key stops working within
  moments of the revocation's commit in every worker.
- If it has not refreshed for `stale_after` seconds (the database is down, say), the
  check goes back to SQL and fails there as it would without a replica.
So a lift or a new measure reaches the check within about one interval of its commit: a
lag of the same kind as a streaming replica's, far inside the day the law counts in.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from muster.kernel import locks
from muster.ledger.outbox import MEASURE_EVENTS
from muster.measures import sql
from muster.rules.notice_numbers import format_summons_number, summons_number

log = logging.getLogger("muster.interfaces.partner_api")
KEYS_CHANNEL = "muster_keys"  # notified by muster.partners.keys as a key is rotated or revoked
_KEYS = ("SELECT k.key_id, k.digest, p.name, p.kinds FROM partners_apikey k JOIN partners_partner p "
         "ON p.id = k.partner_id WHERE k.revoked_at IS NULL")


@dataclass(frozen=True, slots=True)
class Active:
    """One measure in force, as the check answers it, with its answer's JSON text made once."""

    measure_id: int
    kind: str
    effective_from: date
    legal_basis: str
    summons_id: int
    number: str  # the summons number, printed
    middle: str  # the answer's JSON between the measure id and the number (shared by many measures)

    @property
    def json(self) -> str:
        """This measure in the check's answer (see `checks.answer`), as json.dumps writes it."""
        return f'{{"measure_id": {self.measure_id}{self.middle}"summons_number": "{self.number}"}}'


@dataclass(frozen=True)
class Key:
    digest: str
    partner: str
    kinds: frozenset[str]
    purpose: str  # as the access log names a check by this partner


def key_of(digest: str, partner: str, kinds: Any) -> Key:
    kinds = frozenset(json.loads(kinds) if isinstance(kinds, str) else kinds)
    return Key(digest, partner, kinds, f"measures check ({', '.join(sorted(kinds))})")


_MEASURES = ("SELECT p.national_id, m.id, m.kind, m.effective_from, b.text, m.summons_id "
             "FROM measures_measure m JOIN registry_person p ON p.id = m.person_id "
             f"JOIN measures_legalbasis b ON b.id = m.basis_id WHERE {sql.ACTIVE} ")
_OF_PEOPLE = "AND m.summons_id IN (SELECT id FROM notices_summons WHERE person_id = ANY(%s))"  # by summons_person
_ORDER = " ORDER BY p.national_id, m.effective_from, m.id"


class Replica:
    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], stale_after: float = 5.0):
        self._connect = connect
        self._conn: psycopg.Connection[Any] | None = None
        self.stale_after = stale_after
        self.people: dict[str, tuple[Active, ...]] = {}
        self.keys: dict[str, Key] = {}
        self.safe_mark: int | None = None  # every event up to here is reflected (no gap below it)
        self.seen_mark = 0  # the highest event id read
        self.refreshed_at = 0.0  # time.monotonic() of the last successful refresh
        self._lock = threading.Lock()  # one refresh at a time
        self._stop = threading.Event()
        self.listening = False  # a `listen` thread owns the keys (else each refresh re-reads them)
        self.listener_connected = False
        self.key_reloads = 0  # for tests

    @property
    def keys_live(self) -> bool:
        """The keys may be trusted: pushed by a connected listener, or (no listener) refreshed."""
        return self.listener_connected or not self.listening

    # --- reading (request threads) ---

    def fresh(self) -> bool:
        return self.safe_mark is not None and time.monotonic() - self.refreshed_at < self.stale_after

    def measures(self, national_id: str) -> tuple[Active, ...]:
        return self.people.get(national_id, ())

    # --- following the ledger (the refresh thread) ---

    def refresh(self) -> None:
        """One step: re-read the keys and the people whose measure events are new since last time."""
        with self._lock:
            conn = self._connection()
            try:
                self._refresh(conn)
            except Exception:
                self._conn = None
                conn.close()
                raise
            self.refreshed_at = time.monotonic()

    def _refresh(self, conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            # Two statements: the second's snapshot is taken once the locks are held (READ COMMITTED).
            (quiet,) = _one(conn, "SELECT pg_try_advisory_xact_lock(%s) AND pg_try_advisory_xact_lock(%s)",
                            [locks.TICK, locks.LEDGER])
            (upto,) = _one(conn, "SELECT COALESCE(MAX(id), 0) FROM events_event", [])
        # The locks are released: writers go on; everything up to `upto` was committed if `quiet`.
        if self.safe_mark is None:
            if not quiet:
                return  # not ready until a moment with no writer in flight
            self._load_all(conn)
            self.safe_mark = self.seen_mark = upto
        else:
            since = self.safe_mark if quiet else self.seen_mark
            rows = conn.execute("SELECT person_id, MAX(id) FROM events_event WHERE type = ANY(%s) AND id > %s "
                                "GROUP BY person_id", [list(MEASURE_EVENTS), since]).fetchall()
            self._reload_people({person for person, _ in rows})
            self.seen_mark = max([self.seen_mark, *(event for _, event in rows)])
            if quiet:
                self.safe_mark = self.seen_mark = max(self.seen_mark, upto)
        if not self.listening:
            self.keys = _read_keys(conn)
        conn.commit()

    def _load_all(self, conn: psycopg.Connection[Any]) -> None:
        # A server-side cursor: the rows stream in, rather than all of them held at once. Every row is
        # read, so the plan is chosen for all of them: PostgreSQL otherwise plans a cursor for its first
        # tenth, and with the measures not yet analysed after a big tick it chose a nested loop over
        # the registry that took minutes for 350,000 measures (the benchmark caught it).
        conn.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        with conn.cursor(name="measures_replica_load") as cur:
            cur.itersize = 20_000
            cur.execute(_MEASURES + _ORDER)
            self.people = _group(cur)

    def _reload_people(self, person_ids: set[int]) -> None:
        if not person_ids:
            return
        conn = self._connection()
        ids = sorted(person_ids)
        for start in range(0, len(ids), 50_000):
            chunk = ids[start:start + 50_000]
            found = _group(conn.execute(_MEASURES + _OF_PEOPLE + _ORDER, [chunk]))
            national_ids = [nid for (nid,) in conn.execute(
                "SELECT national_id FROM registry_person WHERE id = ANY(%s)", [chunk])]
            people = dict(self.people)  # replace, not mutate: request threads read without a lock
            for nid in national_ids:
                people.pop(nid, None)
            people.update(found)
            self.people = people

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        return self._conn

    def follow(self, interval: float) -> None:
        """Refresh every `interval` seconds until stopped (run on a daemon thread)."""
        failing = False
        while not self._stop.is_set():
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - keep following; the check falls back to SQL meanwhile
                if not failing:  # once per outage, not every interval
                    log.warning("the measures replica could not refresh; checks use the database meanwhile",
                                exc_info=True)
                failing = True
            else:
                if failing:
                    log.warning("the measures replica refreshes again")
                failing = False
            self._stop.wait(interval)

    def listen(self, timeout: float = 0.5) -> None:
        """Keep the keys as the database has them (run on a daemon thread): LISTEN, read them all,
        then read them again at each notification. Reconnects after a failure; meanwhile
        `keys_live` is False and the checks go to SQL."""
        self.listening = True
        failing = False
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    conn.autocommit = True
                    conn.execute(f"LISTEN {KEYS_CHANNEL}")
                    self._reload_keys(conn)  # after LISTEN: no change can fall in between
                    self.listener_connected = True
                    if failing:
                        log.warning("the key listener is connected again")
                    failing = False
                    while not self._stop.is_set():
                        if list(conn.notifies(timeout=timeout, stop_after=1)):  # at the first, not the timeout
                            self._reload_keys(conn)
            except Exception:  # noqa: BLE001 - checks go to SQL while the listener is down
                self.listener_connected = False
                if not failing:
                    log.warning("the key listener lost its connection; checks read keys in SQL meanwhile",
                                exc_info=True)
                failing = True
                self._stop.wait(timeout)
        self.listener_connected = False

    def _reload_keys(self, conn: psycopg.Connection[Any]) -> None:
        self.keys = _read_keys(conn)
        self.key_reloads += 1

    @property
    def stopping(self) -> threading.Event:
        """Set as the worker stops (the threads that serve with this replica end on it)."""
        return self._stop

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _read_keys(conn: psycopg.Connection[Any]) -> dict[str, Key]:
    return {key_id: key_of(digest, partner, kinds) for key_id, digest, partner, kinds in conn.execute(_KEYS)}


def _one(conn: psycopg.Connection[Any], query: str, params: list[Any]) -> tuple[Any, ...]:
    row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return tuple(row)


def _group(rows: Iterable[tuple[Any, ...]]) -> dict[str, tuple[Active, ...]]:
    """Rows ordered by national id become one tuple of measures each; texts are shared."""
    shared: dict[Any, Any] = {}  # one object for each distinct text, date and answer part
    grouped: dict[str, list[Active]] = {}
    for nid, mid, kind, start, basis, summons_id in rows:
        kind, start, basis = shared.setdefault(kind, kind), shared.setdefault(start, start), shared.setdefault(basis, basis)
        middle = shared.get((kind, start, basis))
        if middle is None:
            middle = shared.setdefault((kind, start, basis), ", " + json.dumps(
                {"kind": kind, "effective_from": start.isoformat(), "legal_basis": basis})[1:-1] + ", ")
        grouped.setdefault(nid, []).append(Active(
            mid, kind, start, basis, summons_id, format_summons_number(summons_number(summons_id)), middle))
    return {nid: tuple(found) for nid, found in grouped.items()}
