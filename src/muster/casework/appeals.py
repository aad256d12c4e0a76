"""Appeals for every interface: file one against an application's decision, a summons or a measure,
rule on it, read one or a person's, and list the open ones for the work queue.

Each call takes an Actor (an officer who acts in the subject's district; reads need a purpose and
are logged for the person) and runs in one transaction with its audit record, its ledger event
(`appeal.filed`, `appeal.decided`: the person's timeline, never a partner's feed) and a message in
the person's account. What an appeal suspends, reinstates or lifts goes through the measures'
own services (`by="appeal:P-…"`), so partners see `measure.suspended`, `.reinstated`, `.lifted`.
The rules are muster.rules.appeals; its docstring says what each ruling does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction

from muster.audit import access, trail
from muster.audit.access import AccessDenied
from muster.casework.effects import supersede
from muster.casework.models import Appeal, Application
from muster.delivery.models import PersonMessage
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.ledger.models import Event
from muster.measures import services as measures
from muster.measures.models import Measure
from muster.policy import loader
from muster.policy import mode as policy_mode
from muster.policy.calendar import working_calendar
from muster.registry import services as registry
from muster.rules import access as rules
from muster.rules import appeals as rule
from muster.rules import applications as app_rules
from muster.rules import limits
from muster.rules.appeals import (
    AppealOutcome,
    AppealProblem,
    AppealStatus,
    BadNumber,
    MeasureFacts,
    PriorAppeal,
)
from muster.rules.instants import instant_problem
from muster.rules.notice_numbers import (
    InvalidNumber,
    format_summons_number,
    parse_summons_number,
    sequence_of,
)
from muster.rules.outcomes import CLOSABLE
from muster.rules.policy import Pack, PolicyVersion, version_in_force
from muster.rules.vocabulary import EventType, MeasureStatus
from muster.summons import services as summons_services
from muster.summons.models import Summons


class AppealError(ValueError):
    """Bad input or an appeal the policy does not allow; the message names the option. Nothing was
    written."""


@dataclass
class _Subject:
    """What an appeal is against, as the rules need it."""

    kind: str
    id: int
    ref: str  # as printed
    what: str  # in words: "summons 0000001234", "the decision on application A-0000001"
    person_id: int
    district: str
    pack: Pack
    existed_at: datetime  # the appeal may not be dated before this
    dates: rule.SubjectDates
    appearance: date | None
    against_refusal: bool = False
    holds_effects: bool = False  # an application whose decision has effects on its summons
    measures: list[MeasureFacts] = field(default_factory=list)
    summons_id: int | None = None
    measure_id: int | None = None


def _facts(qs: Any) -> list[MeasureFacts]:
    return [MeasureFacts(m.pk, m.kind, m.status) for m in qs.order_by("id")]


def _subject(subject: rule.Subject) -> _Subject:
    """The subject named by --against; LookupError if it does not exist, AppealError if it cannot
    be appealed."""
    if subject.kind == "application":
        try:
            app = Application.objects.select_related("summons").get(pk=app_rules.parse_number(subject.ref))
        except app_rules.BadNumber as exc:
            raise AppealError(f"--against: {exc}") from None
        except Application.DoesNotExist:
            raise LookupError(f"no application {subject.ref}") from None
        decision = app.decisions.order_by("-id").first()
        if decision is None:
            raise AppealError(f"--against: application {app.number} has no decision to appeal")
        pack = loader.get_pack(app.pack_code)
        affected = (_facts(Measure.objects.filter(summons_id=app.summons_id))
                    if app.summons_id and rule.application_effects(app.kind, decision.outcome) else [])
        return _Subject("application", app.pk, app.number, f"the decision on application {app.number}",
                        app.person_id, app.district, pack, decision.decided_at,
                        rule.SubjectDates(today_in(pack, decision.decided_at)), app.appearance_date,
                        against_refusal=decision.outcome in app_rules.ADVERSE_OUTCOMES, measures=affected,
                        holds_effects=bool(app.summons_id and rule.application_effects(app.kind, decision.outcome)),
                        summons_id=app.summons_id)
    if subject.kind == "summons":
        try:
            number = parse_summons_number(subject.ref)
        except InvalidNumber as exc:
            raise AppealError(f"--against: summons number: {exc}") from None
        s = Summons.objects.select_related("campaign").filter(pk=sequence_of(number)).first()
        if s is None:
            raise LookupError(f"no summons {format_summons_number(number)}")
        pack = loader.get_pack(s.campaign.pack_code)
        ms = Measure.objects.filter(summons_id=s.pk)
        first = min((m.effective_from for m in ms), default=None)
        shown = format_summons_number(s.number)
        return _Subject("summons", s.pk, shown, f"summons {shown}", s.person_id, s.district, pack, s.placed_at,
                        rule.SubjectDates(s.placed_on, s.served_on, first), s.appearance_date,
                        measures=_facts(ms), summons_id=s.pk)
    m = Measure.objects.select_related("summons__campaign").filter(pk=int(subject.ref)).first()
    if m is None:
        raise LookupError(f"no measure {subject.ref}")
    s = m.summons
    pack = loader.get_pack(s.campaign.pack_code)
    return _Subject("measure", m.pk, str(m.pk), f"measure {m.pk} ({m.kind})", m.person_id, s.district, pack,
                    s.placed_at, rule.SubjectDates(m.effective_from, s.served_on, m.effective_from),
                    s.appearance_date, measures=[MeasureFacts(m.pk, m.kind, m.status)], summons_id=s.pk,
                    measure_id=m.pk)


def _check_at(option: str, at: datetime, not_before: datetime, what: str) -> None:
    problem = instant_problem(at, now=summons_services.known_now(), skew=policy_mode.skew(),
                              not_before=not_before, not_before_what=what)
    if problem:
        raise AppealError(f"{option} {problem}")


def _version(pack: Pack, day: date) -> PolicyVersion:
    version = version_in_force(pack.versions, day)
    if version is None:
        raise AppealError(f"--at: no policy of pack {pack.code} is in force on {day}")
    return version


def _text(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise AppealError("--reason: say why")
    try:
        limits.check("reason", reason, "--reason")
    except limits.TooLong as exc:
        raise AppealError(str(exc)) from None
    return reason


def _prior(kind: str, subject_id: int) -> list[PriorAppeal]:
    return [PriorAppeal(a.number, a.level, a.status, a.outcome or None, a.decided_on)
            for a in Appeal.objects.select_for_update().filter(subject_kind=kind, subject_id=subject_id)
            .order_by("level")]


def _tell(appeal: Appeal, topic: str, at: datetime, details: dict[str, Any],
          subject: tuple[int | None, int | None] = (None, None)) -> None:
    """The ledger event (the person's timeline) and the message in the person's account; the email
    says only that there is a message."""
    event = Event.objects.create(type=topic, person_id=appeal.person_id, summons_id=subject[0],
                                 measure_id=subject[1], payload=details, occurred_at=at)
    email = appeal.person.email
    PersonMessage.objects.create(person_id=appeal.person_id, event_id=event.pk, topic=topic, details=details,
                                 created_at=at, email_state="queued" if email else "none", attempts=0,
                                 next_attempt_at=at if email else None)


def _suspends(appeal: Appeal) -> list[dict[str, Any]]:
    kinds = dict(Measure.objects.filter(pk__in=appeal.suspended).values_list("pk", "kind"))
    return [{"measure": i, "kind": kinds.get(i)} for i in appeal.suspended]


def file(actor: Actor, against: str, reason: str, at: datetime, *, level: int | None = None,
         suspend: bool | None = None) -> dict[str, Any]:
    """File an appeal against `application:NUMBER`, `summons:NUMBER` or `measure:ID` at `at`: the
    lowest level not yet used on the subject (or `level`), under the policy in force that day.
    Late filings are recorded and marked late. What the level suspends is suspended now (at a
    discretionary level only when `suspend` says so). Raises AppealError (bad input, a level taken
    or whose entry condition fails), LookupError (no such subject), AccessDenied."""
    reason = _text(reason)
    try:
        wanted = rule.parse_subject(against)
    except AppealProblem as exc:
        raise AppealError(str(exc)) from None
    with transaction.atomic():
        subject = _subject(wanted)
        # The person themself (the portal), or an officer who acts in the subject's district.
        access.require(rules.may_apply(actor, subject.person_id, subject.district))
        _check_at("--at", at, subject.existed_at, f"when {subject.what} was made")
        filed_on = today_in(subject.pack, at)
        version = _version(subject.pack, filed_on)
        prior = _prior(subject.kind, subject.id)
        try:
            chosen = rule.choose_level(version.casework.appeals, prior, against_refusal=subject.against_refusal,
                                       wanted=level)
        except AppealProblem as exc:
            raise AppealError(f"appeal against {subject.what}: {exc}") from None
        calendar = working_calendar(subject.pack, version, filed_on)
        event_day, event_words = rule.deadline_event(chosen, subject.dates, prior)
        deadline = rule.filing_deadline(chosen, event_day, calendar)
        late = rule.is_late(filed_on, deadline)
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    person_id=subject.person_id, subject_kind=subject.kind, subject_id=subject.id,
                    subject_ref=subject.ref, district=subject.district, pack_code=subject.pack.code,
                    policy_version=version.code, level=chosen.level, body=chosen.body,
                    legal_reference=chosen.legal_reference, reason=reason, filed_at=at, filed_on=filed_on,
                    deadline=deadline, late=late, due_on=rule.due_date(version.casework, chosen, filed_on, calendar),
                    appearance_date=subject.appearance, created_by=actor.who,
                    holds_summons_id=subject.summons_id if rule.holds_summons(
                        chosen, subject.kind, suspend, against_effects=subject.holds_effects) else None,
                    watches_summons_id=subject.summons_id if rule.watches_summons(
                        chosen, subject.kind, suspend, against_effects=subject.holds_effects) else None,
                    watched_kinds=list(chosen.measure_kinds))
        except IntegrityError:
            raise AppealError(f"appeal against {subject.what}: already under appeal at level {chosen.level} "
                              f"({chosen.body})") from None
        ids = rule.measures_to_suspend(chosen, subject.measures, suspend)
        if ids:
            # The policy suspends, not the filer: a person's own appeal suspends as the system.
            suspender = Actor.system("appeals") if actor.role == "person" else actor
            appeal.suspended = measures.suspend(suspender, ids, at, reason=f"appeal {appeal.number} to the {chosen.body}",
                                                by=f"appeal:{appeal.number}")
            appeal.save(update_fields=["suspended"])
        sentence = rule.filing_sentence(chosen, subject.what, deadline, event_words, late, len(appeal.suspended))
        _tell(appeal, EventType.APPEAL_FILED, at,
              {"number": appeal.number, "against": f"{subject.kind}:{subject.ref}", "level": chosen.level,
               "body": chosen.body, "deadline": deadline.isoformat(), "late": late,
               "due_on": appeal.due_on.isoformat(), "suspended": appeal.suspended, "text": sentence},
              (subject.summons_id, subject.measure_id))
        trail.record(actor, "appeal.filed", "appeal", appeal.number, person_id=subject.person_id,
                     purpose=f"against {subject.kind}:{subject.ref}, level {chosen.level}"
                             f"{' (late)' if late else ''}: {reason}"[:300])
        return {"number": appeal.number, "level": appeal.level, "body": appeal.body, "due_on": appeal.due_on,
                "late": appeal.late, "suspends": _suspends(appeal)}


def _find(number: str, *, lock: bool = False) -> Appeal:
    try:
        pk = rule.parse_number(number)
    except BadNumber as exc:
        raise AppealError(f"appeal number: {exc}") from None
    qs = Appeal.objects.select_for_update(of=("self",)) if lock else Appeal.objects
    appeal = qs.select_related("person").filter(pk=pk).first()
    if appeal is None:
        raise LookupError(f"no appeal {rule.format_number(pk)}")
    return appeal


def _lift_summons(actor: Actor, appeal: Appeal, at: datetime, reason: str, by: str) -> None:
    """An allowed appeal against a summons: the summons cancelled (appeal_accepted) if still open or
    missed, and every measure still resting on it lifted."""
    s = Summons.objects.get(pk=appeal.subject_id)
    if s.status in CLOSABLE:
        summons_services.record_outcome(actor, format_summons_number(s.number), "appeal_accepted", at,
                                        reason=f"appeal {appeal.number} allowed: {reason}")
    left = list(Measure.objects.filter(summons_id=s.pk, status__in=(
        MeasureStatus.PENDING, MeasureStatus.ACTIVE, MeasureStatus.SUSPENDED)).values_list("pk", flat=True))
    if left:
        measures.lift(actor, left, at, reason=f"appeal {appeal.number} allowed", by=by)


def _reopen(appeal: Appeal, ruled_on: date, at: datetime) -> str:
    """An allowed appeal against an application's decision: back in review for a new decision. The
    decision set aside has no effect from the ruling's day: a status it granted (e.g. `deferred`)
    ends then, not only when a new decision is made."""
    app = Application.objects.select_for_update().get(pk=appeal.subject_id)
    pack = loader.get_pack(app.pack_code)
    version = _version(pack, ruled_on)
    app.status = app_rules.ApplicationStatus.IN_REVIEW
    app.due_on = rule.reopened_due(version.casework, app.kind, ruled_on,
                                   working_calendar(pack, version, ruled_on))
    app.overdue_marked_at = None  # a new due date: the tick marks it again if that passes too
    app.save(update_fields=["status", "due_on", "overdue_marked_at"])
    latest = app.decisions.order_by("-id").first()
    ended = ""
    if latest is not None:
        latest.set_aside_by = appeal.number
        latest.save(update_fields=["set_aside_by"])
        if latest.in_effect and latest.outcome == app_rules.Outcome.GRANTED and app.kind in app_rules.STATUS_OF_KIND:
            ended = (f" The {app_rules.STATUS_OF_KIND[app.kind].replace('_', ' ')} status it granted no longer holds "
                     f"from {ruled_on}.")
        supersede(latest, app, at)
    return (f"Application {app.number} is back in review for a new decision, due by {app.due_on}"
            + ("; the measures suspended stay suspended until then." if appeal.suspended else ".") + ended)


def decide(actor: Actor, number: str, outcome: str, reason: str, at: datetime) -> dict[str, Any]:
    """Record the body's ruling: `dismissed` reinstates what the appeal suspended; `allowed` lifts
    the measures of the summons (cancelled, appeal_accepted) or the measure appealed, or sends the
    application back to review. Raises AppealError (bad input, decided already, a date before the
    filing or after now), LookupError, AccessDenied; nothing is written then."""
    reason = _text(reason)
    if outcome not in tuple(AppealOutcome):
        raise AppealError(f"the ruling must be {' or '.join(AppealOutcome)}, not {outcome!r}")
    with transaction.atomic():
        appeal = _find(number, lock=True)
        access.require(rules.may_act_on_person(actor, appeal.district))
        if appeal.status == AppealStatus.DECIDED:
            raise AppealError(f"appeal {appeal.number} is already decided: {appeal.outcome} on {appeal.decided_on}")
        _check_at("--at", at, appeal.filed_at, f"when appeal {appeal.number} was filed")
        pack = loader.get_pack(appeal.pack_code)
        ruled_on = today_in(pack, at)
        effects = rule.ruling(appeal.subject_kind, outcome)
        by = f"appeal:{appeal.number}"
        sentences = [f"Appeal {appeal.number} against {appeal.subject_kind} {appeal.subject_ref} {outcome} by the "
                     f"{appeal.body} on {ruled_on} ({appeal.legal_reference}).",
                     f"Reason given: {reason.rstrip('.')}."]
        if effects.reinstate and appeal.suspended:
            back = measures.reinstate(actor, appeal.suspended, at, reason=f"appeal {appeal.number} dismissed", by=by)
            sentences.append(f"The {len(back)} measure(s) suspended while it was heard are in force again "
                             f"from {ruled_on}.")
        if effects.cancel_summons:
            _lift_summons(actor, appeal, at, reason, by)
            sentences.append(f"Summons {appeal.subject_ref} is cancelled and its measures are lifted from {ruled_on}.")
        elif effects.lift:
            measures.lift(actor, [appeal.subject_id], at, reason=f"appeal {appeal.number} allowed", by=by)
            sentences.append(f"Measure {appeal.subject_ref} is lifted from {ruled_on}.")
        if effects.reopen_application:
            sentences.append(_reopen(appeal, ruled_on, at))
        appeal.status, appeal.outcome, appeal.reasons = AppealStatus.DECIDED, outcome, sentences
        appeal.decided_by, appeal.decided_at, appeal.decided_on = actor.who, at, ruled_on
        appeal.save(update_fields=["status", "outcome", "reasons", "decided_by", "decided_at", "decided_on"])
        _tell(appeal, EventType.APPEAL_DECIDED, at,
              {"number": appeal.number, "against": f"{appeal.subject_kind}:{appeal.subject_ref}",
               "outcome": outcome, "body": appeal.body, "reasons": sentences})
        trail.record(actor, "appeal.decided", "appeal", appeal.number, person_id=appeal.person_id,
                     purpose=f"{outcome}: {reason}"[:300])
        return _as_dict(appeal)


def _as_dict(appeal: Appeal, today: date | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": appeal.number, "level": appeal.level, "body": appeal.body, "due_on": appeal.due_on,
        "late": appeal.late, "suspends": _suspends(appeal),
        "subject": {"kind": appeal.subject_kind, "ref": appeal.subject_ref},
        "status": appeal.status, "outcome": appeal.outcome or None, "reasons": appeal.reasons,
        "decided_by": appeal.decided_by or None, "decided_at": appeal.decided_at,
        "filed_at": appeal.filed_at, "deadline": appeal.deadline, "reason": appeal.reason,
        "policy_version": appeal.policy_version}
    if today is not None:
        data["urgent"], data["overdue"] = _flags(appeal, today)
    return data


def _flags(appeal: Appeal, today: date) -> tuple[bool, bool]:
    """(urgent, overdue) of an open appeal today; a decided one is neither."""
    if appeal.status != AppealStatus.OPEN:
        return False, False
    pack = loader.get_pack(appeal.pack_code)
    version = pack.version(appeal.policy_version)
    calendar = working_calendar(pack, version, today)
    return (app_rules.urgent(version.casework, appeal.appearance_date, today, calendar),
            today > appeal.due_on)


def show(actor: Actor, number: str) -> dict[str, Any]:
    """One appeal with its subject, ruling and flags; the read is logged for the person."""
    limits.check("purpose", actor.purpose, "--purpose")
    appeal = _find(number)
    access.require(rules.may_read_person(actor, appeal.person_id, appeal.district))
    with transaction.atomic():
        access.read_person(actor, appeal.person_id, "appeal", appeal.number)
    return _as_dict(appeal, today_in(loader.get_pack(appeal.pack_code)))


def list_for_person(actor: Actor, national_id: str, pack: Pack) -> list[dict[str, Any]]:
    """A person's appeals, oldest first; the read is logged for the person."""
    person = registry.find_person(actor, national_id, pack)
    with transaction.atomic():
        access.read_person(actor, person.pk, "appeals")
    today = today_in(pack)
    return [_as_dict(a, today) for a in Appeal.objects.filter(person=person).select_related("person").order_by("id")]


def open_items(actor: Actor, pack: Pack, today: date, *, district: str | None = None, overdue: bool = False,
               urgent: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """The open appeals of the queue, soonest due first, shaped as the application queue's items
    (`number`, `kind` = "appeal", `due_on`, `urgent`, `overdue`, `assigned_to`): one district, or
    every district the actor acts in. Numbers and dates only: no person's data is read."""
    access.require(rules.may_act_on_person(actor, district) if district is not None
                   else rules.Decision(actor.all_districts or bool(actor.districts), "you act in no district"))
    qs = Appeal.objects.filter(status=AppealStatus.OPEN, pack_code=pack.code)
    if district is not None:
        qs = qs.filter(district=district)
    elif not actor.all_districts:
        qs = qs.filter(district__in=sorted(actor.districts))
    if overdue:
        qs = qs.filter(due_on__lt=today)
    version = version_in_force(pack.versions, today)
    if urgent:
        if version is None:
            return []
        cutoff = app_rules.urgent_before(version.casework, today, working_calendar(pack, version, today))
        qs = qs.filter(appearance_date__lt=cutoff)
    items = []
    for appeal in qs.select_related("assigned_to").order_by("due_on", "id")[:limit]:
        is_urgent, is_overdue = _flags(appeal, today)
        items.append({"number": appeal.number, "kind": "appeal", "due_on": appeal.due_on, "urgent": is_urgent,
                      "overdue": is_overdue,
                      "assigned_to": appeal.assigned_to.get_username() if appeal.assigned_to else None})
    return items


def assign(actor: Actor, number: str, to_user: str, officer_named: Callable[[str], Any], *,
           at: datetime) -> dict[str, Any]:
    """Give an open appeal to an officer; the actor must act in the appeal's district (checked
    before the account is looked up)."""
    with transaction.atomic():
        appeal = _find(number, lock=True)
        access.require(rules.may_act_on_person(actor, appeal.district))
        if appeal.status != AppealStatus.OPEN:
            raise AppealError(f"appeal {appeal.number} is {appeal.status}: only an open appeal can be assigned")
        appeal.assigned_to = officer_named(to_user)
        appeal.save(update_fields=["assigned_to"])
        trail.record(actor, "appeal.assign", "appeal", appeal.number, person_id=appeal.person_id,
                     purpose=f"assigned to {to_user}", at=at)
    return {"number": appeal.number, "status": appeal.status, "assigned_to": to_user}


__all__ = ["AccessDenied", "AppealError", "assign", "decide", "file", "list_for_person", "open_items", "show"]
