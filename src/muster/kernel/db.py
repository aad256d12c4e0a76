"""The database as the areas see it: the ONE module that asks which vendor is behind Django's
connection. Everything else asks for a capability (`features()`) or a spelling (`add_days`,
`json_object`, ...), as Django's own `connection.features` does, so that a third backend, or a
change of strategy on one, is a change here only."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, transaction

T = TypeVar("T")
S = TypeVar("S")
Shard = tuple[int | None, int | None]  # ids from (inclusive) and to (exclusive); None: no bound
# Batch work on PostgreSQL is split over this many connections, one per core: one statement uses one core.
SHARDS = max(1, min(4, int(os.environ.get("MUSTER_BATCH_SHARDS", os.cpu_count() or 1))))


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def is_postgres() -> bool:
    """For tests and benchmarks that measure one backend; production code asks `features()`."""
    return _postgres()


@dataclass(frozen=True)
class Features:
    """What the backend can do that changes how a batch or a read is done."""

    vendor: str
    advisory_locks: bool  # pg_advisory_*: writers and readers of the ledger coordinate
    data_modifying_ctes: bool  # INSERT ... RETURNING inside WITH: several writes in one statement
    json_in_database: bool  # pages of JSON built by the database (json_build_object, string_agg)
    copy: bool  # COPY FROM STDIN for bulk loads
    prepared_statements: bool  # server-side prepared statements through psycopg
    replica: bool  # the partner check's in-memory replica follows the ledger (needs advisory locks)
    snapshots: bool  # pg_current_snapshot, pg_xact_status: wait for the writers a snapshot saw running
    roles: bool  # database roles, GRANT/REVOKE, and PL/pgSQL triggers that refuse an UPDATE or DELETE


_POSTGRES = Features("postgresql", True, True, True, True, True, True, True, True)
_SQLITE = Features("sqlite", False, False, False, False, False, False, False, False)


def features() -> Features:
    return _POSTGRES if _postgres() else _SQLITE


def cursor() -> Any:
    return connection.cursor()


def json_merge(left: str, right: str) -> str:
    """Two JSON objects merged, keys of `right` winning."""
    return f"({left} || {right})" if _postgres() else f"json_patch({left}, {right})"


def json_text(column: str, key: str) -> str:
    """The text of one top-level key of a JSON column."""
    return f"({column}->>'{key}')" if _postgres() else f"json_extract({column}, '$.{key}')"


def json_type(column: str, key: str) -> str:
    """The JSON type of one top-level key of a JSON column, spelled alike on each backend: 'string',
    'integer' (a whole number of at most 18 digits), 'real' (any other number), 'true', 'false',
    'null', 'object', 'array', or NULL when the key is missing."""
    if _postgres():
        value = f"{column}->'{key}'"
        return (f"(CASE jsonb_typeof({value}) WHEN 'boolean' THEN ({column}->>'{key}') "
                f"WHEN 'number' THEN CASE WHEN ({column}->>'{key}') ~ '^-?[0-9]{{1,18}}$' THEN 'integer' "
                f"ELSE 'real' END ELSE jsonb_typeof({value}) END)")
    return f"(CASE json_type({column}, '$.{key}') WHEN 'text' THEN 'string' ELSE json_type({column}, '$.{key}') END)"


def lpad_digits(text_expr: str, width: int) -> str:
    """Text left-padded with zeros to `width` characters (never cut)."""
    padded = (f"lpad({text_expr}, {width}, '0')" if _postgres()
              else f"substr('{'0' * width}' || {text_expr}, -{width}, {width})")
    return f"(CASE WHEN length({text_expr}) >= {width} THEN {text_expr} ELSE {padded} END)"


def in_param(expr: str, values: list[Any], raw: bool = False) -> tuple[str, list[Any]]:
    """`expr IN (the values)` as one parameter, whatever the list's length; `raw` spells the
    parameter for the driver's own cursor rather than Django's."""
    if _postgres():
        return f"{expr} = ANY(%s)", [values]
    mark = "?" if raw else "%s"
    return f"{expr} IN (SELECT value FROM json_each({mark}))", [json.dumps(values)]


def lock_row(cur: Any, table: str, row_id: int) -> None:
    """Hold one row until the transaction ends (SQLite holds the whole database while writing)."""
    if _postgres():
        cur.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [row_id])


def staging_table(cur: Any, name: str, columns: list[tuple[str, str]]) -> None:
    """A temporary table for one transaction's bulk load, typed where the backend types columns."""
    if _postgres():
        cur.execute("SET LOCAL jit = off")  # big statements that run once: compiling costs more than it saves
        cols = ", ".join(f"{c} {t}" for c, t in columns)
        cur.execute(f"CREATE TEMP TABLE {name} ({cols}) ON COMMIT DROP")
    else:
        cur.execute(f"CREATE TEMP TABLE {name} ({', '.join(c for c, _ in columns)})")


def add_days(date_expr: str, days_expr: str) -> str:
    """A date plus a whole number of days, as a date."""
    if _postgres():
        return f"(({date_expr})::date + ({days_expr})::int)"
    return f"date({date_expr}, '+' || ({days_expr}) || ' days')"


def date_text(date_expr: str) -> str:
    """A date as YYYY-MM-DD text."""
    if _postgres():  # a plain cast is ISO under the DateStyle batch_settings sets, and far cheaper than to_char
        return f"CAST({date_expr} AS text)"
    return f"({date_expr})"


def json_object(pairs: dict[str, str]) -> str:
    """A JSON object from SQL expressions, for a JSONField column."""
    args = ", ".join(f"'{key}', {expr}" for key, expr in pairs.items())
    return f"jsonb_build_object({args})" if _postgres() else f"json_object({args})"


def dt(value: object) -> object:
    """A datetime as the backend stores it (SQLite keeps naive UTC text), for raw SQL parameters."""
    return connection.ops.adapt_datetimefield_value(value)


def batch_settings(cur: Any) -> None:
    """For one batch transaction: ISO date text (date_text relies on it), sorts and hashes of a million
    rows in memory rather than on disk, and no wait for the commit's WAL flush (a crash loses at most
    the last batch, which a re-run redoes)."""
    if _postgres():
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET LOCAL datestyle = 'ISO, YMD'")
        cur.execute("SET LOCAL synchronous_commit = off")


# For a statement that appends to the access log alongside a read (a feed page): a SELECT yielding one
# row that makes this transaction's commit not wait for its WAL to reach the disk (PostgreSQL only),
# to join into the statement. Only a crash of the machine itself within a fraction of a second could
# lose the row, as with the partner checks' spool (muster.audit.spool).
COMMIT_WITHOUT_WAITING = "SELECT set_config('synchronous_commit', 'off', true)"


def analyze(cur: Any, table: str) -> None:
    """Fresh statistics for rows this transaction has just written (autovacuum cannot see them yet),
    so that the next statements of the batch get sensible plans."""
    if _postgres():
        cur.execute(f"ANALYZE {table}")


def can_fan_out() -> bool:
    """Whether batch work may run in shards on connections of its own: only on PostgreSQL, and not
    inside a caller's transaction (other connections could not see its rows, nor could it roll back)."""
    return _postgres() and SHARDS > 1 and not connection.in_atomic_block


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


def drop_pattern_indexes(*tables: str) -> Any:
    """A migration step that drops the `varchar_pattern_ops` ("_like") indexes Django adds beside a
    unique or indexed text column on PostgreSQL. They serve only `LIKE 'prefix%'`, which no Muster
    query runs, and cost space and load time (402 MB and half the load rate at 10M people)."""
    from django.db import migrations

    def drop(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cur:
            cur.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = ANY(%s) AND indexdef LIKE '%%pattern_ops%%'", [list(tables)])
            for (name,) in cur.fetchall():
                cur.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(drop, migrations.RunPython.noop)
