"""Summonses for every interface: read one or a person's, record outcomes, hand over in person.
Each takes an Actor; reads are logged for the person, acts are checked against the officer's
districts (muster.rules.access) and written to the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from muster.audit import access, trail
from muster.kernel import clock
from muster.kernel.actor import Actor
from muster.policy import loader
from muster.policy import mode as policy_mode
from muster.policy.models import ClosedTick
from muster.registry import services as registry
from muster.rules import access as rules
from muster.rules import limits
from muster.rules.instants import instant_problem
from muster.rules.notice_numbers import (
    InvalidNumber,
    code_matches,
    format_summons_number,
    sequence_of,
    verification_code,
)
from muster.rules.outcomes import OutcomeRefused, check_outcome, reason_problems
from muster.rules.policy import Pack
from muster.rules.vocabulary import RunKind
from muster.summons import outcomes, tick
from muster.summons.models import Run, Summons
from muster.summons.outcomes import Outcome, OutcomeError


def _as_dict(s: Summons) -> dict[str, Any]:
    return {"number": format_summons_number(s.number), "status": s.status, "campaign": s.campaign.code,
            "district": s.district, "placed_on": s.placed_on, "served_on": s.served_on,
            "served_how": s.served_how or None, "served_evidence": s.served_evidence or None,
            "appearance_date": s.appearance_date, "missed_on": s.missed_on,
            "closed_reason": s.closed_reason or None, "policy_version": s.policy_version}


def show(actor: Actor, number: str) -> dict[str, Any]:
    """One summons with its deliveries and measures; the read is logged for the person."""
    limits.check("purpose", actor.purpose, "--purpose")
    s = outcomes.find(number)
    access.require(rules.may_read_person(actor, s.person_id, s.district))
    with transaction.atomic():
        access.read_person(actor, s.person_id, "summons", str(s.number))
    data = _as_dict(s)
    data["deliveries"] = [{"channel": d.channel, "state": d.state, "attempts": d.attempts,
                           "provider_ref": d.provider_ref or None, "last_error": d.last_error or None}
                          for d in s.deliveries.order_by("id")]
    data["measures"] = [{"kind": m.kind, "status": m.status, "effective_from": m.effective_from,
                         "lifted_on": m.lifted_on, "reason": m.lift_reason or None, "legal_basis": m.legal_basis}
                        for m in s.measures.select_related("basis").order_by("id")]
    return data


def list_for_person(actor: Actor, national_id: str, pack: Pack) -> list[dict[str, Any]]:
    """A person's summonses, oldest first; the read is logged for the person."""
    person = registry.find_person(actor, national_id, pack)
    with transaction.atomic():
        access.read_person(actor, person.pk)
    return [_as_dict(s) for s in Summons.objects.filter(person=person).select_related("campaign")
            .order_by("placed_at", "id")]


def notices_of(actor: Actor, national_id: str, pack: Pack) -> list[dict[str, Any]]:
    """A person's summonses as their portal shows them, newest first: with the office, the place
    and time of appearance and the notice's verification code (the person holds the notice
    anyway); the read is logged for the person."""
    from django.conf import settings

    person = registry.find_person(actor, national_id, pack)
    with transaction.atomic():
        access.read_person(actor, person.pk, "notices")
    rows = []
    for s in Summons.objects.filter(person=person).select_related("campaign").order_by("-placed_at", "-id"):
        row = _as_dict(s)
        row.update(office=pack.office_of(s.district), place=s.campaign.place, appear_time=s.campaign.appear_time,
                   purpose=s.campaign.purpose,
                   code=verification_code(s.number, settings.MUSTER_VERIFY_KEY))
        rows.append(row)
    return rows


def _acting_on(actor: Actor, number: str) -> None:
    s = outcomes.find(number)
    access.require(rules.may_act_on_person(actor, s.district))


def record_outcome(actor: Actor, number: str, outcome: str, at: datetime, reason: str = "",
                   excuse: str | None = None) -> Outcome:
    """Appeared, excused, cancelled or appeal accepted: closes the summons and lifts its measures.
    `at` may lie neither before the summons was placed nor after now plus the clock skew; an
    excuse names one of its policy's excuse codes (`excuse`, or a `reason` that is one), and an
    excuse, cancellation or accepted appeal says why (muster.rules.outcomes.reason_problems)."""
    limits.check("reason", reason, "--reason")
    _acting_on(actor, number)
    s = outcomes.find(number)
    try:
        check_outcome(s.status, outcome)
    except OutcomeRefused as exc:
        raise OutcomeError(f"summons {format_summons_number(s.number)}: {exc}"
                           + (f" ({s.closed_reason})" if s.closed_reason else "")) from None
    _check_instant("--at", at, s)
    version = loader.get_pack(s.campaign.pack_code).version(s.policy_version)
    code, problems = reason_problems(version, outcome, reason, excuse)
    if problems:
        raise OutcomeError(f"summons {format_summons_number(s.number)}: " + "; ".join(problems))
    if code is not None:
        name = next(k.name for k in version.excuses if k.code == code)
        reason = f"{code} ({name})" + (f": {reason.strip()}" if reason.strip() not in ("", code) else "")
    return outcomes.record(number, outcome, at, actor=actor, reason=reason.strip())


def known_now() -> datetime:
    """The latest instant this database has reached: the wall clock, or on a simulation the clock
    of its last tick if that is later. What a person or partner says happened may not lie after it
    (plus the clock skew)."""
    wall = clock.now()
    if policy_mode.current() == policy_mode.LIVE:
        return wall
    last = tick.last_tick()
    return max(wall, last) if last is not None else wall


def instant_problem_for(at: datetime, summons: Summons) -> str | None:
    """Why `at` cannot be when something happened to `summons` (None: it can)."""
    return instant_problem(at, now=known_now(), skew=policy_mode.skew(), not_before=summons.placed_at,
                           not_before_what=f"when summons {format_summons_number(summons.number)} was placed")


def _check_instant(option: str, at: datetime, s: Summons) -> None:
    problem = instant_problem_for(at, s)
    if problem:
        raise OutcomeError(f"{option} {problem}")


def last_tick() -> datetime | None:
    """The clock the last tick ran at (a tick an operator closed as run ahead does not count)."""
    return tick.last_tick()


def versions_in_use() -> frozenset[str]:
    """The policy versions decisions used: those of summonses and of measures."""
    from muster.measures.models import Measure

    return frozenset(Summons.objects.values_list("policy_version", flat=True).distinct()) | frozenset(
        Measure.objects.values_list("policy_version", flat=True).distinct())


def close_ahead(actor: Actor, reason: str) -> list[dict[str, Any]]:
    """On a live database, close every tick that ran ahead of the wall clock, so that ticks at the
    real time run again. What those ticks did stays (the summonses they served or missed, the
    measures they started): each closed run is listed with how many summonses it last changed, for
    an officer to review. Audited; the reason is required."""
    access.require(rules.may_administer(actor))
    if not reason.strip():
        raise policy_mode.ModeError("--reason: say why the ticks are closed (it goes to the audit trail)")
    if policy_mode.current() != policy_mode.LIVE:
        raise policy_mode.ModeError("this database is a simulation: its ticks are its clock, and none runs "
                                    "ahead of it; nothing to close")
    wall = clock.now()
    closed = []
    with transaction.atomic():
        ahead = (Run.objects.select_for_update().filter(kind=RunKind.TICK, now__gt=wall)
                 .exclude(pk__in=policy_mode.closed_runs()).order_by("now"))
        for run in ahead:
            ClosedTick.objects.create(run_id=run.pk, ran_at=run.now, closed_at=wall, closed_by=actor.who,
                                      reason=reason.strip())
            changed = Summons.objects.filter(changed_run=run.pk).count()
            trail.record(actor, "tick.close_ahead", "run", str(run.pk),
                         purpose=f"{reason.strip()} (the tick ran at {run.now.isoformat()}, ahead of "
                                 f"{wall.isoformat()}; {changed} summonses last changed by it)")
            closed.append({"run": run.pk, "ran_at": run.now, "summonses_changed": changed})
    return closed


def verify_notice(number: int, code: str) -> dict[str, Any] | None:
    """What the public check of a paper notice may tell anyone holding it: the office and the
    appearance date, and whether it was cancelled; None unless the number and code match. No
    actor: this is the public's, and discloses nothing the holder does not already have."""
    from django.conf import settings

    # The HMAC first and always, known number or not: the time taken tells nothing of which exist.
    matches = code_matches(number, code, settings.MUSTER_VERIFY_KEY, legacy=settings.MUSTER_VERIFY_LEGACY_CODES)
    summons = Summons.objects.select_related("campaign").filter(pk=sequence_of(number)).first()
    if summons is None or not matches:
        return None
    pack = loader.get_pack(summons.campaign.pack_code)
    return {"number": format_summons_number(number), "office": pack.office_of(summons.district),
            "appearance_date": summons.appearance_date, "cancelled": summons.status == "cancelled"}


ModeError = policy_mode.ModeError

__all__ = ["InvalidNumber", "ModeError", "Outcome", "OutcomeError", "close_ahead", "instant_problem_for",
           "known_now", "last_tick", "list_for_person", "notices_of", "record_outcome", "show", "verify_notice",
           "versions_in_use"]
