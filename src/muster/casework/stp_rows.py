"""Bulk inserts for straight-through decisions: on PostgreSQL the ids are drawn from the table's
sequence in one statement and the rows go in by COPY (a hundred thousand decisions with their
reasons in seconds, where INSERT's client-side quoting of the JSON reasons took most of the
time); elsewhere Django's bulk_create. Either way each object gets its id."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection

from muster.kernel import db

CHUNK = 2000  # rows per INSERT where COPY is not available


def insert(objs: Sequence[Any]) -> None:
    """Write the unsaved model objects (all of one model) and set their ids."""
    if not objs:
        return
    model = type(objs[0])
    if not db.features().copy:
        for i in range(0, len(objs), CHUNK):
            model.objects.bulk_create(objs[i:i + CHUNK])
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    with db.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [meta.db_table, len(objs)])
        ids = [row[0] for row in cur.fetchall()]
    columns = ", ".join(["id", *(f.column for f in fields)])
    stamped = [f for f in fields if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)]
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    names = [f.attname for f in fields]
    raw = connection.connection.cursor()
    try:
        with raw.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy:
            for pk, obj in zip(ids, objs, strict=True):
                for f in stamped:
                    f.pre_save(obj, True)
                # Plain values as psycopg writes them; JSON as its text (dates, times, numbers as they are).
                copy.write_row([pk, *(json.dumps(v) if n in json_fields else v
                                      for n, v in ((n, getattr(obj, n)) for n in names))])
    finally:
        raw.close()
    for pk, obj in zip(ids, objs, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = "default"
