"""Issue a campaign's summonses: one set-based pass, safe to run again.

Only people liable on the placement date are picked, in the order the policy
sets, never twice for one campaign, and at most the district's quota. Each
summons gets its number, an appearance date spread by the office's daily
capacity, queued deliveries, its events, and the measures the policy starts
on placement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from muster.audit import trail
from muster.campaigns.models import Campaign
from muster.kernel import crashpoints, locks
from muster.kernel import db as sql
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.ledger.outbox import hold_for_writing
from muster.measures.applying import apply_measures, record_bases
from muster.policy import loader
from muster.registry.liability_sql import reason_case
from muster.rules import schedule
from muster.rules.delivery import CHANNEL_NEEDS, queued_channels
from muster.rules.policy import Pack, PolicyVersion, version_in_force
from muster.rules.schedule import Window, usable_window, window_problems
from muster.rules.selection import ALTERNATIVE_SERVICE, sort_keys
from muster.rules.vocabulary import Purpose, RunKind
from muster.summons import sql as summons_sql
from muster.summons.models import Run

# The column of registry_person p for each field of muster.rules.selection.Candidate.
_CANDIDATE_SQL = {"birth_date": "p.birth_date", "national_id": "p.national_id"}


class IssueError(ValueError):
    """The campaign cannot be issued now; the message says why."""


@dataclass
class DistrictPlan:
    district: str
    quota: int
    already_issued: int
    available: int  # liable and not yet summoned for this campaign
    room: int  # places left in the office's calendar within the window
    issue: int = 0
    shortfall_reasons: list[str] = field(default_factory=list)
    not_liable: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"district": self.district, "quota": self.quota, "already_issued": self.already_issued,
                "available": self.available, "room": self.room, "issue": self.issue,
                "shortfall": self.quota - self.already_issued - self.issue,
                "shortfall_reasons": self.shortfall_reasons, "not_liable": self.not_liable}


@dataclass
class IssueResult:
    campaign: str
    placed_on: date
    policy_version: str
    window: Window
    dry_run: bool
    districts: list[DistrictPlan]
    issued: int = 0
    deliveries: int = 0
    measures: int = 0
    events: int = 0
    completed: list[dict[str, int]] = field(default_factory=list)  # runs a crash left, completed first

    def as_dict(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "placed_on": self.placed_on, "policy_version": self.policy_version,
                "window": {"first": self.window.first, "last": self.window.last}, "dry_run": self.dry_run,
                "issued": self.issued, "would_issue": sum(d.issue for d in self.districts),
                "shortfall": sum(d.quota - d.already_issued - d.issue for d in self.districts),
                "deliveries_queued": self.deliveries, "measures_applied": self.measures,
                "events": self.events, "completed_runs": self.completed, "districts": [d.as_dict() for d in self.districts]}


def _context(campaign: Campaign, now: datetime) -> tuple[Pack, PolicyVersion, date, Window]:
    pack = loader.get_pack(campaign.pack_code)
    placed_on = today_in(pack, now)
    version = version_in_force(pack.versions, placed_on)
    if version is None or version.summons is None:
        raise IssueError(f"no policy of pack {pack.code} with summonses is in force on {placed_on}")
    problems = window_problems(version, campaign.purpose, campaign.appear_from, campaign.appear_to)
    if problems:
        raise IssueError(f"the campaign window breaks policy {version.code}: " + "; ".join(problems))
    window = usable_window(version, campaign.appear_from, campaign.appear_to, placed_on)
    if window is None:
        raise IssueError(f"no appearance date in {campaign.appear_from}..{campaign.appear_to} is usable for "
                         f"summonses placed on {placed_on} under {version.code}")
    return pack, version, placed_on, window


def _candidates(pack: Pack, version: PolicyVersion, campaign: Campaign, placed_on: date,
                districts: list[str]) -> tuple[str, list[object]]:
    """SQL for (person_id, district, rn): liable, not yet summoned, numbered from 1 in the order of
    muster.rules.selection.ranked (the ORDER BY is built from its sort_keys)."""
    case, case_params = reason_case(pack, placed_on)
    keys = sort_keys(version.campaigns.selection_order if version.campaigns else ())
    order = ", ".join(f"{_CANDIDATE_SQL[f]} {'DESC' if descending else 'ASC'}" for f, descending in keys)
    marks = ", ".join(["%s"] * len(districts))
    part, part_params = _takes_part(campaign.purpose, placed_on)
    return (f"SELECT p.id AS person_id, p.district AS district, "
            f"ROW_NUMBER() OVER (PARTITION BY p.district ORDER BY {order}) AS rn "
            f"FROM registry_person p WHERE p.district IN ({marks}) AND ({case}) = 'liable' {part}"
            f"AND NOT EXISTS (SELECT 1 FROM notices_summons s WHERE s.campaign_id = %s AND s.person_id = p.id)",
            [*districts, *case_params, *part_params, campaign.pk])


def _takes_part(purpose: str, placed_on: date) -> tuple[str, list[object]]:
    """muster.rules.selection.takes_part in SQL: call-up leaves out people granted alternative
    service on the placement date, an alternative-service campaign takes only them."""
    alternative = ("EXISTS (SELECT 1 FROM registry_personstatus st WHERE st.person_id = p.id AND st.kind = %s "
                   "AND st.valid_from <= %s AND (st.valid_until IS NULL OR st.valid_until >= %s))")
    params: list[object] = [ALTERNATIVE_SERVICE, placed_on, placed_on]
    if purpose == Purpose.CALL_UP:
        return f"AND NOT {alternative} ", params
    if purpose == Purpose.ALTERNATIVE_SERVICE:
        return f"AND {alternative} ", params
    return "", []


def plan(campaign: Campaign, now: datetime) -> IssueResult:
    """What an issue run at `now` would do, district by district, and why some are short."""
    pack, version, placed_on, window = _context(campaign, now)
    quotas = dict(campaign.districts.values_list("district", "quota"))
    capacity = {d.code: d.daily_capacity for d in pack.districts}
    districts = sorted(quotas)
    cand_sql, cand_params = _candidates(pack, version, campaign, placed_on, districts)
    with connection.cursor() as cur:
        cur.execute(f"SELECT district, COUNT(*) FROM ({cand_sql}) c GROUP BY district", cand_params)
        available = dict(cur.fetchall())
        cur.execute("SELECT district, COUNT(*) FROM notices_summons WHERE campaign_id = %s GROUP BY district",
                    [campaign.pk])
        issued = dict(cur.fetchall())
        case, case_params = reason_case(pack, placed_on)
        marks = ", ".join(["%s"] * len(districts))
        cur.execute(f"SELECT district, code, COUNT(*) FROM (SELECT p.district AS district, {case} AS code "
                    f"FROM registry_person p WHERE p.district IN ({marks})) t WHERE code <> 'liable' "
                    f"GROUP BY district, code", [*case_params, *districts])
        reasons: dict[str, dict[str, int]] = {}
        for district, code, n in cur.fetchall():
            reasons.setdefault(district, {})[code] = n
    plans = []
    for district in districts:
        done = issued.get(district, 0)
        room = schedule.room(window, capacity[district], done)
        p = DistrictPlan(district, quotas[district], done, available.get(district, 0), room,
                         not_liable=dict(sorted(reasons.get(district, {}).items())))
        wanted = max(0, p.quota - done)
        p.issue = min(wanted, p.available, room)
        if p.issue < wanted:
            if p.available < wanted:
                p.shortfall_reasons.append(f"only {p.available} liable people not yet summoned")
            if room < wanted:
                p.shortfall_reasons.append(
                    f"office capacity: {capacity[district]} a day leaves room for {room} more between "
                    f"{window.first} and {window.last}")
        plans.append(p)
    return IssueResult(campaign.code, placed_on, version.code, window, True, plans)


def issue(campaign: Campaign, now: datetime, *, actor: Actor, dry_run: bool = False) -> IssueResult:
    if dry_run or not sql.can_fan_out():
        return _issue_in_one(campaign, now, actor=actor, dry_run=dry_run)
    return _issue_in_shards(campaign, now, actor=actor)


def _issue_in_one(campaign: Campaign, now: datetime, *, actor: Actor, dry_run: bool) -> IssueResult:
    with transaction.atomic():
        with connection.cursor() as cur:  # one issue run per campaign at a time
            sql.lock_row(cur, "notices_campaign", campaign.pk)
        completed = _complete_unfinished(campaign, actor) if not dry_run else []
        result = plan(campaign, now)
        if dry_run:
            return result
        hold_for_writing()  # its measure events must not be skipped by a feed reading meanwhile
        run, version = _place(campaign, now, actor, result)
        with connection.cursor() as cur:
            counts = _fill(cur, version, campaign, now, run.pk, None)
        _finish(run, campaign, actor, result.placed_on, {"issued": result.issued, **counts}, result)
    _report_completed(result, completed)
    return result


def _issue_in_shards(campaign: Campaign, now: datetime, *, actor: Actor) -> IssueResult:
    """PostgreSQL, outside any transaction: the summonses are placed in one transaction, then their
    deliveries, measures and events are written in sql.SHARDS id ranges at once, each in its own
    transaction that also marks its shard done on the run. Ticks and the partners' feed wait
    meanwhile (the tick lock). A crash between these commits leaves the run unfinished: its
    summonses of shards not done stay invisible (muster.summons.models.CompleteSummonses, and the
    tick's own filter) until the next issue of the campaign or the next engine turn completes it."""
    with locks.session(locks.TICK), locks.session(locks.ISSUE, campaign.pk):
        completed = _complete_unfinished(campaign, actor)
        with transaction.atomic():
            result = plan(campaign, now)
            run, version = _place(campaign, now, actor, result, shards=True)
        crashpoints.reached("issue.placed")
        _complete(run, version, campaign, actor, result.placed_on, result)
    _report_completed(result, completed)
    return result


def complete_unfinished(actor: Actor) -> list[dict[str, int]]:
    """Complete every issue run a crash left unfinished, of any campaign, before anything else meets
    its summonses (the engine calls this first in every turn). Returns what each completion wrote."""
    pending = list(Run.objects.filter(kind=RunKind.ISSUE, finished_at__isnull=True)
                   .values_list("campaign_id", flat=True).distinct())
    if not pending:  # the usual case: one indexed look-up, no lock
        return []
    done: list[dict[str, int]] = []
    with locks.session(locks.TICK):
        for campaign in Campaign.objects.filter(pk__in=pending).order_by("pk"):
            with locks.session(locks.ISSUE, campaign.pk):
                done += _complete_unfinished(campaign, actor)
    return done


def _complete_unfinished(campaign: Campaign, actor: Actor) -> list[dict[str, int]]:
    """The campaign's unfinished runs completed (the caller holds its issue lock, or a transaction)."""
    done = []
    for unfinished in Run.objects.filter(kind=RunKind.ISSUE, campaign=campaign, finished_at__isnull=True):
        _, version, placed_on, _ = _context(campaign, unfinished.now)
        written = _complete(unfinished, version, campaign, actor, placed_on, None)
        done.append({"run": unfinished.pk, "summonses": int(unfinished.counts.get("issued", 0)), **written})
    return done


def _report_completed(result: IssueResult, completed: list[dict[str, int]]) -> None:
    """A run that completed a crashed one reports that work too, in its totals and on its own."""
    result.completed = completed
    for part in completed:
        result.deliveries += part["deliveries"]
        result.measures += part["measures"]
        result.events += part["events"]


def _place(campaign: Campaign, now: datetime, actor: Actor, result: IssueResult,
           shards: bool = False) -> tuple[Run, PolicyVersion]:
    """The run and its summonses, in the caller's transaction (with `shards`, and where to cut them)."""
    result.dry_run = False
    pack, version, placed_on, window = _context(campaign, now)
    run = Run.objects.create(kind=RunKind.ISSUE, now=now, campaign=campaign, actor=actor.who)
    record_bases(version)
    with connection.cursor() as cur:
        sql.batch_settings(cur)
        result.issued = _insert_summonses(cur, pack, version, campaign, placed_on, window, now, run.pk,
                                          result.districts)
        sql.analyze(cur, "notices_summons")
        run.counts = {"issued": result.issued}
        if shards:
            run.counts["cuts"] = sql.id_cuts(cur, "issue_run = %s", [run.pk])
        run.save(update_fields=["counts"])
    return run, version


def _complete(run: Run, version: PolicyVersion, campaign: Campaign, actor: Actor, placed_on: date,
              result: IssueResult | None) -> dict[str, int]:
    """Write the shards of `run` not yet done, then finish it. Returns what this call wrote (a run
    a crash interrupted had some shards written before)."""
    shards = sql.shards_from(list(run.counts.get("cuts", [])))
    todo = [(k, shard) for k, shard in enumerate(shards) if f"shard{k}" not in run.counts]

    def one(item: tuple[int, sql.Shard]) -> dict[str, int]:
        with connection.cursor() as cur:
            counts = _fill(cur, version, campaign, run.now, run.pk, item[1])
            cur.execute(f"UPDATE notices_run SET counts = {sql.json_merge('counts', '%s')} WHERE id = %s",
                        [json.dumps({f"shard{item[0]}": counts}), run.pk])
        transaction.on_commit(lambda: crashpoints.reached(f"issue.shard.{item[0]}"))
        return counts

    if sql.can_fan_out():
        parts = sql.fan_out(one, todo)
    else:  # in the caller's transaction (SQLite, or a caller's atomic block)
        with transaction.atomic():
            parts = [one(item) for item in todo]
    written = {key: sum(p[key] for p in parts) for key in ("deliveries", "measures", "events")}
    with transaction.atomic():
        run.refresh_from_db()
        shard_counts = [run.counts[f"shard{k}"] for k in range(len(shards))]
        counts = {key: sum(p[key] for p in shard_counts) for key in ("deliveries", "measures", "events")}
        _finish(run, campaign, actor, placed_on, {"issued": run.counts["issued"], **counts}, result)
    return written


def _fill(cur: Any, version: PolicyVersion, campaign: Campaign, now: datetime, run_id: int,
          shard: sql.Shard | None) -> dict[str, int]:
    """Deliveries, measures and events for the run's summonses (in one shard of them)."""
    sql.batch_settings(cur)
    where = "s.issue_run = %s" + sql.shard_filter("s.id", shard)
    deliveries = _queue_deliveries(cur, version, now, run_id, where)
    placed = _placement_events(cur, campaign, now, run_id, where)
    measures, applied = apply_measures(cur, version, "placement", "s.placed_on", where, [run_id], run_id, now)
    return {"deliveries": deliveries, "measures": measures, "events": placed + applied}


def _finish(run: Run, campaign: Campaign, actor: Actor, placed_on: date, counts: dict[str, int],
            result: IssueResult | None) -> None:
    run.counts = counts
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "finished_at"])
    if result is not None:
        result.deliveries, result.measures, result.events = (counts["deliveries"], counts["measures"],
                                                             counts["events"])
    trail.record(actor, "campaign.issue", "campaign", campaign.code,
                 purpose=f"issued {counts['issued']} summonses placed on {placed_on} (run {run.pk})")


def _insert_summonses(cur: Any, pack: Pack, version: PolicyVersion, campaign: Campaign, placed_on: date,
                      window: Window, now: datetime, run_id: int, plans: list[DistrictPlan]) -> int:
    """The summonses of the run, in one statement: in each district the next people in selection
    order, as many as the plan leaves places for (its quota and the office's room, from
    muster.rules.schedule.room), each dated as muster.rules.schedule.appearance_date dates their
    place in the office's queue (after those issued by earlier runs)."""
    capacity = {d.code: d.daily_capacity for d in pack.districts}
    # (district, already issued, places, daily capacity): the plan's numbers, in the caller's transaction
    queues = [(p.district, p.already_issued, places, capacity[p.district]) for p in plans
              if (places := min(max(0, p.quota - p.already_issued), p.room)) > 0]
    if not queues:
        return 0
    cand_sql, cand_params = _candidates(pack, version, campaign, placed_on, [q[0] for q in queues])
    position = "(q.column2 + c.rn - 1)"  # 0-based, in the office's queue for the campaign
    appearance = sql.add_days("%s", f"{position} / q.column4")
    values = ", ".join(["(%s, %s, %s, %s)"] * len(queues))
    cur.execute(
        f"WITH candidates AS ({cand_sql}) "
        f"INSERT INTO notices_summons (campaign_id, person_id, district, placed_at, placed_on, appearance_date, "
        f"status, served_how, served_evidence, closed_reason, policy_version, issue_run) "
        f"SELECT %s, c.person_id, c.district, %s, %s, {appearance}, 'placed', '', '', '', %s, %s "
        f"FROM candidates c JOIN (VALUES {values}) AS q ON q.column1 = c.district WHERE c.rn <= q.column3 "
        f"ORDER BY c.person_id",  # ids in person order: the rows keyed by person and by summons go in together
        [*cand_params, campaign.pk, sql.dt(now), placed_on, window.first, version.code, run_id,
         *(x for q in queues for x in q)])
    # (rowcount is not reported for a WITH ... INSERT on every driver: count the run's rows)
    cur.execute("SELECT COUNT(*) FROM notices_summons WHERE issue_run = %s", [run_id])
    return int(cur.fetchone()[0])


def _queue_deliveries(cur: Any, version: PolicyVersion, now: datetime, run_id: int, where: str) -> int:
    """Deliveries by the channel rules, in one pass: each summons gets
    muster.rules.delivery.channels_for its person, in that order (the electronic account for those
    who have one, email and SMS notices where there is an address, registered post for everyone
    without an account)."""
    assert version.summons is not None
    channels = queued_channels(version.summons)
    if not channels:
        return 0
    values = ", ".join(["(%s, %s)"] * len(channels))
    pick = " OR ".join(f"(k.column1 = '{c}' AND {_channel_condition(c)})" for c in channels)
    cur.execute(
        f"INSERT INTO notices_delivery (summons_id, person_id, channel, state, attempts, next_attempt_at, "
        f"provider_ref, last_error) SELECT s.id, s.person_id, k.column1, 'queued', 0, %s, '', '' "
        f"FROM notices_summons s JOIN registry_person p ON p.id = s.person_id "
        f"CROSS JOIN (VALUES {values}) AS k WHERE {where} AND ({pick}) ORDER BY s.id, k.column2",
        [sql.dt(now), *(x for i, c in enumerate(channels) for x in (c, i)), run_id])
    return int(cur.rowcount)


# How the SQL reads each contact fact of muster.rules.delivery.ContactFacts from registry_person p.
_CONTACT_SQL = {"electronic_account": "p.electronic_account IS TRUE", "email": "p.email IS NOT NULL",
                "phone": "p.phone IS NOT NULL"}


def _channel_condition(channel: str) -> str:
    """CHANNEL_NEEDS[channel] in SQL: the person's contact fact has the value the channel needs."""
    fact, wanted = CHANNEL_NEEDS[channel]
    return _CONTACT_SQL[fact] if wanted else f"NOT ({_CONTACT_SQL[fact]})"


def _placement_events(cur: Any, campaign: Campaign, now: datetime, run_id: int, where: str) -> int:
    payload = sql.json_object({"number": summons_sql.number("s.id"), "campaign": "%s", "placed_on": sql.date_text("s.placed_on"),
                               "appearance_date": sql.date_text("s.appearance_date")})
    cur.execute(f"INSERT INTO events_event (type, person_id, summons_id, payload, occurred_at) "
                f"SELECT 'summons.placed', s.person_id, s.id, {payload}, %s FROM notices_summons s "
                f"WHERE {where} ORDER BY s.id", [campaign.code, sql.dt(now), run_id])
    return int(cur.rowcount)
