"""Each partner key's rate limit on the check, and the counts operators alert on.

Per server worker process and in memory, so that the check stays in microseconds: a key may make
MUSTER_CHECK_RATE_PER_SECOND checks a second with bursts of MUSTER_CHECK_RATE_BURST in each worker,
so with N workers it may reach N times that in all (the kernel spreads connections over the
workers; one keep-alive connection stays on one worker). A refused check is answered 429 with
`Retry-After` and does nothing else (no read, no access-log row).

Only a check that authenticated spends a token (`spend`, after the answer); a check is refused
(`refused`, before any work) only when its key's bucket is empty. So a stranger who knows a key
id but not its secret cannot use up a partner's allowance, and unknown key ids make no buckets.

The counts (checks, answers for unknown national ids, 429s) are per key and minute in
`measures_checkcount`, summed over every worker: each worker adds its own about once a second
(`flush`). A worker's threads share its buckets and counts without a lock: a race between two
of them may at worst let one check through uncounted, never refuse one. Whether an id is unknown is settled there, in one query for all the empty answers
since the last flush (an answer with measures is about a known person), not on the hot path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from django.conf import settings
from django.core.signals import setting_changed
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from muster.kernel import clock, db
from muster.rules import rate_limits

log = logging.getLogger("muster.interfaces.partner_api")
MAX_UNSETTLED = 200_000  # empty answers kept for classifying while the database does not take them
_CHUNK = 5_000


class RateLimited(Exception):
    """The key's checks are over its rate: answer 429, with `Retry-After` seconds."""

    def __init__(self, wait: float):
        super().__init__(f"too many checks for this key; retry after {rate_limits.retry_after_header(wait)} s")
        self.retry_after = rate_limits.retry_after_header(wait)


class CheckLimits:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.clock = monotonic  # seconds
        self.buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, stamp)
        self.counts: dict[str, list[int]] = {}  # key id -> [checks, limited]
        self.empty: list[tuple[str, str]] = []  # (key id, national id) of answers with no measures
        self.flushed_at = self.clock()
        self.flusher = False  # a thread flushes (in a server worker); else requests do
        self._rate: tuple[float, float] | None = None
        setting_changed.connect(self.forget_rate, weak=False)
        self._lock = threading.Lock()  # flush swaps the lists; request threads only append and add

    def refused(self, key_id: str) -> None:
        """Raise RateLimited if this key has used up its checks (only a key that spent tokens can)."""
        bucket = self.buckets.get(key_id)
        if bucket is None:
            return
        _, _, wait = rate_limits.take(bucket[0], bucket[1], self.clock(), *self.rate())
        if wait:
            self._count(key_id, 1)
            raise RateLimited(wait)

    def spend(self, key_id: str, national_id: str, empty: bool) -> None:
        """After an authenticated check: one token spent, the check counted."""
        rate, burst = self.rate()
        tokens, stamp = self.buckets.get(key_id, (burst, 0.0))
        tokens, stamp, _ = rate_limits.take(tokens, stamp, self.clock(), rate, burst)
        self.buckets[key_id] = (tokens, stamp)
        self._count(key_id, 0)
        if empty and len(self.empty) < MAX_UNSETTLED:
            self.empty.append((key_id, national_id))

    def rate(self) -> tuple[float, float]:
        """(checks a second, burst), read from the settings once (again when a test changes them)."""
        rate = self._rate
        if rate is None:
            rate = self._rate = (float(settings.MUSTER_CHECK_RATE_PER_SECOND), float(settings.MUSTER_CHECK_RATE_BURST))
        return rate

    def forget_rate(self, **_: object) -> None:
        self._rate = None

    def _count(self, key_id: str, column: int) -> None:
        counts = self.counts.get(key_id)
        if counts is None:
            counts = self.counts.setdefault(key_id, [0, 0])
        counts[column] += 1

    def due(self, every: float = 1.0) -> bool:
        return self.clock() - self.flushed_at >= every

    def flush(self) -> None:
        """Add what was counted since the last flush to `measures_checkcount` (Django's connection
        of the calling thread); what could not be written is kept for the next flush."""
        with self._lock:
            counts, self.counts = self.counts, {}
            empty, self.empty = self.empty, []
            self.flushed_at = self.clock()
        if not counts:
            return
        try:
            unknown = _unknown_per_key(empty)
            minute = clock.now().replace(second=0, microsecond=0)
            for key_id, (checks, limited) in counts.items():
                _add(key_id, minute, checks, unknown.get(key_id, 0), limited)
        except Exception:
            with self._lock:  # put them back: counted at the next flush
                for key_id, (checks, limited) in counts.items():
                    mine = self.counts.setdefault(key_id, [0, 0])
                    mine[0] += checks
                    mine[1] += limited
                self.empty.extend(empty[:MAX_UNSETTLED - len(self.empty)])
            raise


def _unknown_per_key(empty: Iterable[tuple[str, str]]) -> dict[str, int]:
    """How many of the (key id, national id as asked) pairs name nobody in the registry, by key."""
    from muster.policy import loader

    normalise = loader.get_pack(settings.MUSTER_DEFAULT_PACK).id_scheme.normalise
    pairs = [(key_id, normalise(nid)) for key_id, nid in empty]
    known: set[str] = set()
    # One array parameter, not an IN list of thousands: the statement is planned once and costs
    # about a fifth of the ORM's query in CPU (measured with 1,300 ids).
    with connection.cursor() as cur:
        for start in range(0, len(pairs), _CHUNK):
            where, params = db.in_param("national_id", sorted({nid for _, nid in pairs[start:start + _CHUNK]}))
            cur.execute(f"SELECT national_id FROM registry_person WHERE {where}", params)
            known.update(nid for (nid,) in cur.fetchall())
    unknown: dict[str, int] = {}
    for key_id, nid in pairs:
        if nid not in known:
            unknown[key_id] = unknown.get(key_id, 0) + 1
    return unknown


def _add(key_id: str, minute: datetime, checks: int, unknown: int, limited: int) -> None:
    from muster.measures.models import CheckCount

    more = {"checks": F("checks") + checks, "unknown_ids": F("unknown_ids") + unknown,
            "limited": F("limited") + limited}
    if CheckCount.objects.filter(key_id=key_id, minute=minute).update(**more):
        return
    try:
        with transaction.atomic():
            CheckCount.objects.create(key_id=key_id, minute=minute, checks=checks, unknown_ids=unknown,
                                      limited=limited)
    except IntegrityError:  # another worker made the row first
        CheckCount.objects.filter(key_id=key_id, minute=minute).update(**more)


def stats(since: datetime) -> list[dict[str, object]]:
    """Per key since `since`: its partner, checks answered, unknown national ids, 429s."""
    with connection.cursor() as cur:
        cur.execute("SELECT c.key_id, p.name, SUM(c.checks), SUM(c.unknown_ids), SUM(c.limited) "
                    "FROM measures_checkcount c LEFT JOIN partners_apikey k ON k.key_id = c.key_id "
                    "LEFT JOIN partners_partner p ON p.id = k.partner_id WHERE c.minute >= %s "
                    "GROUP BY c.key_id, p.name ORDER BY p.name, c.key_id", [since])
        rows = cur.fetchall()
    return [{"partner": name, "key_id": key_id, "checks": int(checks), "unknown_ids": int(unknown),
             "limited": int(limited)} for key_id, name, checks, unknown, limited in rows]


def flush_if_due() -> None:
    """Where no thread flushes (no `muster serve` replica: SQLite, the test client), the request
    that finds a second gone by flushes, on its own connection; a failure is logged, not raised."""
    if LIMITS.flusher or not LIMITS.due():
        return
    try:
        LIMITS.flush()
    except Exception:  # noqa: BLE001 - the counts are kept for the next flush; the answer goes out
        log.warning("could not write the partner check counts; they are kept for the next try", exc_info=True)


def follow(stop: threading.Event, every: float = 1.0) -> None:
    """A server worker's flushing thread: every `every` seconds until `stop`, then once more."""
    from django.db import connections

    LIMITS.flusher = True
    failing = False
    try:
        while True:
            stopping = stop.wait(every)
            try:
                LIMITS.flush()
            except Exception:  # noqa: BLE001 - keep counting; the next flush writes what this one could not
                if not failing:
                    log.warning("could not write the partner check counts; they are kept", exc_info=True)
                failing = True
            else:
                failing = False
            if stopping:
                return
    finally:
        LIMITS.flusher = False
        connections.close_all()


LIMITS = CheckLimits()  # this process's
