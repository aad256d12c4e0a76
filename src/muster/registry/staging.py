"""The staging table an import fills before the set-based merge, per database.

PostgreSQL gets the rows by COPY into a temporary table; SQLite by batched
executemany. Both then merge with the same SQL (registry.merge_sql).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from muster.rules.person_record import PERSON_COLUMNS

STAGING = "muster_import_staging"

_PG_TYPES = {"birth_date": "date", "death_date": "date", "electronic_account": "boolean"}


def create() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {STAGING}")
        if connection.vendor == "postgresql":
            cols = ", ".join(f"{c} {_PG_TYPES.get(c, 'text')}" for c in PERSON_COLUMNS)
            cur.execute(f"CREATE TEMP TABLE {STAGING} (seq bigint NOT NULL, {cols}) ON COMMIT DROP")
        else:
            cols = ", ".join(PERSON_COLUMNS)
            cur.execute(f"CREATE TEMP TABLE {STAGING} (seq INTEGER NOT NULL, {cols})")


def append(rows: Sequence[tuple[object, ...]]) -> None:
    """Add validated rows: each is (seq, *values in PERSON_COLUMNS order)."""
    if not rows:
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            columns = ", ".join(("seq", *PERSON_COLUMNS))
            with cur.cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * (len(PERSON_COLUMNS) + 1))
            cur.executemany(f"INSERT INTO {STAGING} VALUES ({marks})", rows)


def drop() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {STAGING}")
