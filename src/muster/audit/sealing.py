"""Seal the access log into the audit chain.

The access log is written set-based at high rates (feed pages, partner checks through the spool),
so its rows are not chained one by one: a *seal* (a chain record, action `access_log.seal`) covers
the rows of one table with ids in (after, upto] by their count and keyed digest. Sealing runs in
order under the AUDIT_CHAIN lock, in every engine turn and from `muster audit seal`; verify
recomputes every seal and reports rows left unsealed longer than MUSTER_AUDIT_UNSEALED_AFTER.

On PostgreSQL, ids are handed out before their transactions commit, so a seal waits for the writers
of that table that were running when it read the highest id (a later commit of a lower id would
otherwise fall inside a sealed range); if they do not finish within `wait`, the table waits for the
next turn.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from django.db import connection, transaction

from muster.audit import trail
from muster.audit.access_log import ACCESS_LOG, FEED_READS
from muster.audit.models import AuditRecord, FeedRead, PartnerRead
from muster.kernel import db, locks
from muster.kernel.actor import Actor
from muster.rules.audit_chain import parse_seal, rows_digest, seal_purpose

SEAL = "access_log.seal"
SEALER = Actor.system("audit")
TABLES = (ACCESS_LOG, FEED_READS)
_COLUMNS = {ACCESS_LOG: ("id", "at", "partner", "role", "person_id", "purpose"),
            FEED_READS: ("id", "at", "partner_id", "partner", "purpose", "after_seq", "upto_seq")}
_MODELS = {ACCESS_LOG: PartnerRead, FEED_READS: FeedRead}


def rows(table: str, after: int, upto: int) -> Iterator[Sequence[object]]:
    """The rows of `table` with ids in (after, upto], in id order, as plain values."""
    query = (_MODELS[table].objects.filter(id__gt=after, id__lte=upto).order_by("id")  # type: ignore[attr-defined]
             .values_list(*_COLUMNS[table]))
    for row in query.iterator(chunk_size=10_000):
        yield tuple(v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v for v in row)


def sealed_upto(table: str) -> int:
    """The highest id of `table` covered by a seal (0 if none)."""
    last = (AuditRecord.objects.filter(action=SEAL, object_type=table).order_by("-id")
            .values_list("object_id", "purpose").first())
    parsed = parse_seal(*last) if last else None
    return parsed[1] if parsed else 0


def _settled_max(table: str, wait: float) -> int | None:
    """The highest id of `table` below which no transaction can still add a row; None if writers
    that could are still running after `wait` seconds.

    On PostgreSQL a writer holds ROW EXCLUSIVE on the table from before it takes an id until it
    ends: the writers holding it as the highest id is read are the only ones that may still commit
    a lower id, so the seal waits for them (and only them: other databases and tables do not count).
    """
    with db.cursor() as cur:
        if not db.features().snapshots:  # one writer at a time: what is visible is final
            cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            return int(cur.fetchone()[0])
        writers = (f"FROM pg_locks WHERE locktype = 'relation' AND relation = '{table}'::regclass "
                   "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                   "AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()")
        cur.execute(f"SELECT (SELECT coalesce(max(id), 0) FROM {table}), "
                    f"(SELECT coalesce(array_agg(DISTINCT virtualtransaction), '{{}}') {writers})")
        top, running = cur.fetchone()
        deadline = time.monotonic() + wait
        while running:
            cur.execute(f"SELECT coalesce(array_agg(DISTINCT virtualtransaction), '{{}}') {writers} "
                        "AND virtualtransaction = ANY(%s)", [running])
            running = cur.fetchone()[0]
            if running and time.monotonic() > deadline:
                return None
            if running:
                time.sleep(0.01)
        return int(top)


# Rows of one table sealed in one engine turn at most: a burst of checks (or a first turn over a long
# backlog) must not hold up the turn's notices and webhooks; the rest is sealed in the next turns.
TURN_BATCH = 20_000


def seal(wait: float = 2.0, batch: int | None = None) -> dict[str, int]:
    """Seal what is new in each access-log table, at most `batch` rows of each (None: all);
    {table: rows sealed}."""
    sealed: dict[str, int] = {}
    for table in TABLES:
        top = _settled_max(table, wait)  # outside the transaction: it waits for other writers
        count = 0
        if top is not None:
            with transaction.atomic():
                with connection.cursor() as cur:
                    locks.hold(cur, locks.AUDIT_CHAIN)
                after = sealed_upto(table)
                upto = top if batch is None else _batch_end(table, after, top, batch)
                if upto > after:
                    count, digest = rows_digest(trail.key(), rows(table, after, upto))
                    trail.record(SEALER, SEAL, table, f"{after}..{upto}", purpose=seal_purpose(count, digest))
        sealed[table] = count
    return sealed


def _batch_end(table: str, after: int, top: int, batch: int) -> int:
    """The id of the `batch`-th row after `after` (ids have gaps), or `top` if fewer rows are left."""
    nth = (_MODELS[table].objects.filter(id__gt=after, id__lte=top)  # type: ignore[attr-defined]
           .order_by("id").values_list("id", flat=True)[batch - 1:batch])
    return int(nth[0]) if nth else top


def rows_digest_of(table: str, after: int, upto: int) -> tuple[int, str]:
    return rows_digest(trail.key(), rows(table, after, upto))


def unsealed_before(table: str, after: int, bound: datetime) -> tuple[int, int | None]:
    """(how many rows of `table` past id `after` are older than `bound`, the first such id)."""
    late = _MODELS[table].objects.filter(id__gt=after, at__lt=bound)  # type: ignore[attr-defined]
    count = late.count()
    return count, (late.order_by("id").values_list("id", flat=True).first() if count else None)
