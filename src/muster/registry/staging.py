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
            # The merge statements are big but run once: compiling them costs more than it saves.
            cur.execute("SET LOCAL jit = off")
            cols = ", ".join(f"{c} {_PG_TYPES.get(c, 'text')}" for c in PERSON_COLUMNS)
            cur.execute(f"CREATE TEMP TABLE {STAGING} (seq bigint NOT NULL, {cols}) ON COMMIT DROP")
        else:
            cols = ", ".join(PERSON_COLUMNS)
            cur.execute(f"CREATE TEMP TABLE {STAGING} (seq INTEGER NOT NULL, {cols})")


class Stager:
    """Feeds validated rows into the staging table.

    On PostgreSQL one COPY stays open for the whole file, so the server loads
    rows while Python validates the next ones; on SQLite each batch is one
    executemany. Rows are (seq, *values in PERSON_COLUMNS order).
    """

    def __enter__(self) -> Stager:
        create()
        self._cursor = connection.cursor()
        self._copy = None
        if connection.vendor == "postgresql":
            columns = ", ".join(("seq", *PERSON_COLUMNS))
            self._copy_cm = self._cursor.cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN")
            self._copy = self._copy_cm.__enter__()
        return self

    def add(self, rows: Sequence[tuple[object, ...]]) -> None:
        if not rows:
            return
        if self._copy is not None:
            write_row = self._copy.write_row
            for row in rows:
                write_row(row)
        else:
            marks = ", ".join(["%s"] * (len(PERSON_COLUMNS) + 1))
            self._cursor.executemany(f"INSERT INTO {STAGING} VALUES ({marks})", rows)

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._copy is not None:
                self._copy_cm.__exit__(*exc_info)
        finally:
            self._cursor.close()


def drop() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {STAGING}")
