"""Applications: filed by a person (portal), at the office or by post (an officer), or from a
partner's register (the system); shown, listed and withdrawn. Each call takes an Actor, is checked
against muster.rules.access and written to the audit trail; every read of an application is a
read of the person's record, logged in their access log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from muster.audit import access, trail
from muster.casework import evidence
from muster.casework.models import Application, Decision, EvidenceFile
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.partners.models import RegisterFact
from muster.partners.stp_batch import reasons_of
from muster.policy import loader
from muster.policy import mode as policy_mode
from muster.policy.calendar import working_calendar
from muster.registry import records
from muster.registry import services as registry
from muster.registry.models import Person
from muster.rules import access as rules
from muster.rules import limits
from muster.rules.applications import (
    OPEN_APPLICATIONS,
    ApplicationChannel,
    ApplicationStatus,
    BadNumber,
    format_number,
    is_paused,
    parse_number,
)
from muster.rules.casework import (
    CaseworkProblem,
    deferment_period,
    due_on,
    ground_of,
    is_overdue,
    is_urgent,
)
from muster.rules.instants import instant_problem
from muster.rules.notice_numbers import InvalidNumber, format_summons_number
from muster.rules.outcomes import OutcomeRefused, check_outcome
from muster.rules.policy import Pack, PolicyVersion, version_in_force
from muster.rules.vocabulary import OPEN_SUMMONS, Purpose
from muster.summons import outcomes
from muster.summons.models import Summons
from muster.summons.services import known_now


class CaseworkError(ValueError):
    """Input casework does not take; the message names the option or field and says why."""


class ApplicationNotFound(LookupError):
    pass


@dataclass(frozen=True)
class EvidenceInput:
    name: str
    data: bytes


def find(number: str, *, for_update: bool = False) -> Application:
    """The application a printed number names: BadNumber, or ApplicationNotFound."""
    pk = parse_number(number)
    rows = Application.objects.select_related("summons", "assigned_to")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    app = rows.filter(pk=pk).first()
    if app is None:
        raise ApplicationNotFound(f"no application {format_number(pk)}")
    return app


def version_for(pack: Pack, day: date) -> PolicyVersion:
    version = version_in_force(pack.versions, day)
    if version is None:
        raise CaseworkError(f"no policy of pack {pack.code} is in force on {day}")
    return version


def check_instant(option: str, at: datetime, not_before: datetime | None, what: str) -> None:
    """`at` may lie neither before `not_before` nor after now (the database's clock) plus the skew."""
    problem = instant_problem(at, now=known_now(), skew=policy_mode.skew(), not_before=not_before,
                              not_before_what=what)
    if problem:
        raise CaseworkError(f"{option} {problem}")


def _birth(person: Person, pack: Pack) -> datetime | None:
    if person.birth_date is None:
        return None
    return datetime.combine(person.birth_date, time(0), tzinfo=ZoneInfo(pack.time_zone))


def _excused_summons(person: Person, kind: str, summons_number: str | None) -> Summons | None:
    if kind != "excuse":
        if summons_number:
            raise CaseworkError("--summons: only an excuse names a summons")
        return None
    if not summons_number:
        raise CaseworkError("--summons: an excuse names the summons it excuses")
    try:
        summons = outcomes.find(summons_number)
    except InvalidNumber as exc:
        raise CaseworkError(f"--summons: {exc}") from None
    except LookupError as exc:
        raise CaseworkError(f"--summons: {exc}") from None
    shown = format_summons_number(summons.number)
    if summons.person_id != person.pk:
        raise CaseworkError(f"--summons: summons {shown} is not this person's")
    try:
        check_outcome(summons.status, "excused")
    except OutcomeRefused as exc:
        raise CaseworkError(f"--summons: summons {shown} cannot be excused: {exc}") from None
    return summons


def _next_appearance(person: Person) -> date | None:
    """The earliest appearance date of the person's open call-up summonses (urgency of a deferment)."""
    return (Summons.objects.filter(person=person, status__in=OPEN_SUMMONS, campaign__purpose=Purpose.CALL_UP)
            .order_by("appearance_date").values_list("appearance_date", flat=True).first())


def submit(actor: Actor, pack: Pack, national_id: str, kind: str, ground: str, *, summons_number: str | None = None,
           files: Sequence[EvidenceInput] = (), requested_until: date | None = None, at: datetime,
           channel: str = ApplicationChannel.OFFICE) -> dict[str, Any]:
    """File an application. Checked before anything is written: the ground is one of the kind's in
    the policy in force on the day of filing; an excuse names a summons of this person's that can
    still be excused; a deferment's period is one its ground allows; `at` lies neither before the
    person's birth nor after now; every evidence file is taken. The application, its evidence and
    its audit record are written in one transaction; its due date is the Nth working day after
    filing (the policy's service levels, the pack's working-day calendar)."""
    if channel not in set(ApplicationChannel):
        raise CaseworkError(f"--channel: expected one of {', '.join(ApplicationChannel)}, got {channel!r}")
    person = records.find(national_id, pack)
    access.require(rules.may_apply(actor, person.pk, person.district))
    check_instant("--at", at, _birth(person, pack), "the person's birth")
    filed_on = today_in(pack, at)
    version = version_for(pack, filed_on)
    try:
        found = ground_of(version.casework, kind, ground)
    except CaseworkProblem as exc:
        raise CaseworkError(f"--ground: {exc} (policy {version.code})") from None
    summons = _excused_summons(person, kind, summons_number)
    if requested_until is not None:
        if kind != "deferment":
            raise CaseworkError("--until: only a deferment asks for a period")
        try:
            deferment_period(found, filed_on, requested_until)
        except CaseworkProblem as exc:
            raise CaseworkError(f"--until: {exc}") from None
    stored = []
    for f in files:
        try:
            stored.append(evidence.store(f.name, f.data))
        except evidence.EvidenceRejected as exc:
            raise CaseworkError(f"--evidence: {exc}") from None
    calendar = working_calendar(pack, version, filed_on)
    appearance = summons.appearance_date if summons is not None else _next_appearance(person)
    with transaction.atomic():
        app = Application.objects.create(
            person=person, kind=kind, ground=found.code, channel=channel, summons=summons,
            appearance_date=appearance, status=ApplicationStatus.SUBMITTED, submitted_at=at, submitted_on=filed_on,
            due_on=due_on(version.casework, kind, filed_on, calendar), district=person.district or "",
            requested_until=requested_until, pack_code=pack.code, policy_version=version.code,
            created_by=actor.who)
        EvidenceFile.objects.bulk_create([
            EvidenceFile(application=app, person=person, name=s.name[:255], sha256=s.sha256, size=s.size, type=s.type)
            for s in stored])
        trail.record(actor, "application.submit", "application", app.number, person_id=person.pk,
                     purpose=f"{kind} on ground {found.code} by {channel}", at=at)
        # A ground a straight-through rule covers, with a recent register fact that meets it: decided
        # at once by system:stp (muster.casework.stp_submit), in the filing's transaction.
        from muster.casework.stp_submit import decide_at_submit

        decision = decide_at_submit(app, pack, version, at)
    status = ApplicationStatus.DECIDED if decision is not None else app.status
    return {"number": app.number, "status": status, "due_on": app.due_on, "decision": decision}


def decision_dict(d: Decision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"outcome": d.outcome, "reasons": list(d.reasons), "legal_basis": d.legal_basis,
            "decided_by": d.decided_by, "decided_at": d.decided_at, "period_from": d.period_from,
            "period_until": d.period_until, "policy_version": d.policy_version,
            "appeal_deadline": d.appeal_deadline, "needs_confirmation": d.needs_confirmation,
            "confirmed_by": d.confirmed_by or None, "confirmed_at": d.confirmed_at, "in_effect": d.in_effect}


def latest_decision(app: Application) -> Decision | None:
    return app.decisions.order_by("-id").first()


def is_open(app: Application) -> bool:
    return app.status in set(OPEN_APPLICATIONS)


def flags(app: Application, pack: Pack, today: date) -> tuple[bool, bool]:
    """(urgent, overdue) today; a closed application is neither."""
    if not is_open(app):
        return False, False
    version = pack.version(app.policy_version)
    calendar = working_calendar(pack, version, today)
    return is_urgent(version.casework, app.appearance_date, today, calendar), is_overdue(app.due_on, today, is_paused(app.status))


def show(actor: Actor, number: str) -> dict[str, Any]:
    """One application with its evidence and decision; the read is logged for the person."""
    limits.check("purpose", actor.purpose, "--purpose")
    app = find(number)
    access.require(rules.may_read_person(actor, app.person_id, app.district))
    with transaction.atomic():
        access.read_person(actor, app.person_id, "application", app.number)
    pack = loader.get_pack(app.pack_code)
    urgent, overdue = flags(app, pack, today_in(pack, known_now()))
    return {
        "number": app.number, "person": pack.id_scheme.display(app.person.national_id), "kind": app.kind,
        "ground": app.ground, "status": app.status, "submitted_at": app.submitted_at, "due_on": app.due_on,
        "urgent": urgent, "overdue": overdue, "channel": app.channel, "district": app.district,
        "summons": format_summons_number(app.summons.number) if app.summons else None,
        "requested_until": app.requested_until,
        "assigned_to": app.assigned_to.get_username() if app.assigned_to else None,
        "evidence": [{"name": e.name, "sha256": e.sha256, "size": e.size, "type": e.type}
                     for e in app.evidence.order_by("id")],
        "decision": decision_dict(latest_decision(app)),
        "register_facts": register_facts_of(pack, app),
    }


def register_facts_of(pack: Pack, app: Application) -> list[dict[str, Any]]:
    """The partner registers' facts behind an application (straight-through processing): what the
    register said, and why no rule decided it where an officer does (the fact's note)."""
    out = []
    for fact in RegisterFact.objects.filter(application_number=app.number).order_by("id"):
        out.append({"source": fact.source, "facts": fact.facts, "observed_at": fact.observed_at,
                    "received_at": fact.received_at, "outcome": fact.outcome, "note": fact.note,
                    "reasons": reasons_of(pack, fact)})
    return out


def read_evidence(actor: Actor, application_number: str, sha256: str) -> bytes:
    """The bytes of one evidence file of an application, for the person themself or an officer of
    the district with a purpose; every read is written to the person's access log (SPEC 2: a
    person sees who read their papers). ApplicationNotFound when the application has no such file."""
    limits.check("purpose", actor.purpose, "--purpose")
    app = find(application_number)
    access.require(rules.may_read_person(actor, app.person_id, app.district))
    digest = (sha256 or "").strip().lower()
    if not app.evidence.filter(sha256=digest).exists():
        raise ApplicationNotFound(f"application {app.number} has no evidence file {digest[:12]!r}…")
    try:
        data = evidence.read(digest)
    except evidence.EvidenceRejected as exc:
        raise CaseworkError(str(exc)) from None
    with transaction.atomic():
        access.read_person(actor, app.person_id, "evidence", f"{app.number}:{digest[:40]}")
    return data


def list_for_person(actor: Actor, pack: Pack, national_id: str) -> dict[str, Any]:
    """A person's applications, oldest first; the read is logged for the person."""
    person = registry.find_person(actor, national_id, pack)
    with transaction.atomic():
        access.read_person(actor, person.pk, "applications", str(person.pk))
    items = []
    for app in Application.objects.filter(person=person).order_by("id"):
        d = latest_decision(app)
        items.append({"number": app.number, "kind": app.kind, "ground": app.ground, "status": app.status,
                      "submitted_at": app.submitted_at, "due_on": app.due_on,
                      "outcome": d.outcome if d is not None else None,
                      "period_until": d.period_until if d is not None else None})
    return {"person": pack.id_scheme.display(person.national_id), "items": items}


def withdraw(actor: Actor, number: str, at: datetime, reason: str = "") -> dict[str, Any]:
    """The person (or an officer for them) withdraws an application not yet decided."""
    limits.check("reason", reason, "--reason")
    with transaction.atomic():
        app = find(number, for_update=True)
        access.require(rules.may_apply(actor, app.person_id, app.district))
        if not is_open(app):
            raise CaseworkError(f"application {app.number} is {app.status.replace('_', ' ')}: "
                                "only an application not yet decided can be withdrawn")
        if app.decisions.exists():
            raise CaseworkError(f"application {app.number} has a decision waiting for a second officer; "
                                "it can no longer be withdrawn")
        check_instant("--at", at, app.submitted_at, f"when application {app.number} was submitted")
        app.status, app.withdrawn_at = ApplicationStatus.WITHDRAWN, at
        app.save(update_fields=["status", "withdrawn_at"])
        trail.record(actor, "application.withdraw", "application", app.number, person_id=app.person_id,
                     purpose=reason or "withdrawn", at=at)
    return {"number": app.number, "status": app.status}


__all__ = ["ApplicationNotFound", "BadNumber", "CaseworkError", "EvidenceInput", "find", "list_for_person",
           "show", "submit", "withdraw"]
