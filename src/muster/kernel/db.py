"""The few SQL spellings that differ between PostgreSQL and SQLite, in one place."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection, transaction

T = TypeVar("T")
S = TypeVar("S")
Shard = tuple[int | None, int | None]  # ids from (inclusive) and to (exclusive); None: no bound
# Batch work on PostgreSQL is split over this many connections, one per core: one statement uses one core.
SHARDS = max(1, min(4, int(os.environ.get("MUSTER_BATCH_SHARDS", os.cpu_count() or 1))))


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def add_days(date_expr: str, days_expr: str) -> str:
    """A date plus a whole number of days, as a date."""
    if is_postgres():
        return f"(({date_expr})::date + ({days_expr})::int)"
    return f"date({date_expr}, '+' || ({days_expr}) || ' days')"


def date_text(date_expr: str) -> str:
    """A date as YYYY-MM-DD text."""
    if is_postgres():  # a plain cast is ISO under the DateStyle batch_settings sets, and far cheaper than to_char
        return f"CAST({date_expr} AS text)"
    return f"({date_expr})"


def json_object(pairs: dict[str, str]) -> str:
    """A JSON object from SQL expressions, for a JSONField column."""
    args = ", ".join(f"'{key}', {expr}" for key, expr in pairs.items())
    return f"jsonb_build_object({args})" if is_postgres() else f"json_object({args})"


def number_from_id(id_expr: str) -> str:
    """muster.rules.notice_numbers.summons_number, in SQL (for a statement with parameters)."""
    return f"({id_expr} * 100 + 98 - ({id_expr} * 100) %% 97)"


def dt(value: object) -> object:
    """A datetime as the backend stores it (SQLite keeps naive UTC text), for raw SQL parameters."""
    return connection.ops.adapt_datetimefield_value(value)


def batch_settings(cur: Any) -> None:
    """For one batch transaction: ISO date text (date_text relies on it), sorts and hashes of a million
    rows in memory rather than on disk, and no wait for the commit's WAL flush (a crash loses at most
    the last batch, which a re-run redoes)."""
    if is_postgres():
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET LOCAL datestyle = 'ISO, YMD'")
        cur.execute("SET LOCAL synchronous_commit = off")


def analyze(cur: Any, table: str) -> None:
    """Fresh statistics for rows this transaction has just written (autovacuum cannot see them yet),
    so that the next statements of the batch get sensible plans."""
    if is_postgres():
        cur.execute(f"ANALYZE {table}")


def can_fan_out() -> bool:
    """Whether batch work may run in shards on connections of its own: only on PostgreSQL, and not
    inside a caller's transaction (other connections could not see its rows, nor could it roll back)."""
    return is_postgres() and SHARDS > 1 and not connection.in_atomic_block


def id_cuts(cur: Any, where: str, params: list[Any]) -> list[int]:
    """SHARDS - 1 summons ids that cut the summonses `where` picks into equal runs of ids (PostgreSQL).
    Shards by range, not by id modulo, so that each connection writes its own part of every index."""
    fractions = ", ".join(str(i / SHARDS) for i in range(1, SHARDS))
    cur.execute(f"SELECT percentile_disc(ARRAY[{fractions}]::float8[]) WITHIN GROUP (ORDER BY id) "
                f"FROM notices_summons WHERE {where}", params)
    return sorted({int(c) for c in (cur.fetchone()[0] or []) if c is not None})


def shards_from(cuts: list[int]) -> list[Shard]:
    """The id ranges between the cuts; the first and last are open, so together they cover every id."""
    bounds: list[int | None] = [None, *cuts, None]
    return list(zip(bounds, bounds[1:], strict=False))


def shard_filter(id_expr: str, shard: Shard | None) -> str:
    """The SQL condition (with a leading AND) keeping the ids of one shard; none for None (all)."""
    if shard is None:
        return ""
    low, high = shard
    return ((f" AND {id_expr} >= {int(low)}" if low is not None else "")
            + (f" AND {id_expr} < {int(high)}" if high is not None else ""))


def fan_out(work: Callable[[S], T], shards: list[S]) -> list[T]:
    """Run work(shard) for every shard at once, each in its own thread, connection and transaction."""
    def one(shard: S) -> T:
        try:
            with transaction.atomic():
                return work(shard)
        finally:
            connection.close()

    if not shards:
        return []
    with ThreadPoolExecutor(max_workers=len(shards)) as pool:
        return list(pool.map(one, shards))


@contextmanager
def session_lock(*key: int) -> Iterator[None]:
    """A PostgreSQL advisory lock (one bigint, or two ints) held across several transactions of this
    connection."""
    args = ", ".join(["%s"] if len(key) == 1 else ["%s::int", "%s::int"])
    with connection.cursor() as cur:
        cur.execute(f"SELECT pg_advisory_lock({args})", list(key))
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"SELECT pg_advisory_unlock({args})", list(key))
