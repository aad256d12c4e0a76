"""Where validated import rows go: straight into the registry, or into staging.

A row goes straight into `registry_person` (COPY on PostgreSQL, executemany
on SQLite) when its person is certainly new: not in the registry, and not
seen earlier in the file. Every other row (an existing person, or a possible
repeat within the file) goes to a temporary staging table, which the
set-based merge (registry.merge_sql) folds in at the end.

"Seen earlier in the file" is a Bloom filter of fixed size, so memory stays
flat whatever the file's size; a false positive only sends a new person the
slower way round. On PostgreSQL a writer thread does the database work on
the same connection and transaction, so the server loads one batch while
Python validates the next; SQLite runs in-process, where a second thread
would only fight over the interpreter lock, so it writes in line.
"""

from __future__ import annotations

import csv
import queue
import tempfile
import threading
from collections.abc import Sequence
from typing import Any

from django.db import connection

from muster.kernel import db as sql
from muster.rules.person_record import PERSON_COLUMNS

STAGING = "muster_import_staging"
PERSON = "registry_person"

_PG_TYPES = {"birth_date": "date", "death_date": "date", "electronic_account": "boolean"}
_PERSON_INSERT_COLUMNS = (*PERSON_COLUMNS, "first_observation")


def create() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {STAGING}")
        sql.staging_table(cur, STAGING, [("seq", "bigint NOT NULL"),
                                         *((c, _PG_TYPES.get(c, "text")) for c in PERSON_COLUMNS)])


def drop() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {STAGING}")


class SeenFilter:
    """A Bloom filter of national ids seen so far in this file (fixed size: 16 MiB)."""

    BITS = 1 << 27

    def __init__(self) -> None:
        self._bits = bytearray(self.BITS // 8)

    def check_and_add(self, key: str) -> bool:
        """True if `key` may have been added before; adds it either way."""
        h = hash(key)
        a, b = h & (self.BITS - 1), (h >> 32) & (self.BITS - 1)
        bits = self._bits
        seen = bits[a >> 3] & (1 << (a & 7)) and bits[b >> 3] & (1 << (b & 7))
        bits[a >> 3] |= 1 << (a & 7)
        bits[b >> 3] |= 1 << (b & 7)
        return bool(seen)


class Loader:
    """Takes batches of validated rows (seq, *values) and loads them.

    PostgreSQL: a writer thread loads while Python validates. Into an empty
    registry it keeps one COPY open for the whole file; otherwise each batch
    is a look-up of who is registered, then a COPY. Rows for staging are
    spooled to a temporary file and COPYed in at the end (one connection can
    run one COPY at a time). SQLite: each batch is written in line.
    """

    def __init__(self, observation_id: int):
        self.observation_id = observation_id
        self.direct = 0  # persons inserted straight into the registry
        self.staged = 0
        self._seen = SeenFilter()
        self._queue: queue.Queue[list[tuple[object, ...]] | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._raw: Any = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Loader:
        create()
        with connection.cursor() as cur:
            # Into an empty registry nobody can exist already but for repeats within
            # the file, which the filter catches: then the look-ups are skipped.
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM {PERSON})")
            self._check_registry = bool(cur.fetchone()[0])
        self._raw = connection.connection  # the same connection, inside the caller's transaction
        if sql.features().copy:
            self._thread = threading.Thread(target=self._run_postgresql, name="muster-import-writer",
                                             daemon=True)
            self._thread.start()
        return self

    def add(self, rows: list[tuple[object, ...]]) -> None:
        if self._error is not None:
            raise self._error
        if not rows:
            return
        if self._thread is None:
            direct, staged = self._split(rows)
            self._executemany(PERSON, _PERSON_INSERT_COLUMNS, direct)
            self._executemany(STAGING, ("seq", *PERSON_COLUMNS), staged)
        else:
            self._queue.put(rows)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        if exc is None and self._error is not None:
            raise self._error

    def _split(self, rows: list[tuple[object, ...]]) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        """Rows of certainly-new persons (as registry rows), and the rest (as staging rows)."""
        seen = self._seen.check_and_add
        maybe_repeated = [seen(row[1]) for row in rows]  # type: ignore[arg-type]
        existing = self._existing([row[1] for row in rows]) if self._check_registry else set()
        direct, staged = [], []
        tail = (self.observation_id,)
        for row, repeated in zip(rows, maybe_repeated, strict=True):
            if repeated or row[1] in existing:
                staged.append(row)
            else:
                direct.append(row[1:] + tail)
        self.direct += len(direct)
        self.staged += len(staged)
        return direct, staged

    def _existing(self, ids: list[object]) -> set[str]:
        # The raw connection (this may run on the import's writer thread, in the caller's transaction).
        where, params = sql.in_param("national_id", ids, raw=True)
        cur = self._raw.cursor()
        try:
            cur.execute(f"SELECT national_id FROM {PERSON} WHERE {where}", params)
            return {r[0] for r in cur.fetchall()}
        finally:
            cur.close()

    def _executemany(self, table: str, columns: Sequence[str], rows: list[tuple[object, ...]]) -> None:
        if rows:
            marks = ", ".join(["?"] * len(columns))
            cur = self._raw.cursor()
            try:
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            finally:
                cur.close()

    def _run_postgresql(self) -> None:
        finished = False
        try:
            with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
                spool_writer = csv.writer(spool)
                cur = self._raw.cursor()
                person_copy = f"COPY {PERSON} ({', '.join(_PERSON_INSERT_COLUMNS)}) FROM STDIN"
                if self._check_registry:
                    # Look-ups and COPY take turns on the one connection, batch by batch.
                    while (rows := self._queue.get()) is not None:
                        direct, staged = self._split(rows)
                        if direct:
                            with cur.copy(person_copy) as copy:
                                for row in direct:
                                    copy.write_row(row)
                        spool_writer.writerows(staged)
                else:
                    # An empty registry: one COPY for the whole file, loaded while Python validates.
                    with cur.copy(person_copy) as copy:
                        while (rows := self._queue.get()) is not None:
                            direct, staged = self._split(rows)
                            for row in direct:
                                copy.write_row(row)
                            spool_writer.writerows(staged)
                finished = True
                if self.staged:
                    spool.seek(0)
                    columns = ", ".join(("seq", *PERSON_COLUMNS))
                    with cur.copy(f"COPY {STAGING} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
                        while chunk := spool.read(1 << 20):
                            copy.write(chunk)
                cur.close()
        except BaseException as exc:  # handed to the main thread
            self._error = exc
            while not finished and self._queue.get() is not None:
                pass
