"""Straight-through processing, the decisions: the `ready` register facts (a rule of the pack
decides them: muster.partners.stp_batch) become casework decisions by system:stp, a whole batch
in one transaction and in sets (bulk inserts and executemany in chunks, never an ORM save per
person), so that 100,000 facts take seconds on PostgreSQL.

For each fact, what its rule says meets what casework knows of the person (`fit`, pure):
- grant: no deferment on that ground in force (and, for a ground granted once only, none before)
  -> an application by system:stp, its granted decision, the `deferred` status, the person told;
- renew: a deferment on that ground in force -> a new decision from the day after its end;
- end: a deferment on that ground in force -> its status ends on the fact's day, a decision says why;
- anything else -> an application in the officer's queue (never a silent drop).
A person's second fact in one batch stays `ready` for the next batch, which sees the decision on
the first. The kill switches are read again under the batch's lock: a fact whose rule was switched off after
its verdict goes to an officer with the rest of its batch. Facts end `decided` with the number.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction

from muster.audit import trail
from muster.casework.effects import DECISION_TOPIC
from muster.casework.models import Application, Decision
from muster.casework.stp_rows import insert
from muster.delivery.models import PersonMessage
from muster.kernel import db
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.partners import stp_batch
from muster.partners.models import RegisterFact
from muster.partners.stp import STP
from muster.policy import switches
from muster.policy.calendar import working_calendar
from muster.registry.models import Person, PersonStatus
from muster.rules.applications import (
    ApplicationChannel,
    ApplicationStatus,
    BadNumber,
    Outcome,
    appeal_deadline_of,
    decision_reasons,
    parse_number,
    status_reason,
)
from muster.rules.casework import CaseworkProblem, Period, deferment_period, due_on, ground_of
from muster.rules.casework_policy import STP_SOURCES, Ground, StraightThroughRule
from muster.rules.notice_numbers import format_summons_number
from muster.rules.policy import Pack, PolicyVersion
from muster.rules.straight_through import evaluate, typed
from muster.rules.vocabulary import OPEN_SUMMONS, Purpose
from muster.summons import outcomes
from muster.summons.models import Summons

T = TypeVar("T")
GRANT, RENEW, END, OFFICER = "grant", "renew", "end", "officer"
DECIDED = "decided"  # a fact's outcome once casework took it
DECIDE_BATCH = 20_000  # facts decided per transaction: their reasons, events and messages held in memory at once
ENDED = "ended"  # the outcome of a decision that ends a deferment (the register says it no longer holds)


@dataclass(frozen=True)
class InForce:
    """A deferment on one ground in force for a person: the status row in force (and the decision's
    number), with its renewals already granted from the day after (`later`): the deferment runs
    until the last of them ends."""

    status_id: int
    number: str
    valid_from: date
    valid_until: date | None
    later: tuple[tuple[int, date], ...] = ()  # (status id, first day) of renewals not yet begun

    @property
    def rows(self) -> tuple[tuple[int, date], ...]:
        return ((self.status_id, self.valid_from), *self.later)


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
    """(the decision's sentences, its legal basis)."""
    said = said_by(rule)
    if found.action == END:
        assert found.ends is not None
        sentences = [f"Deferment ended on the ground: {ground.name}"
                     + (f" ({ground.legal_reference})." if ground.legal_reference else "."),
                     f"The deferment of decision {found.ends.number} ends on {day}; the person is liable "
                     f"again from {day + timedelta(days=1)}."]
        sentences += [f"Criterion met: {c}." for c in criteria_of(rule, facts, day)]
        sentences.append(f"Reason given: {said}.")
        return sentences, ground.legal_reference
    reasons = decision_reasons("deferment", ground, Outcome.GRANTED, found.period, said,
                               appeal=version.casework.level(1), appeal_deadline=appeal_deadline,
                               criteria=criteria_of(rule, facts, day))
    sentences = list(reasons.sentences)
    if found.action == RENEW and found.ends is not None:
        sentences.insert(1, f"It extends the deferment of decision {found.ends.number}.")
    return sentences, reasons.legal_basis


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _chunk() -> int:
    return 5000 if db.is_postgres() else 400


@dataclass
class DecideResult:
    counts: dict[str, int] = field(default_factory=dict)  # grant/renew/end/officer -> facts
    summonses_cancelled: int = 0

    @property
    def decided(self) -> int:
        return sum(v for k, v in self.counts.items() if k != OFFICER)


def in_force_of(person_ids: list[int], day: date) -> dict[tuple[int, str], InForce]:
    """The deferments in force on `day` by (person, ground), read from their statuses and the
    applications that granted them; a renewal that begins later extends the one in force."""
    rows = []
    for part in _chunks(person_ids, _chunk()):
        rows += list(PersonStatus.objects.filter(person_id__in=part, kind="deferred")
                     .exclude(decision_number="").exclude(valid_until__lt=day)
                     .values_list("id", "person_id", "decision_number", "valid_from", "valid_until"))
    app_ids = {}
    for row in rows:
        try:
            app_ids[row[2]] = parse_number(row[2])
        except BadNumber:
            continue
    grounds = {}
    for part in _chunks(list(set(app_ids.values())), _chunk()):
        grounds.update(dict(Application.objects.filter(pk__in=part).values_list("id", "ground")))
    chains: dict[tuple[int, str], list[tuple[int, str, date, date | None]]] = defaultdict(list)
    for sid, pid, number, since, until in sorted(rows, key=lambda r: (r[3], r[0])):
        ground = grounds.get(app_ids.get(number, 0))
        if ground is not None:
            chains[(pid, ground)].append((sid, number, since, until))
    out: dict[tuple[int, str], InForce] = {}
    for key, chain in chains.items():
        now_rows = [r for r in chain if r[2] <= day]
        if not now_rows:
            continue  # only a deferment that has not begun: none in force today
        sid, number, since, until = now_rows[-1]
        later = [r for r in chain if r[2] > day]
        last = None if any(r[3] is None for r in [now_rows[-1], *later]) else max(
            [until, *(r[3] for r in later)])  # type: ignore[type-var]
        out[key] = InForce(sid, number, since, last, tuple((r[0], r[2]) for r in later))
    return out


def granted_before(person_ids: list[int]) -> set[tuple[int, str]]:
    """(person, ground) of every deferment ever granted, from the person's applications (indexed
    by person; decisions are not)."""
    out: set[tuple[int, str]] = set()
    for part in _chunks(person_ids, _chunk()):
        out |= set(Application.objects.filter(person_id__in=part, kind="deferment",
                                              decisions__outcome=Outcome.GRANTED)
                   .values_list("person_id", "ground").distinct())
    return out


def decide_ready(pack: Pack, now: datetime, day: date, limit: int = DECIDE_BATCH,
                 after_switches_read: Any = None) -> DecideResult:
    """Decide the next `limit` ready facts in one transaction, under the switches' lock."""
    result = DecideResult()
    with transaction.atomic(), db.cursor() as cur:
        db.batch_settings(cur)
        stp_batch.claim_writer(cur)
        switches.hold_for_batch(cur)
        off = switches.switched_off(pack.code)
        if after_switches_read is not None:
            after_switches_read()
        facts = list(RegisterFact.objects.select_for_update().filter(outcome="ready").order_by("id")[:limit]
                     .values_list("id", "person_id", "rule", "facts", "processed_on", "policy_version"))
        if not facts:
            return result
        _decide(pack, facts, off, now, day, result)
    return result


def _decide(pack: Pack, facts: list[tuple[Any, ...]], off: frozenset[str], now: datetime, day: date,
            result: DecideResult) -> None:
    person_ids = sorted({f[1] for f in facts})
    in_force = in_force_of(person_ids, day)
    before = granted_before(person_ids)
    people = {}
    for part in _chunks(person_ids, _chunk()):
        people.update({p: (d or "", e or "") for p, d, e in
                       Person.objects.filter(pk__in=part).values_list("id", "district", "email")})
    versions: dict[str, tuple[PolicyVersion, Any, date | None, date]] = {}  # code -> (.., appeal by, due on)
    plans: list[tuple[int, int, StraightThroughRule | None, Ground | None, Fit, dict[str, Any], PolicyVersion]] = []
    seen: set[int] = set()
    for fid, pid, code, data, processed_on, vcode in facts:
        if pid in seen:
            continue  # a second fact of one person waits for the next batch, which sees the first's decision
        seen.add(pid)
        version = pack.version(vcode)
        if vcode not in versions:
            calendar = working_calendar(pack, version, day)
            versions[vcode] = (version, calendar, appeal_deadline_of(version.casework, day, calendar),
                               due_on(version.casework, "deferment", day, calendar))
        rule = next((r for r in version.casework.straight_through if r.code == code), None)
        if rule is None or code in off:
            result.counts[OFFICER] = result.counts.get(OFFICER, 0) + 1
            plans.append((fid, pid, rule, None, Fit(OFFICER, why="switched off"), data, version))
            continue
        ground = ground_of(version.casework, rule.kind, rule.ground)
        found = fit(rule, ground, data, processed_on or day, in_force.get((pid, ground.code)),
                    (pid, ground.code) in before)
        plans.append((fid, pid, rule, ground, found, data, version))
    _write(pack.code, plans, people, versions, off, now, day, result)


def _write(pack_code: str, plans: list[Any], people: dict[int, tuple[str, str]], versions: dict[str, Any], off: frozenset[str],
           now: datetime, day: date, result: DecideResult) -> None:
    apps = []
    filed = [p for p in plans if p[3] is not None]  # an application for every fact casework takes
    for _fid, pid, _rule, ground, found, _data, version in filed:
        status = ApplicationStatus.SUBMITTED if found.action == OFFICER else ApplicationStatus.DECIDED
        apps.append(Application(
            person_id=pid, kind="deferment", ground=ground.code, channel=ApplicationChannel.PARTNER,
            status=status, submitted_at=now, submitted_on=day,
            due_on=versions[version.code][3], district=people.get(pid, ("", ""))[0],
            requested_until=found.period.until if found.action == GRANT and found.period else None,
            pack_code=pack_code, policy_version=version.code,
            created_by=STP.who))
    insert(apps)
    decisions, statuses, ends, superseded, numbers = [], [], [], [], {}
    for (fid, pid, rule, ground, found, data, version), app in zip(filed, apps, strict=True):
        numbers[fid] = app.number
        result.counts[found.action] = result.counts.get(found.action, 0) + 1
        if found.action == OFFICER:
            continue
        deadline = versions[version.code][2]
        sentences, legal = reasons_for(version, rule, ground, found, data, day, deadline)
        period = found.period
        decisions.append(Decision(
            application_id=app.pk, person_id=pid, outcome=ENDED if found.action == END else Outcome.GRANTED,
            reasons=sentences,
            officer_reason=sentences[-1].removeprefix("Reason given: ").rstrip("."), legal_basis=legal,
            decided_by=STP.who, decided_at=now, period_from=period.start if period and found.action != END else None,
            period_until=period.until if period and found.action != END else None, policy_version=version.code,
            appeal_deadline=deadline, needs_confirmation=False, in_effect=True))
        if found.ends is not None:  # the deferment it extends or ends is not reminded of its old end
            superseded.append(found.ends.number)
        if found.action == END:
            assert found.ends is not None
            ends += [(max(day, since - timedelta(days=1)), sid) for sid, since in found.ends.rows]
        else:
            assert period is not None
            statuses.append(PersonStatus(person_id=pid, kind="deferred", valid_from=period.start,
                                         valid_until=period.until,
                                         reason=status_reason("deferment", ground, period, app.number),
                                         decision_number=app.number))
    insert(decisions)
    insert(statuses)
    with db.cursor() as cur:
        for pairs in _chunks(ends, 2000):
            cur.executemany(f"UPDATE {PersonStatus._meta.db_table} SET valid_until = %s WHERE id = %s",
                            list(pairs))
    _supersede(superseded, now)
    _tell(decisions, apps, people, now)
    _mark_facts(plans, numbers, off, now)
    result.summonses_cancelled = _cancel_call_ups(statuses, now)


def _supersede(numbers: list[str], now: datetime) -> None:
    """The decisions a renewal extends or an end ends: their old end is no longer the deferment's,
    so the tick must not remind the person of it (marked as reminded)."""
    ids = []
    for number in numbers:
        try:
            ids.append(parse_number(number))
        except BadNumber:
            continue
    for part in _chunks(ids, _chunk()):
        Decision.objects.filter(application_id__in=part, reminded_at__isnull=True).update(reminded_at=now)


def _tell(decisions: list[Decision], apps: list[Application], people: dict[int, tuple[str, str]],
          now: datetime) -> None:
    """Each decision told to its person: the ledger's decision.made event and a message (as
    muster.casework.effects.tell_person does, in bulk)."""
    by_id = {a.pk: a for a in apps}
    events, details = [], []
    for d in decisions:
        app = by_id[d.application_id]
        detail = {"application": app.number, "kind": app.kind, "ground": app.ground, "outcome": d.outcome,
                  "reasons": list(d.reasons), "legal_basis": d.legal_basis,
                  "period_from": d.period_from.isoformat() if d.period_from else None,
                  "period_until": d.period_until.isoformat() if d.period_until else None,
                  "appeal_deadline": d.appeal_deadline.isoformat() if d.appeal_deadline else None}
        details.append(detail)
        events.append(Event(type=DECISION_TOPIC, person_id=d.person_id, summons_id=None, payload=detail,
                            occurred_at=now))
    insert(events)
    messages = []
    for event, detail in zip(events, details, strict=True):
        email = people.get(event.person_id, ("", ""))[1]
        messages.append(PersonMessage(person_id=event.person_id, event_id=event.pk, topic=DECISION_TOPIC,
                                      details=detail, created_at=now, email_state="queued" if email else "none",
                                      attempts=0, next_attempt_at=now if email else None))
    insert(messages)


def _mark_facts(plans: list[Any], numbers: dict[int, str], off: frozenset[str], now: datetime) -> None:
    """Every fact of the batch ends decided (with the number) or with an officer."""
    rows = []
    for fid, _pid, rule, ground, found, _data, _version in plans:
        outcome = OFFICER if found.action == OFFICER else DECIDED
        switched = sorted(off & {r.code for r in _source_rules(_version, rule)}) if ground is None else None
        rows.append((outcome, numbers.get(fid, ""), found.why if ground is not None else "", fid, switched))
    table = RegisterFact._meta.db_table
    with db.cursor() as cur:
        plain = [(o, n, w, f) for o, n, w, f, s in rows if s is None]
        if db.is_postgres() and plain:  # one statement over arrays
            cur.execute(f"UPDATE {table} SET outcome = v.outcome, application_number = v.number, note = v.note "
                        f"FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[]) AS v(outcome, number, note, id) "
                        f"WHERE {table}.id = v.id", [list(c) for c in zip(*plain, strict=True)])
            plain = []
        for part in _chunks(plain, 5000):
            cur.executemany(f"UPDATE {table} SET outcome = %s, application_number = %s, note = %s WHERE id = %s",
                            list(part))
        off_rows = [(o, json.dumps(s), f) for o, _n, _w, f, s in rows if s is not None]
        for chunk in _chunks(off_rows, 5000):
            cur.executemany(f"UPDATE {table} SET outcome = %s, switched_off = %s, rule = '' WHERE id = %s",
                            list(chunk))


def _source_rules(version: PolicyVersion, rule: StraightThroughRule | None) -> tuple[StraightThroughRule, ...]:
    if rule is None:
        return ()
    return tuple(r for r in version.casework.straight_through if r.source == rule.source)


def _cancel_call_ups(granted: list[PersonStatus], now: datetime) -> int:
    """Open call-up summonses inside a granted period are cancelled and their measures lifted,
    through the per-summons path (they are few)."""
    periods: dict[int, list[PersonStatus]] = defaultdict(list)
    for s in granted:
        periods[s.person_id].append(s)
    cancelled = 0
    for part in _chunks(sorted(periods), _chunk()):
        rows = Summons.objects.filter(person_id__in=part, status__in=OPEN_SUMMONS,
                                      campaign__purpose=Purpose.CALL_UP).order_by("id")
        for summons in rows:
            status = next((s for s in periods[summons.person_id] if summons.appearance_date >= s.valid_from
                           and (s.valid_until is None or summons.appearance_date <= s.valid_until)), None)
            if status is None:
                continue
            try:
                outcomes.record(format_summons_number(summons.number), "cancelled", max(now, summons.placed_at),
                                actor=STP, reason=f"deferment granted (decision {status.decision_number})")
            except outcomes.OutcomeError:
                continue  # closed meanwhile (served, missed, excused): the deferment holds all the same
            cancelled += 1
    return cancelled


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
    out["decided"] = sum(v for k, v in totals.items() if k != OFFICER)
    return out, {**{k: totals.get(k, 0) for k in (GRANT, RENEW, END, OFFICER)}, "summonses_cancelled": cancelled}




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
        if not switches.rules_in_force(pack, today):
            continue  # a pack with no straight-through rules leaves the facts to the pack that has them
        done, decisions = _run(actor, pack, now, today)
        counts["stp_facts"] += sum(sum(s["outcomes"].values()) for s in done["sources"].values())
        counts["stp_decided"] += done["decided"]
        counts["stp_officer"] += decisions[OFFICER]
    return counts
