"""Waiting for the person: an officer asks for what is missing (the application is then
`awaiting_person` and the person gets a message saying what), and new evidence or an officer's
`resume` brings it back to `in_review`. The time limit pauses while it waits: on resuming, the due
date moves by the working days spent waiting (muster.rules.applications.resumed_due).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from muster.audit import access, trail
from muster.casework import evidence
from muster.casework.applications import CaseworkError, EvidenceInput, check_instant, find
from muster.casework.models import EvidenceFile
from muster.delivery.models import PersonMessage
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.ledger.models import Event
from muster.policy import loader
from muster.policy.calendar import working_calendar
from muster.rules import access as rules
from muster.rules import limits
from muster.rules.applications import ApplicationStatus, resumed_due
from muster.rules.policy import version_in_force
from muster.rules.vocabulary import EventType
from muster.rules.working_days import working_days_between

TOPIC = str(EventType.APPLICATION_AWAITING)
ASKABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)


def request(actor: Actor, number: str, what: str, at: datetime) -> dict[str, Any]:
    """Ask the person for what is missing: the application waits for them, and they are told."""
    what = (what or "").strip()
    if not what:
        raise CaseworkError("--what: say what is missing")
    try:
        limits.check("reason", what, "--what")
    except limits.TooLong as exc:
        raise CaseworkError(str(exc)) from None
    with transaction.atomic():
        app = find(number, for_update=True)
        access.require(rules.may_act_on_person(actor, app.district))
        if app.status not in ASKABLE:
            raise CaseworkError(f"application {app.number} is {app.status.replace('_', ' ')}: only an application "
                                "submitted or in review can wait for the person")
        check_instant("--at", at, app.submitted_at, f"when application {app.number} was submitted")
        pack = loader.get_pack(app.pack_code)
        app.status, app.awaiting_since = ApplicationStatus.AWAITING_PERSON, today_in(pack, at)
        app.overdue_marked_at = None  # paused, so not overdue; the tick marks it again if it is once resumed
        app.save(update_fields=["status", "awaiting_since", "overdue_marked_at"])
        details = {"application": app.number, "kind": app.kind, "what": what,
                   "text": f"Application {app.number} waits for you: {what.rstrip('.')}. Its time limit is "
                           "paused until you send it."}
        event = Event.objects.create(type=TOPIC, person_id=app.person_id, summons_id=app.summons_id,
                                     payload=details, occurred_at=at)
        email = app.person.email
        PersonMessage.objects.create(person_id=app.person_id, event_id=event.pk, topic=TOPIC, details=details,
                                     created_at=at, email_state="queued" if email else "none", attempts=0,
                                     next_attempt_at=at if email else None)
        trail.record(actor, "application.request", "application", app.number, person_id=app.person_id,
                     purpose=what[:300], at=at)
    return {"number": app.number, "status": app.status, "what": what, "awaiting_since": app.awaiting_since}


def resume(actor: Actor, number: str, at: datetime, files: Sequence[EvidenceInput] = ()) -> dict[str, Any]:
    """Back to review, with the person's new evidence if any (the person themself may send it);
    the due date moves by the working days spent waiting."""
    stored = []
    for f in files:
        try:
            stored.append(evidence.store(f.name, f.data))
        except evidence.EvidenceRejected as exc:
            raise CaseworkError(f"--evidence: {exc}") from None
    with transaction.atomic():
        app = find(number, for_update=True)
        access.require(rules.may_apply(actor, app.person_id, app.district))
        if app.status != ApplicationStatus.AWAITING_PERSON or app.awaiting_since is None:
            raise CaseworkError(f"application {app.number} is {app.status.replace('_', ' ')}: it is not waiting "
                                "for the person")
        check_instant("--at", at, app.submitted_at, f"when application {app.number} was submitted")
        pack = loader.get_pack(app.pack_code)
        resumed_on = today_in(pack, at)
        if resumed_on < app.awaiting_since:
            raise CaseworkError(f"--at: {resumed_on} is before the request of {app.awaiting_since}")
        version = version_in_force(pack.versions, resumed_on) or pack.version(app.policy_version)
        calendar = working_calendar(pack, version, resumed_on)
        paused_from = app.awaiting_since
        app.due_on = resumed_due(calendar, app.due_on, paused_from, resumed_on)
        app.status, app.awaiting_since = ApplicationStatus.IN_REVIEW, None
        if app.due_on >= resumed_on:
            app.overdue_marked_at = None  # not overdue under its new due date
        app.save(update_fields=["status", "awaiting_since", "due_on", "overdue_marked_at"])
        EvidenceFile.objects.bulk_create([
            EvidenceFile(application=app, person_id=app.person_id, name=s.name[:255], sha256=s.sha256, size=s.size,
                         type=s.type) for s in stored])
        trail.record(actor, "application.resume", "application", app.number, person_id=app.person_id,
                     purpose=f"waited from {paused_from}; {len(stored)} new evidence file(s)", at=at)
    return {"number": app.number, "status": app.status, "due_on": app.due_on,
            "paused_working_days": max(0, working_days_between(calendar, paused_from, resumed_on))}
