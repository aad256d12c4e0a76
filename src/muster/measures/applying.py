"""Apply measures set-based, as the policy starts them, with their measure.applied events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muster import sql
from muster.rules.policy import PolicyVersion


def apply_measures(cur: Any, version: PolicyVersion, trigger: str, start: str, where: str, params: list[Any],
                   run_id: int, now: datetime, *, fresh: bool = False) -> tuple[int, int]:
    """Insert the measures `trigger` starts for the summonses `where` picks, and a measure.applied
    event for each one that is active; returns (measures, events). `fresh`: those summonses were
    created in this transaction, so none can have a measure already."""
    rules = [r for r in version.measures if r.trigger == trigger]
    if not rules:
        return 0, 0
    kinds = ", ".join(["(%s, %s, %s)"] * len(rules))
    kind_params = [x for r in rules for x in (r.kind, "pending" if r.officer_signoff else "active", r.legal_basis)]
    guard = "" if fresh else ("WHERE NOT EXISTS (SELECT 1 FROM measures_measure m WHERE m.summons_id = s.id "
                              "AND m.kind = k.column1)")
    # In summons order (ids follow person ids), so the indexes on both take their entries in order.
    insert = (f"INSERT INTO measures_measure (person_id, summons_id, kind, status, legal_basis, effective_from, "
              f"lift_reason, policy_version, created_run) SELECT s.person_id, s.id, k.column1, k.column2, "
              f"k.column3, {start}, '', s.policy_version, %s FROM (SELECT * FROM notices_summons s "
              f"WHERE {where} ORDER BY s.id) s CROSS JOIN (VALUES {kinds}) AS k {guard}")
    insert_params = [run_id, *params, *kind_params]
    payload = sql.json_object({"kind": "m.kind", "effective_from": sql.date_text("m.effective_from"),
                               "summons_number": sql.number_from_id("m.summons_id"), "legal_basis": "m.legal_basis"})
    events = (f"INSERT INTO events_event (type, person_id, summons_id, measure_id, payload, occurred_at) "
              f"SELECT 'measure.applied', m.person_id, m.summons_id, m.id, {payload}, %s ")
    if sql.is_postgres():
        # One statement: the events come from the inserted rows as returned (in id order), not from a
        # second read and sort of millions of measures.
        cur.execute(f"WITH m AS ({insert} RETURNING id, person_id, summons_id, kind, status, effective_from, "
                    f"legal_basis), e AS ({events} FROM m WHERE m.status = 'active' RETURNING 1) "
                    f"SELECT (SELECT COUNT(*) FROM m), (SELECT COUNT(*) FROM e)", [*insert_params, sql.dt(now)])
        measures, applied = cur.fetchone()
        return int(measures), int(applied)
    cur.execute("SELECT COALESCE(MAX(id), 0) FROM measures_measure")
    last = cur.fetchone()[0]
    cur.execute(insert, insert_params)
    measures = cur.rowcount
    cur.execute(f"{events} FROM measures_measure m WHERE m.id > %s AND m.created_run = %s AND m.status = 'active' "
                f"ORDER BY m.id", [sql.dt(now), last, run_id])
    return int(measures), int(cur.rowcount)
