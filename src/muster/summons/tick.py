"""The time engine: every transition due at `now`, set-based, and nothing twice.

In order: summonses posted to electronic accounts, service (by delivery or
deemed), measures that start on service, summonses missed after the grace
days and the measures that start then, their events, and finally the email
and SMS notices that are due. A second tick at the same `now` finds nothing
to do.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from muster.audit import trail
from muster.kernel import crashpoints, locks
from muster.kernel import db as sql
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.measures.applying import apply_measures, record_bases
from muster.policy import loader
from muster.policy.mode import closed_runs
from muster.rules.delivery import SERVICE_PREFERENCE
from muster.rules.policy import PolicyVersion
from muster.rules.vocabulary import OPEN_SUMMONS, RunKind, SummonsStatus
from muster.summons import sql as summons_sql
from muster.summons.models import Run, incomplete_sql

PLACED, SERVED, MISSED = SummonsStatus.PLACED, SummonsStatus.SERVED, SummonsStatus.MISSED
OPEN = "(" + ", ".join(f"'{s}'" for s in OPEN_SUMMONS) + ")"  # the statuses the engine moves on
COUNT_KEYS = ("portal_posted", "served", "missed", "measures_applied", "events",
              "email_sent", "email_retried", "email_failed", "sms_sent", "sms_retried", "sms_failed")


class TickError(ValueError):
    pass


# Conditions on `{id}` (a summons' id) under which the tick holds a summons where it is rather than
# mark it missed: areas above this one register them (casework: an open appeal that suspends the
# call-up decision, muster.rules.appeals.holds_summons). A released hold lets the next tick proceed.
_HOLDS: list[str] = []


def hold_while(condition_sql: str) -> None:
    """Register an SQL condition on `{id}` that holds a summons from being marked missed."""
    if condition_sql not in _HOLDS:
        _HOLDS.append(condition_sql)


def _not_held(summons_id: str) -> str:
    return "".join(f" AND NOT {condition.format(id=summons_id)}" for condition in _HOLDS)


def last_tick() -> datetime | None:
    """The clock the last tick ran at; a run-ahead tick an operator closed no longer counts."""
    return (Run.objects.filter(kind=RunKind.TICK).exclude(pk__in=closed_runs())
            .order_by("-now").values_list("now", flat=True).first())


def tick(now: datetime, *, actor: Actor) -> dict[str, int]:
    """Every transition of summonses and their measures due at `now` (the email and SMS notices it
    queues are sent by the engine's next step, muster.delivery.notices)."""
    counts = _tick_in_shards(now, actor) if sql.can_fan_out() else _tick_in_one(now, actor)
    return dict(counts)


def _start(now: datetime, actor: Actor) -> Run:
    """The run row of this tick (the caller holds the tick lock), after closing any a crash left."""
    last = last_tick()
    if last is not None and now < last:
        raise TickError(f"--now {now.isoformat()} is earlier than the last tick ({last.isoformat()}): "
                        f"the clock does not go backwards")
    run = Run.objects.create(kind=RunKind.TICK, now=now, actor=actor.who)
    _close_interrupted(run)
    return run


def _close_interrupted(run: Run) -> None:
    """Close the run rows of ticks killed before they finished: their committed shards' counts
    summed, marked interrupted and taken over by `run` (which redoes whatever they left, as every
    step is state-driven). Only a sharded tick can leave one: a tick in one transaction leaves none."""
    for killed in Run.objects.filter(kind=RunKind.TICK, finished_at__isnull=True).exclude(pk=run.pk):
        parts = [v for k, v in killed.counts.items() if k.startswith("shard") and isinstance(v, dict)]
        counts: Counter[str] = Counter()
        for part in parts:
            counts.update(part)
        killed.counts = {**dict(counts), "shards_done": len(parts), "interrupted": True, "taken_over_by": run.pk}
        killed.finished_at = timezone.now()
        killed.save(update_fields=["counts", "finished_at"])


def _finish(run: Run, counts: Counter[str], actor: Actor, now: datetime) -> None:
    run.counts = dict(counts)
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "finished_at"])
    if any(counts.values()):
        trail.record(actor, "tick", "run", str(run.pk), purpose=f"tick at {now.isoformat()}")


def _tick_in_one(now: datetime, actor: Actor) -> Counter[str]:
    counts: Counter[str] = Counter({k: 0 for k in COUNT_KEYS})
    with transaction.atomic():
        with connection.cursor() as cur:
            locks.hold(cur, locks.TICK)
        run = _start(now, actor)
        with connection.cursor() as cur:
            versions = _versions(cur, now)
        counts.update(_shard(run.pk, now, versions, None))
        _finish(run, counts, actor, now)
    return counts


def _tick_in_shards(now: datetime, actor: Actor) -> Counter[str]:
    """PostgreSQL, outside any transaction: the summonses split in id ranges over sql.SHARDS connections, each
    shard in its own transaction (both cores write at once). Every change of a summons, with its
    deliveries, measures and events, is in its shard's transaction; a crash leaves whole summonses
    done or not, and the next tick (state-driven like every step) does the rest. The session lock is
    held across all shards, so nothing that waits for the tick (the partners' feed) sees one half."""
    counts: Counter[str] = Counter({k: 0 for k in COUNT_KEYS})
    with locks.session(locks.TICK):
        with transaction.atomic(), connection.cursor() as cur:
            run = _start(now, actor)
            versions = _versions(cur, now)
            for version, _, _ in versions:
                record_bases(version)
            cuts = sql.id_cuts(cur, f"status IN {OPEN}", [])
        crashpoints.reached("tick.started")
        shards = list(enumerate(sql.shards_from(cuts)))
        for part in sql.fan_out(lambda item: _recorded_shard(run.pk, now, versions, *item), shards):
            counts.update(part)
        with transaction.atomic():
            _finish(run, counts, actor, now)
    return counts


def _recorded_shard(run_id: int, now: datetime, versions: list[tuple[PolicyVersion, str, Any]], k: int,
                    shard: sql.Shard) -> Counter[str]:
    """One shard of a sharded tick, its counts noted on the run in the same transaction (so a tick
    killed later is closed with what it did)."""
    counts = _shard(run_id, now, versions, shard)
    with connection.cursor() as cur:
        cur.execute(f"UPDATE notices_run SET counts = {sql.json_merge('counts', '%s')} WHERE id = %s",
                    [json.dumps({f"shard{k}": dict(counts)}), run_id])
    transaction.on_commit(lambda: crashpoints.reached(f"tick.shard.{k}"))
    return counts


def _shard(run_id: int, now: datetime, versions: list[tuple[PolicyVersion, str, Any]],
           shard: sql.Shard | None) -> Counter[str]:
    """Every transition due at `now` for one shard of the summonses (None: all), in the caller's
    transaction, for the policy versions that have work (found once, under the tick lock)."""
    counts: Counter[str] = Counter()
    with connection.cursor() as cur:
        sql.batch_settings(cur)
        for version, pack_code, today in versions:
            counts.update(_advance(cur, version, pack_code, today, now, run_id, shard))
    return counts


def _versions(cur: Any, now: datetime) -> list[tuple[PolicyVersion, str, Any]]:
    """(policy version, pack code, today in the pack's time zone) for each version that has work."""
    found = []
    for pack_code, version_code in _open_versions(cur):
        pack = loader.get_pack(pack_code)
        found.append((pack.version(version_code), pack_code, today_in(pack, now)))
    return found


def _open_versions(cur: Any) -> list[tuple[str, str]]:
    cur.execute("SELECT DISTINCT c.pack_code, s.policy_version FROM notices_summons s "
                f"JOIN notices_campaign c ON c.id = s.campaign_id WHERE s.status IN {OPEN} "
                "ORDER BY 1, 2")
    versions = list(cur.fetchall())
    cur.execute("SELECT DISTINCT c.pack_code, s.policy_version FROM notices_delivery d "
                "JOIN notices_summons s ON s.id = d.summons_id JOIN notices_campaign c ON c.id = s.campaign_id "
                "WHERE d.channel = 'portal' AND d.state = 'queued'")
    return sorted(set(versions) | set(cur.fetchall()))


def _advance(cur: Any, version: PolicyVersion, pack_code: str, today: Any, now: datetime,
             run_id: int, shard: sql.Shard | None) -> Counter[str]:
    counts: Counter[str] = Counter()
    rules = version.summons
    assert rules is not None
    v = version.code
    incomplete = incomplete_sql("s")
    # Summonses of an issue run a crash left unfinished are not touched until it is completed
    # (muster.campaigns.issuing, first in every engine turn): none is served without its deliveries.
    scope = ("s.policy_version = %s AND s.campaign_id IN "
             "(SELECT id FROM notices_campaign WHERE pack_code = %s)" + sql.shard_filter("s.id", shard)
             + f" AND NOT {incomplete}")

    # 1. Posting to the electronic account delivers it there.
    cur.execute(f"INSERT INTO notices_deliveryevent (delivery_id, summons_id, person_id, channel, event, "
                f"happened_on, at, evidence) SELECT d.id, d.summons_id, d.person_id, 'portal', 'posted', %s, %s, "
                f"'posted to the electronic account' FROM notices_delivery d "
                f"JOIN notices_summons s ON s.id = d.summons_id "
                f"WHERE d.channel = 'portal' AND d.state = 'queued' AND s.placed_at <= %s AND {scope}",
                [today, sql.dt(now), sql.dt(now), v, pack_code])
    counts["portal_posted"] = cur.rowcount
    # The same deliveries as just recorded (same predicate, same transaction): no scan of past events.
    cur.execute(f"UPDATE notices_delivery SET state = 'delivered', attempts = attempts + 1 "
                f"WHERE channel = 'portal' AND state = 'queued' AND EXISTS (SELECT 1 FROM notices_summons s "
                f"WHERE s.id = notices_delivery.summons_id AND s.placed_at <= %s AND {scope})",
                [sql.dt(now), v, pack_code])

    # 2. Service: the earliest route that serves (muster.rules.delivery.service).
    parts, params = [], []
    serving = [(c, e) for c, events in rules.served_by for e in events]
    if serving:
        pairs = " OR ".join("(e.channel = %s AND e.event = %s)" for _ in serving)
        pref = "CASE e.channel " + " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(SERVICE_PREFERENCE)) + " END"
        parts.append(f"SELECT e.summons_id AS summons_id, e.happened_on AS served_on, {pref} AS pref, "
                     f"e.channel || ':' || e.event AS how, 'served: ' || e.channel || ' ' || e.event || ' on ' "
                     f"|| {sql.date_text('e.happened_on')} AS evidence, e.id AS recorded FROM notices_deliveryevent e "
                     f"JOIN notices_summons s ON s.id = e.summons_id WHERE s.status = '{PLACED}' AND {scope} "
                     f"AND e.happened_on <= %s AND ({pairs})")
        params += [v, pack_code, today, *(x for pair in serving for x in pair)]
    if rules.deemed_served_after_days is not None:
        n = rules.deemed_served_after_days
        deemed = sql.add_days("s.placed_on", str(n))
        parts.append(f"SELECT s.id, {deemed}, {len(SERVICE_PREFERENCE)}, 'deemed', "
                     f"'served: {n} days after placement on ' || {sql.date_text('s.placed_on')}, 0 "
                     f"FROM notices_summons s WHERE s.status = '{PLACED}' AND {scope} AND {deemed} <= %s")
        params += [v, pack_code, today]
    if parts:
        cur.execute(f"WITH cand AS ({' UNION ALL '.join(parts)}), best AS (SELECT summons_id, served_on, how, "
                    f"evidence, ROW_NUMBER() OVER (PARTITION BY summons_id ORDER BY served_on, pref, recorded) AS rn "
                    f"FROM cand) UPDATE notices_summons SET status = '{SERVED}', served_on = best.served_on, "
                    f"served_how = best.how, served_evidence = best.evidence, changed_run = %s FROM best "
                    f"WHERE best.summons_id = notices_summons.id AND best.rn = 1", [*params, run_id])
        # (rowcount is not reported for a WITH ... UPDATE on every driver)
        cur.execute(f"SELECT COUNT(*) FROM notices_summons s WHERE s.changed_run = %s AND s.status = '{SERVED}' "
                    f"AND {scope}", [run_id, v, pack_code])
        counts["served"] = int(cur.fetchone()[0])
    counts["events"] += _status_events(cur, "served", run_id, now, scope, [v, pack_code])
    counts.update(_apply(cur, version, "served", "s.served_on", run_id, now, scope, [v, pack_code]))

    # 3. Missed: not appeared by the end of the grace days, unless held (an appeal being heard).
    grace = rules.grace_days
    cur.execute(f"UPDATE notices_summons SET status = '{MISSED}', "
                f"missed_on = {sql.add_days('appearance_date', str(grace + 1))}, changed_run = %s "
                f"WHERE status = '{SERVED}' AND {scope.replace('s.', '')} "
                f"AND {sql.add_days('appearance_date', str(grace))} < %s{_not_held('notices_summons.id')}",
                [run_id, v, pack_code, today])
    counts["missed"] = cur.rowcount
    counts["events"] += _status_events(cur, "missed", run_id, now, scope, [v, pack_code])
    counts.update(_apply(cur, version, "missed", "s.missed_on", run_id, now, scope, [v, pack_code]))
    return counts


def _apply(cur: Any, version: PolicyVersion, trigger: str, start: str, run_id: int, now: datetime,
           scope: str, scope_params: list[Any]) -> Counter[str]:
    """Every measure the policy starts on `trigger`, for the summonses in `scope` (this version's, in
    this shard) this run moved there, in one pass."""
    measures, events = apply_measures(cur, version, trigger, start, f"s.changed_run = %s AND s.status = %s AND {scope}",
                                      [run_id, trigger, *scope_params], run_id, now)
    return Counter(measures_applied=measures, events=events)


def _status_events(cur: Any, status: str, run_id: int, now: datetime, scope: str, scope_params: list[Any]) -> int:
    """The events of the summonses in `scope` this run moved to `status` (those of other policy
    versions it moved too are told by their own version's step)."""
    day = "served_on" if status == "served" else "missed_on"
    payload = sql.json_object({"number": summons_sql.number("s.id"), status + "_on": sql.date_text(f"s.{day}"),
                               "how": "s.served_how"})
    cur.execute(f"INSERT INTO events_event (type, person_id, summons_id, payload, occurred_at) "
                f"SELECT %s, s.person_id, s.id, {payload}, %s FROM notices_summons s "
                f"WHERE s.changed_run = %s AND s.status = %s AND {scope} ORDER BY s.id",
                [f"summons.{status}", sql.dt(now), run_id, status, *scope_params])
    return cur.rowcount
