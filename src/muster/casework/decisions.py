"""Deciding applications: an officer grants or refuses (or `system:stp`, with the criteria it
checked as reasons); where the policy asks for four eyes a second, different officer confirms.
The decision's effects (muster.casework.effects) are written in the same transaction as the
decision that makes them take effect, so a failure leaves neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction

from muster.audit import access, trail
from muster.audit.access import AccessDenied
from muster.casework.applications import (
    CaseworkError,
    check_instant,
    decision_dict,
    find,
    latest_decision,
    version_for,
)
from muster.casework.effects import EffectRefused, settle_appeal, supersede, take_effect
from muster.casework.models import Application, Decision
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.policy import loader
from muster.policy.calendar import working_calendar
from muster.rules import access as rules
from muster.rules import limits
from muster.rules.applications import (
    OFFICER_OUTCOMES,
    VERBS,
    ApplicationStatus,
    LatestDecision,
    Outcome,
    appeal_deadline_of,
    decide_problem,
    decision_reasons,
)
from muster.rules.casework import (
    CaseworkProblem,
    Period,
    deferment_period,
    ground_of,
    needs_second_officer,
)
from muster.rules.casework_policy import Ground
from muster.rules.notice_numbers import format_summons_number
from muster.rules.policy import Pack, PolicyVersion


def _ground(pack: Pack, app: Application, decided_on: date) -> tuple[PolicyVersion, Ground]:
    """The policy in force on the day of the decision, and the ground in it; the application's own
    version where the ground is no longer in the newer one."""
    version = version_for(pack, decided_on)
    for candidate in (version, pack.version(app.policy_version)):
        try:
            return candidate, ground_of(candidate.casework, app.kind, app.ground)
        except CaseworkProblem:
            continue
    raise CaseworkError(f"ground {app.ground} of application {app.number} is in no policy in force")


def _period(app: Application, ground: Ground, outcome: str, decided_on: date, until: date | None,
            evidence_dates: Mapping[str, date] | None) -> Period | None:
    if outcome == Outcome.REFUSED:
        if until is not None:
            raise CaseworkError("--until: a refusal has no period")
        return None
    if app.kind == "deferment":
        try:
            return deferment_period(ground, decided_on, until or app.requested_until, evidence_dates)
        except CaseworkProblem as exc:
            raise CaseworkError(f"--until: {exc}") from None
    if until is not None:
        raise CaseworkError(f"--until: only a deferment has a period, not {app.kind.replace('_', ' ')}")
    if app.kind in ("exemption", "alternative_service", "excuse"):
        return Period(decided_on, None, "with no end")
    return None


def decide(actor: Actor, number: str, verdict: str, reason: str, *, until: date | None = None, at: datetime,
           evidence_dates: Mapping[str, date] | None = None, criteria: Sequence[str] = ()) -> dict[str, Any]:
    """Grant or refuse an open application (`verdict`: grant|refuse, or granted|refused). Refused:
    deciding twice, a period longer than the ground allows, `at` before filing or after now. The
    reasons name the ground and its legal reference, the period, the officer's reason (or each of
    `criteria`, for straight-through processing) and, for a refusal, the appeal route and deadline.
    A decision needing a second officer waits for `confirm`; any other takes effect at once."""
    outcome = VERBS.get(verdict) or next((o for o in OFFICER_OUTCOMES if o == verdict), None)
    if outcome is None:
        raise CaseworkError(f"decision: expected grant or refuse, got {verdict!r}"
                            + (" (a deferment is ended by its register, not by an officer)" if verdict in ("end", "ended") else ""))
    limits.check("reason", reason, "--reason")
    if not reason.strip() and not criteria:
        raise CaseworkError("--reason: a decision states its reason")
    with transaction.atomic():
        app = find(number, for_update=True)
        access.require(rules.may_act_on_person(actor, app.district))
        _check_undecided(app)
        check_instant("--at", at, app.submitted_at, f"when application {app.number} was submitted")
        pack = loader.get_pack(app.pack_code)
        decided_on = today_in(pack, at)
        version, ground = _ground(pack, app, decided_on)
        casework = version.casework
        period = _period(app, ground, outcome, decided_on, until, evidence_dates)
        calendar = working_calendar(pack, version, decided_on)
        appeal_deadline = appeal_deadline_of(casework, decided_on, calendar)
        alt = casework.alternative_service
        court_route = alt.appeal_route if app.kind == "alternative_service" and alt is not None else ""
        reasons = decision_reasons(
            app.kind, ground, outcome, period, reason, appeal=None if court_route else casework.level(1),
            appeal_deadline=appeal_deadline, appeal_route=court_route,
            summons_number=format_summons_number(app.summons.number) if app.summons else None,
            duty_after=casework.excuses.duty_after if casework.excuses and app.kind == "excuse" else "",
            criteria=tuple(criteria))
        four_eyes = needs_second_officer(casework, app.kind, ground.code, outcome)
        decision = Decision.objects.create(
            application=app, person_id=app.person_id, outcome=outcome, reasons=list(reasons.sentences),
            officer_reason=reason.strip(), legal_basis=reasons.legal_basis, decided_by=actor.who, decided_at=at,
            period_from=period.start if period else None, period_until=period.until if period else None,
            policy_version=version.code, appeal_deadline=appeal_deadline, needs_confirmation=four_eyes)
        trail.record(actor, "application.decide", "application", app.number, person_id=app.person_id,
                     purpose=f"{outcome}" + (", awaiting a second officer" if four_eyes else ""), at=at)
        effects = None
        if four_eyes:
            app.status = ApplicationStatus.IN_REVIEW
            app.save(update_fields=["status"])
        else:
            effects = _take_effect(decision, app, ground, at, actor)
    return _result(app, decision, effects)


def confirm(actor: Actor, number: str, *, at: datetime) -> dict[str, Any]:
    """A second officer confirms a decision that waits for one; it then takes effect. The officer
    who decided may not confirm their own decision."""
    with transaction.atomic():
        app = find(number, for_update=True)
        access.require(rules.may_act_on_person(actor, app.district))
        decision = latest_decision(app)
        if decision is None or not decision.needs_confirmation:
            raise CaseworkError(f"application {app.number} has no decision waiting for a second officer")
        if decision.confirmed_at is not None:
            raise CaseworkError(f"the decision on application {app.number} was confirmed already, by "
                                f"{decision.confirmed_by} at {decision.confirmed_at.isoformat()}")
        if decision.decided_by == actor.who:
            raise AccessDenied(f"a second officer must confirm the decision on application {app.number}: "
                               "you decided it")
        check_instant("--at", at, decision.decided_at, f"when application {app.number} was decided")
        pack = loader.get_pack(app.pack_code)
        _, ground = _ground(pack, app, today_in(pack, decision.decided_at))
        decision.confirmed_by, decision.confirmed_at = actor.who, at
        decision.save(update_fields=["confirmed_by", "confirmed_at"])
        trail.record(actor, "application.confirm", "application", app.number, person_id=app.person_id,
                     purpose=f"confirms {decision.outcome} by {decision.decided_by}", at=at)
        effects = _take_effect(decision, app, ground, at, actor)
    return _result(app, decision, effects)


def _check_undecided(app: Application) -> None:
    """Refuses deciding twice, unless an allowed appeal reopened the application."""
    latest = latest_decision(app)
    facts = None if latest is None else LatestDecision(
        latest.outcome, latest.decided_at.date(), latest.needs_confirmation and latest.confirmed_at is None,
        latest.set_aside_by)
    problem = decide_problem(app.number, app.status, facts)
    if problem:
        raise CaseworkError(problem)


def _take_effect(decision: Decision, app: Application, ground: Ground, at: datetime, actor: Actor) -> dict[str, Any]:
    set_aside = app.decisions.exclude(pk=decision.pk).exclude(set_aside_by="").order_by("-id").first()
    if set_aside is not None:
        supersede(set_aside, app, at)
    try:
        effects = take_effect(decision, app, ground, at, actor=actor)
    except EffectRefused as exc:
        raise CaseworkError(f"the decision cannot take effect: {exc}") from None
    if set_aside is not None:
        effects["measures_after_appeal"] = settle_appeal(set_aside.set_aside_by, decision.outcome, at, actor)
    app.status = ApplicationStatus.DECIDED
    app.save(update_fields=["status"])
    return effects


def _result(app: Application, decision: Decision, effects: dict[str, Any] | None) -> dict[str, Any]:
    return {"number": app.number, "status": app.status, "decision": decision_dict(decision), "effects": effects}
