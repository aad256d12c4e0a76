"""Straight-through processing, the batch: the unprocessed register facts of one source, in id
order, decided in one statement (muster.partners.stp_sql) against the rules of the policy version
in force, with the kill switches read once for the whole batch in the same transaction (under the
shared STP_SWITCHES lock that a flip takes exclusively: muster.policy.switches).

Each fact ends `ready` (a rule decides it, for system:stp), `officer` (for the queue) or
`no_person` (an id the registry does not hold: evaluated in the same statement, it matches no
one). Casework turns the `ready` facts into decisions by system:stp (muster.casework.stp, which
may import partners; partners may not import casework).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction

from muster.kernel import db
from muster.partners import stp_sql
from muster.partners.models import RegisterFact
from muster.policy import switches
from muster.rules.policy import Pack, version_in_force
from muster.rules.straight_through import rules_for

FACTS = RegisterFact._meta.db_table
BATCH_SIZE = 100_000


@dataclass
class BatchResult:
    source: str
    policy_version: str
    switched_off: list[str]
    counts: dict[str, int] = field(default_factory=dict)  # outcome -> facts
    rules: dict[str, int] = field(default_factory=dict)  # rule that decides -> facts (known persons)

    @property
    def processed(self) -> int:
        return sum(self.counts.values())


def process(pack: Pack, source: str, now: datetime, today: date, limit: int = BATCH_SIZE,
            after_switches_read: Any = None) -> BatchResult:
    """Decide the next `limit` unprocessed facts of `source` submitted under `pack` (the fact's
    pack_code: another pack's facts are that pack's to decide) in one transaction. The switches are
    read once, inside it; `after_switches_read` (tests) runs right after, while the batch holds them."""
    version = version_in_force(pack.versions, today)
    rules = rules_for(version.casework, source) if version else ()
    with transaction.atomic(), db.cursor() as cur:
        db.batch_settings(cur)
        claim_writer(cur)
        switches.hold_for_batch(cur)
        off = sorted(switches.switched_off(pack.code) & {r.code for r in rules})
        if after_switches_read is not None:
            after_switches_read()
        on_rules = [r for r in rules if r.code not in off]
        decision, params = stp_sql.decision_sql(on_rules, "f.facts", today)
        cur.execute(
            f"UPDATE {FACTS} SET processed_at = %s, processed_on = %s, policy_version = %s, switched_off = %s, "
            f"rule = d.rule, outcome = CASE WHEN {FACTS}.person_id IS NULL THEN 'no_person' "
            f"WHEN d.rule <> '' THEN 'ready' ELSE 'officer' END "
            f"FROM (SELECT f.id, {decision} AS rule FROM {FACTS} f "
            f"      WHERE f.processed_at IS NULL AND f.source = %s AND f.pack_code = %s ORDER BY f.id LIMIT %s) d "
            f"WHERE {FACTS}.id = d.id AND {FACTS}.processed_at IS NULL "
            f"RETURNING {FACTS}.outcome, {FACTS}.rule",
            [db.dt(now), today, version.code if version else "", json.dumps(off), *params, source, pack.code, limit])
        done = cur.fetchall()
    result = BatchResult(source, version.code if version else "", off)
    result.counts = dict(Counter(outcome for outcome, _ in done))
    result.rules = dict(Counter(rule for outcome, rule in done if outcome == "ready"))
    return result


def claim_writer(cur: Any) -> None:
    """Make this transaction the writer before it reads the switches: on SQLite (one writer at a
    time) a flip then waits for the batch, as the lock makes it on PostgreSQL."""
    if not db.features().advisory_locks:
        cur.execute(f"UPDATE {switches.SWITCH_TABLE} SET switched_on = switched_on WHERE 1 = 0")


def reasons_of(pack: Pack, fact: RegisterFact) -> list[str]:
    """Why a processed fact came out as it did, criterion by criterion (the pure rule, on the day
    and policy version it was processed under, with the switches as they were)."""
    from muster.rules.straight_through import decide_action

    if fact.processed_on is None or not fact.policy_version:
        return []
    version = pack.version(fact.policy_version)
    reasons = list(decide_action(rules_for(version.casework, fact.source), fact.facts, fact.processed_on,
                                 switched_off=fact.switched_off).reasons)
    if fact.note:  # casework's word: why the rule's action did not fit the person
        reasons.append(f"an officer decides: {fact.note}")
    return reasons
