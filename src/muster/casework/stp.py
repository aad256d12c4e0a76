"""Straight-through processing, the decisions: the `ready` register facts (a rule of the pack
decides them: muster.partners.stp_batch) become casework decisions by system:stp, a whole batch
in one transaction and in sets (bulk inserts and executemany in chunks, never an ORM save per
person), so that 100,000 facts take seconds on PostgreSQL.

For each ready fact, what its rule says meets what casework knows of the person (`fit`, pure):
- grant: no deferment on that ground in force (and, for a ground granted once only, none before)
  -> an application by system:stp, its granted decision, the `deferred` status, the person told;
- renew: a deferment on that ground in force -> a new decision from the day after its end;
- end: a deferment on that ground in force -> its status ends on the fact's day, a decision says why
  (outcome `ended`);
- anything else -> an application in the officer's queue, never a silent drop: a rule that does not
  fit the person, a rule switched off since its verdict, and a fact no rule holds for (`officer`
  from the batch; on the ground its register implies, rules.straight_through.implied_ground). The
  fact's note says why no rule decided it; `application show` shows the fact with it. A fact
  joins the person's open application on the same ground rather than add a second to the queue,
  and a fact that has its application number is never taken again (a re-run adds nothing).
  Only where the policy has no ground its register feeds does a fact stay without one (`no_ground`).
A person's second fact in one batch waits for the next batch, which sees the decision on the
first. The kill switches are read again under the batch's lock: a fact whose rule was switched off
after its verdict goes to an officer with the rest of its batch. At submission time
(muster.casework.stp_submit) the person's own application is the one in the queue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction

from muster.audit import trail
from muster.casework.models import Application, Decision
from muster.casework.stp_effects import cancel_call_ups, supersede, tell
from muster.casework.stp_reads import (
    InForce,
    chunk_size,
    chunks,
    granted_before,
    in_force_of,
    next_appearances,
    open_applications,
)
from muster.casework.stp_rows import insert
from muster.kernel import db
from muster.kernel.actor import Actor
from muster.partners import stp_batch
from muster.partners.models import RegisterFact
from muster.partners.stp import STP
from muster.policy import switches
from muster.policy.calendar import working_calendar
from muster.registry.models import Person, PersonStatus
from muster.rules.applications import (
    ApplicationChannel,
    ApplicationStatus,
    Outcome,
    appeal_deadline_of,
    decision_reasons,
    status_reason,
)
from muster.rules.casework import CaseworkProblem, Period, deferment_period, due_on, ground_of
from muster.rules.casework_policy import STP_SOURCES, Ground, StraightThroughRule
from muster.rules.policy import Pack, PolicyVersion, version_in_force
from muster.rules.straight_through import evaluate, implied_ground, officer_note, rules_for, typed

__all__ = ["InForce", "granted_before", "in_force_of"]  # read by muster.casework.stp_submit and the tests
GRANT, RENEW, END, OFFICER = "grant", "renew", "end", "officer"
DECIDED = "decided"  # a fact's outcome once casework took it
NO_GROUND = "no_ground"  # a fact no rule decides, whose register feeds no ground of the policy: no application
DECIDE_BATCH = 20_000  # facts decided per transaction: their reasons, events and messages held in memory at once


@dataclass(frozen=True)
class Fit:
    """What comes of one ready fact: the action taken (or OFFICER), the period, and why."""

    action: str
    period: Period | None = None
    why: str = ""  # for an officer: why the rule's action does not fit the person
    ends: InForce | None = None  # renew/end: the deferment it extends or ends


def evidence_dates(source: str, facts: dict[str, Any]) -> dict[str, date]:
    """The fact's dates by name (e.g. expected_end), as a deferment's duration reads them."""
    out = {}
    for name, ftype in STP_SOURCES.get(source, {}).items():
        if ftype == "date" and isinstance(value := typed("date", facts.get(name)), date):
            out[name] = value
    return out


def fit(rule: StraightThroughRule, ground: Ground, facts: dict[str, Any], day: date, in_force: InForce | None,
        used_before: bool) -> Fit:
    """The rule's action against the person's deferments on its ground (pure: the set-based batch
    and the property test's person-by-person check both call it)."""
    dates = evidence_dates(rule.source, facts)
    if rule.action == GRANT:
        if in_force is not None:
            return Fit(OFFICER, why=f"a deferment on ground {ground.code} is in force already "
                                    f"(decision {in_force.number})")
        if not ground.renewable and used_before:
            return Fit(OFFICER, why=f"ground {ground.code} is granted once"
                                    + (f" per {ground.once_per}" if ground.once_per else "")
                                    + " and the person had it before: an officer checks")
        try:
            return Fit(GRANT, deferment_period(ground, day, None, dates))
        except CaseworkProblem as exc:
            return Fit(OFFICER, why=str(exc))
    if in_force is None:
        return Fit(OFFICER, why=f"no deferment on ground {ground.code} is in force to {rule.action}")
    if rule.action == END:
        return Fit(END, Period(in_force.valid_from, day, "ended by the register"), ends=in_force)
    if in_force.valid_until is None:
        return Fit(OFFICER, why=f"the deferment (decision {in_force.number}) has no end to extend")
    try:
        return Fit(RENEW, deferment_period(ground, in_force.valid_until + timedelta(days=1), None, dates),
                   ends=in_force)
    except CaseworkProblem as exc:
        return Fit(OFFICER, why=str(exc))


def criteria_of(rule: StraightThroughRule, facts: dict[str, Any], day: date) -> tuple[str, ...]:
    """Each criterion of the rule with the value found (the sentences of the pure rule)."""
    return tuple(f"{f.criterion}, {f.sentence}" for f in evaluate(rule, facts, day).findings)


def said_by(rule: StraightThroughRule) -> str:
    """The decision's own reason: which rule, from which register."""
    return f"Decided by straight-through rule {rule.code} ({rule.name}) from the {rule.source} register"


def reasons_for(version: PolicyVersion, rule: StraightThroughRule, ground: Ground, found: Fit,
                facts: dict[str, Any], day: date, appeal_deadline: date | None) -> tuple[list[str], str]:
    """(the decision's sentences, its legal basis). An end is an `ended` decision: like a refusal it
    states the appeal route and deadline."""
    outcome = Outcome.ENDED if found.action == END else Outcome.GRANTED
    reasons = decision_reasons("deferment", ground, outcome, found.period, said_by(rule),
                               appeal=version.casework.level(1), appeal_deadline=appeal_deadline,
                               criteria=criteria_of(rule, facts, day),
                               ends=found.ends.number if found.action == END and found.ends else "")
    sentences = list(reasons.sentences)
    if found.action == RENEW and found.ends is not None:
        sentences.insert(1, f"It extends the deferment of decision {found.ends.number}.")
    return sentences, reasons.legal_basis


class TakenTwice(RuntimeError):
    """A fact of the batch was decided by another run after this one read it: the batch rolls back."""


@dataclass(frozen=True)
class Plan:
    """What the batch does with one fact: decide it (found.action) or queue it for an officer as
    an application of `kind` on `ground` (None: the policy has no ground the register feeds)."""

    fact_id: int
    person_id: int
    rule: StraightThroughRule | None
    kind: str
    ground: Ground | None
    found: Fit
    data: dict[str, Any]
    version: PolicyVersion
    switched: list[str] | None = None  # the source's rules off now, when the fact's own rule was switched off
    joins: str = ""  # the person's open application on the same ground, which the fact joins


@dataclass
class DecideResult:
    counts: dict[str, int] = field(default_factory=dict)  # grant/renew/end/officer/no_ground -> facts
    summonses_cancelled: int = 0

    @property
    def decided(self) -> int:
        return sum(v for k, v in self.counts.items() if k in (GRANT, RENEW, END))


def decide_ready(pack: Pack, now: datetime, day: date, limit: int = DECIDE_BATCH,
                 after_switches_read: Any = None) -> DecideResult:
    """Take the next `limit` facts of the pack in one transaction, under the switches' lock: the
    ready ones (a rule decides them) and then those no rule decides that have no application yet.
    Each is locked and re-read as it is taken, and marked only while still untaken (_mark_facts), so
    two runs, or a run and a filing (muster.casework.stp_submit), never decide one fact twice."""
    result = DecideResult()
    columns = ("id", "person_id", "rule", "facts", "processed_on", "policy_version", "source", "switched_off")
    with transaction.atomic(), db.cursor() as cur:
        db.batch_settings(cur)
        stp_batch.claim_writer(cur)
        switches.hold_for_batch(cur)
        off = switches.switched_off(pack.code)
        if after_switches_read is not None:
            after_switches_read()
        # Locked as taken, and re-read once a run holding them commits (PostgreSQL re-checks the row): a
        # fact another run decided meanwhile is no longer ready and is not taken a second time.
        mine = RegisterFact.objects.select_for_update().filter(pack_code=pack.code)
        facts = list(mine.filter(outcome="ready").order_by("id")[:limit].values_list(*columns))
        if len(facts) < limit:
            facts += list(mine.filter(outcome=OFFICER, application_number="", person__isnull=False)
                          .order_by("id")[:limit - len(facts)].values_list(*columns))
        if not facts:
            return result
        _decide(pack, facts, off, now, day, result)
    return result


def _decide(pack: Pack, facts: list[tuple[Any, ...]], off: frozenset[str], now: datetime, day: date,
            result: DecideResult) -> None:
    person_ids = sorted({f[1] for f in facts})
    in_force = in_force_of(person_ids, day)
    before = granted_before(person_ids)
    open_apps = open_applications(person_ids)
    people = {}
    for part in chunks(person_ids, chunk_size()):
        people.update({p: (d or "", e or "") for p, d, e in
                       Person.objects.filter(pk__in=part).values_list("id", "district", "email")})
    plans: list[Plan] = []
    seen: set[int] = set()
    for fid, pid, code, data, processed_on, vcode, source, was_off in facts:
        if pid in seen:
            continue  # a second fact of one person waits for the next batch, which sees the first's decision
        seen.add(pid)
        on = processed_on or day
        version = pack.version(vcode) if vcode else version_in_force(pack.versions, on) or pack.versions[-1]
        rule = next((r for r in version.casework.straight_through if r.code == code), None) if code else None
        if rule is not None and code not in off:
            ground = ground_of(version.casework, rule.kind, rule.ground)
            found = fit(rule, ground, data, on, in_force.get((pid, ground.code)), (pid, ground.code) in before)
            plan = Plan(fid, pid, rule, rule.kind, ground, found, data, version)
        else:  # no rule decides it (or its rule was switched off since): an officer, on the ground it implies
            plan = _for_officer(fid, pid, code, rule, source, data, on, version, off, was_off)
        if plan.found.action == OFFICER and plan.ground is not None:
            plan = replace(plan, joins=open_apps.get((pid, plan.kind, plan.ground.code), ""))
        plans.append(plan)
    _write(pack, plans, people, now, day, result)


def _for_officer(fid: int, pid: int, code: str, rule: StraightThroughRule | None, source: str, data: dict[str, Any],
                 on: date, version: PolicyVersion, off: frozenset[str], was_off: list[str]) -> Plan:
    """A fact no rule decides: for the officer's queue, on its rule's ground or the one its register
    implies, with why (the criteria that failed, or the switch)."""
    rules = rules_for(version.casework, source)
    if code:  # its rule held at the verdict but is off (or gone) now
        why = (f"rule {code} was switched off before its decision" if code in off
               else f"rule {code} is not in policy {version.code}")
        switched: list[str] | None = sorted(off & {r.code for r in rules})
    else:
        why, switched = officer_note(rules, data, on, was_off), None
    implied = ((rule.kind, ground_of(version.casework, rule.kind, rule.ground)) if rule is not None
               else implied_ground(version.casework, source, data))
    if implied is None:
        return Plan(fid, pid, rule, "", None, Fit(OFFICER, why=f"policy {version.code} has no ground the {source} "
                                                          f"register feeds; {why}"), data, version, switched)
    return Plan(fid, pid, rule, implied[0], implied[1], Fit(OFFICER, why=why), data, version, switched)


def _write(pack: Pack, plans: list[Plan], people: dict[int, tuple[str, str]], now: datetime, day: date,
           result: DecideResult) -> None:
    calendars: dict[str, tuple[Any, date | None]] = {}  # version -> (calendar, appeal deadline)
    for p in plans:
        if p.version.code not in calendars:
            calendar = working_calendar(pack, p.version, day)
            calendars[p.version.code] = (calendar, appeal_deadline_of(p.version.casework, day, calendar))
    # An application for every fact casework takes, but for one that joins the person's open one.
    filed = [p for p in plans if p.ground is not None and not p.joins]
    queued = sorted({p.person_id for p in filed if p.found.action == OFFICER})
    appearances = next_appearances(queued) if queued else {}
    apps = []
    for p in filed:
        assert p.ground is not None
        officer = p.found.action == OFFICER
        apps.append(Application(
            person_id=p.person_id, kind=p.kind, ground=p.ground.code, channel=ApplicationChannel.PARTNER,
            status=ApplicationStatus.SUBMITTED if officer else ApplicationStatus.DECIDED,
            submitted_at=now, submitted_on=day,
            due_on=due_on(p.version.casework, p.kind, day, calendars[p.version.code][0]),
            district=people.get(p.person_id, ("", ""))[0],
            appearance_date=appearances.get(p.person_id) if officer else None,
            requested_until=p.found.period.until if p.found.action == GRANT and p.found.period else None,
            pack_code=pack.code, policy_version=p.version.code, created_by=STP.who))
    insert(apps)
    decisions, statuses, ends, superseded = [], [], [], []
    numbers = {p.fact_id: p.joins for p in plans if p.joins}
    for p in plans:
        key = p.found.action if p.ground is not None else NO_GROUND
        result.counts[key] = result.counts.get(key, 0) + 1
    for p, app in zip(filed, apps, strict=True):
        numbers[p.fact_id] = app.number
        if p.found.action == OFFICER:
            continue
        assert p.rule is not None and p.ground is not None
        found, deadline = p.found, calendars[p.version.code][1]
        sentences, legal = reasons_for(p.version, p.rule, p.ground, found, p.data, day, deadline)
        period = found.period
        decisions.append(Decision(
            application_id=app.pk, person_id=p.person_id,
            outcome=Outcome.ENDED if found.action == END else Outcome.GRANTED, reasons=sentences,
            officer_reason=said_by(p.rule), legal_basis=legal,
            decided_by=STP.who, decided_at=now, period_from=period.start if period and found.action != END else None,
            period_until=period.until if period and found.action != END else None, policy_version=p.version.code,
            appeal_deadline=deadline, needs_confirmation=False, in_effect=True))
        if found.ends is not None:  # the deferment it extends or ends is not reminded of its old end
            superseded.append(found.ends.number)
        if found.action == END:
            assert found.ends is not None
            ends += [(max(day, since - timedelta(days=1)), sid) for sid, since in found.ends.rows]
        else:
            assert period is not None
            statuses.append(PersonStatus(person_id=p.person_id, kind="deferred", valid_from=period.start,
                                         valid_until=period.until,
                                         reason=status_reason("deferment", p.ground, period, app.number),
                                         decision_number=app.number))
    insert(decisions)
    insert(statuses)
    with db.cursor() as cur:
        for pairs in chunks(ends, 2000):
            cur.executemany(f"UPDATE {PersonStatus._meta.db_table} SET valid_until = %s WHERE id = %s",
                            list(pairs))
    supersede(superseded, now)
    tell(decisions, apps, people, now)
    _mark_facts(plans, numbers)
    result.summonses_cancelled = cancel_call_ups(statuses, now)


def _mark_facts(plans: list[Plan], numbers: dict[int, str]) -> None:
    """Every fact of the batch ends decided (with the number), with an officer (with the number of
    the application in the queue and why no rule decided it), or no_ground (no application: the
    policy has no ground its register feeds)."""
    rows = []
    for p in plans:
        outcome = NO_GROUND if p.ground is None else OFFICER if p.found.action == OFFICER else DECIDED
        rows.append((outcome, numbers.get(p.fact_id, ""), p.found.why, p.fact_id, p.switched))
    table = RegisterFact._meta.db_table
    untaken = f"{table}.outcome IN ('ready', 'officer') AND {table}.application_number = ''"
    marked = 0
    with db.cursor() as cur:
        plain = [(o, n, w, f) for o, n, w, f, _s in rows]
        if db.is_postgres() and plain:  # one statement over arrays
            cur.execute(f"UPDATE {table} SET outcome = v.outcome, application_number = v.number, note = v.note "
                        f"FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[]) AS v(outcome, number, note, id) "
                        f"WHERE {table}.id = v.id AND {untaken}", [list(c) for c in zip(*plain, strict=True)])
            marked, plain = cur.rowcount, []
        for part in chunks(plain, 5000):
            cur.executemany(f"UPDATE {table} SET outcome = %s, application_number = %s, note = %s "
                            f"WHERE id = %s AND {untaken}", list(part))
            marked += cur.rowcount
        if marked != len(rows):  # never, under the row locks; if it did, nothing of the batch is written
            raise TakenTwice(f"{len(rows) - marked} fact(s) of this batch were taken by another run meanwhile")
        off_rows = [(json.dumps(s), f) for _o, _n, _w, f, s in rows if s is not None]
        for chunk in chunks(off_rows, 5000):
            cur.executemany(f"UPDATE {table} SET switched_off = %s, rule = '' WHERE id = %s", list(chunk))


def run(actor: Actor, pack: Pack, now: datetime, today: date, limit: int = stp_batch.BATCH_SIZE) -> dict[str, Any]:
    """Every source's batches (muster.partners.stp.run), then the decisions for the ready facts,
    batch by batch; counts only (no personal data), each batch in the audit trail. The shape is
    `muster stp run --json`'s: {"sources": {...}, "decided": n}."""
    return _run(actor, pack, now, today, limit)[0]


def _run(actor: Actor, pack: Pack, now: datetime, today: date, limit: int = stp_batch.BATCH_SIZE
         ) -> tuple[dict[str, Any], dict[str, int]]:
    from muster.partners import stp as partner_stp

    out = partner_stp.run(actor, pack, now, today, limit)
    totals: dict[str, int] = {}
    cancelled = 0
    while True:
        done = decide_ready(pack, now, today, min(limit, DECIDE_BATCH))
        if not done.counts:
            break
        for k, v in done.counts.items():
            totals[k] = totals.get(k, 0) + v
        cancelled += done.summonses_cancelled
        trail.record(STP, "stp.decide", "register_fact", "ready", at=now,
                     purpose=", ".join(f"{k} {v}" for k, v in sorted(done.counts.items())))
    out["decided"] = sum(totals.get(k, 0) for k in (GRANT, RENEW, END))
    return out, {**{k: totals.get(k, 0) for k in (GRANT, RENEW, END, OFFICER, NO_GROUND)}, "summonses_cancelled": cancelled}


def _untaken(pack_code: str) -> bool:
    """Facts of the pack waiting for a run: unprocessed, ready, or for an officer with no application."""
    mine = RegisterFact.objects.filter(pack_code=pack_code)
    return (mine.filter(processed_at__isnull=True).exists() or mine.filter(outcome="ready").exists()
            or mine.filter(outcome=OFFICER, application_number="").exists())


def step(now: datetime, actor: Actor) -> dict[str, int]:
    """The engine's step: every pack's straight-through batches and decisions (state-driven: only
    unprocessed and ready facts are touched, so a repeat does nothing)."""
    from muster.kernel.clock import today_in
    from muster.policy import loader
    from muster.policy.models import PackRecord

    counts = {"stp_facts": 0, "stp_decided": 0, "stp_officer": 0}
    for code in PackRecord.objects.order_by("code").values_list("code", flat=True):
        pack = loader.get_pack(code)
        today = today_in(pack, now)
        if not switches.rules_in_force(pack, today) and not _untaken(code):
            continue  # no rules and no facts of its own: nothing to do
        done, decisions = _run(actor, pack, now, today)
        counts["stp_facts"] += sum(sum(s["outcomes"].values()) for s in done["sources"].values())
        counts["stp_decided"] += done["decided"]
        counts["stp_officer"] += decisions[OFFICER]
    return counts
