"""Apply measures set-based, as the policy starts them, with their measure.applied events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muster.kernel import db as sql
from muster.measures.models import LegalBasis
from muster.rules.policy import PolicyVersion


def record_bases(version: PolicyVersion) -> dict[str, int]:
    """The legal-basis row of each measure kind of `version`, created if new. Batches that write in
    shards call this first, in a transaction of its own: a new text inserted inside one shard's long
    transaction would make the other shards wait for it."""
    ids = LegalBasis.ids_for([r.legal_basis for r in version.measures])
    return {r.kind: ids[r.legal_basis] for r in version.measures}


def apply_measures(cur: Any, version: PolicyVersion, trigger: str, start: str, where: str, params: list[Any],
                   run_id: int, now: datetime) -> tuple[int, int]:
    """Insert the measures `trigger` starts for the summonses `where` picks, and a measure.applied
    event for each one that is active; returns (measures, events).

    No summons picked can already hold a measure of these kinds: a policy version names each kind
    once (muster.rules.policy refuses a second), so it has one trigger; a summons enters each
    status once, and its measures are written in the same transaction as that change. So there is
    no check per row; the unique constraint (summons, kind) stands behind the reasoning.

    The event names the measure and its kind. What never changes once a measure is in force (the
    day it takes effect, its legal basis, its summons) is read from the measure's row by those who
    publish the event (muster.partners.feed, muster.delivery.messages)."""
    rules = [r for r in version.measures if r.trigger == trigger]
    if not rules:
        return 0, 0
    bases = record_bases(version)
    kinds = ", ".join(["(%s, %s, %s)"] * len(rules))
    kind_params = [x for r in rules for x in (r.kind, "pending" if r.officer_signoff else "active", bases[r.kind])]
    # In summons order (ids follow person ids), so the indexes on both take their entries in order.
    insert = (f"INSERT INTO measures_measure (person_id, summons_id, kind, status, basis_id, effective_from, "
              f"lift_reason, policy_version, created_run) SELECT s.person_id, s.id, k.column1, k.column2, "
              f"k.column3, {start}, '', s.policy_version, %s FROM (SELECT * FROM notices_summons s "
              f"WHERE {where} ORDER BY s.id) s CROSS JOIN (VALUES {kinds}) AS k")
    insert_params = [run_id, *params, *kind_params]
    payload = sql.json_object({"kind": "m.kind"})
    events = (f"INSERT INTO events_event (type, person_id, summons_id, measure_id, payload, occurred_at) "
              f"SELECT 'measure.applied', m.person_id, m.summons_id, m.id, {payload}, %s ")
    if sql.features().data_modifying_ctes:
        # One statement: the events come from the inserted rows as returned (in id order), not from a
        # second read and sort of millions of measures.
        cur.execute(f"WITH m AS ({insert} RETURNING id, person_id, summons_id, kind, status), "
                    f"e AS ({events} FROM m WHERE m.status = 'active' RETURNING 1) "
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
