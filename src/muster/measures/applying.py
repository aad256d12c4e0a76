"""Apply measures set-based, as the policy starts them, and their measure.applied events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muster import sql
from muster.rules.policy import PolicyVersion


def apply_measures(cur: Any, version: PolicyVersion, trigger: str, start: str, where: str, params: list[Any],
                   run_id: int, *, fresh: bool = False) -> int:
    """Insert the measures `trigger` starts for the summonses `where` picks. `fresh`: those summonses
    were created in this transaction, so none can have a measure already."""
    rules = [r for r in version.measures if r.trigger == trigger]
    if not rules:
        return 0
    kinds = ", ".join(["(%s, %s, %s)"] * len(rules))
    kind_params = [x for r in rules for x in (r.kind, "pending" if r.officer_signoff else "active", r.legal_basis)]
    guard = "" if fresh else ("WHERE NOT EXISTS (SELECT 1 FROM measures_measure m WHERE m.summons_id = s.id "
                              "AND m.kind = k.column1)")
    # In summons order (ids follow person ids), so the indexes on both take their entries in order.
    cur.execute(
        f"INSERT INTO measures_measure (person_id, summons_id, kind, status, legal_basis, effective_from, "
        f"lift_reason, policy_version, created_run) SELECT s.person_id, s.id, k.column1, k.column2, k.column3, "
        f"{start}, '', s.policy_version, %s FROM (SELECT * FROM notices_summons s WHERE {where} ORDER BY s.id) s "
        f"CROSS JOIN (VALUES {kinds}) AS k {guard}",
        [run_id, *params, *kind_params])
    return int(cur.rowcount)


def measure_events(cur: Any, run_id: int, now: datetime, shard: int | None = None, shards: int = sql.SHARDS) -> int:
    """measure.applied events for the measures a run made active (in one shard of summonses)."""
    payload = sql.json_object({"kind": "m.kind", "effective_from": sql.date_text("m.effective_from"),
                               "summons_number": sql.number_from_id("s.id"), "legal_basis": "m.legal_basis"})
    cur.execute(f"INSERT INTO events_event (type, person_id, summons_id, measure_id, payload, occurred_at) "
                f"SELECT 'measure.applied', m.person_id, m.summons_id, m.id, {payload}, %s "
                f"FROM measures_measure m JOIN notices_summons s ON s.id = m.summons_id "
                f"WHERE m.created_run = %s AND m.status = 'active'{sql.shard_filter('m.summons_id', shard, shards)} "
                f"ORDER BY m.id", [sql.dt(now), run_id])
    return cur.rowcount
