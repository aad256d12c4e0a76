"""The time to appeal, for the portal (issue 13, "Appeal"): for a decision, summons or measure of
the person's, the level an appeal would go to now, its last day, what that day runs from, and
whether filing today is late and what that means (muster.rules.appeal_window). The same rules as
filing (muster.casework.appeals.file), so what the page shows is what filing records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from muster.audit import access
from muster.casework import appeals
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.policy.calendar import working_calendar
from muster.rules import access as rules
from muster.rules import appeals as rule
from muster.rules.appeal_window import window


def appeal_window(actor: Actor, against: str, now: datetime) -> dict[str, Any]:
    """{subject, can_appeal, level, body, legal_reference, deadline, runs_from, event, late,
    days_left, explanation} for `application:A-…`, `summons:NUMBER` or `measure:ID`; when no level
    is open (every level used, or an entry condition fails) `can_appeal` is false and `explanation`
    says why. AppealError (malformed), LookupError (no such subject), AccessDenied (not the
    person's, or an officer without a purpose or outside their districts). The read is logged."""
    try:
        wanted = rule.parse_subject(against)
    except rule.AppealProblem as exc:
        raise appeals.AppealError(str(exc)) from None
    with transaction.atomic():
        subject = appeals._subject(wanted)
        access.require(rules.may_read_person(actor, subject.person_id, subject.district))
        access.read_person(actor, subject.person_id, "appeal_window", f"{subject.kind}:{subject.ref}", at=now)
        today = today_in(subject.pack, now)
        version = appeals._version(subject.pack, today)
        prior = appeals._prior(subject.kind, subject.id)
        base = {"subject": {"kind": subject.kind, "ref": subject.ref, "what": subject.what}}
        try:
            chosen = rule.choose_level(version.casework.appeals, prior, against_refusal=subject.against_refusal)
        except rule.AppealProblem as exc:
            return {**base, "can_appeal": False, "explanation": f"You cannot appeal {subject.what} now: {exc}."}
        event_day, event_words = rule.deadline_event(chosen, subject.dates, prior)
        deadline = rule.filing_deadline(chosen, event_day, working_calendar(subject.pack, version, today))
    w = window(deadline=deadline, runs_from=event_day, event=event_words, body=chosen.body, today=today)
    return {**base, "can_appeal": True, "level": chosen.level, "body": chosen.body,
            "legal_reference": chosen.legal_reference, "deadline": w.deadline, "runs_from": w.runs_from,
            "event": w.event, "late": w.late, "days_left": w.days_left, "explanation": w.explanation}


def file_appeal(actor: Actor, against: str, reason: str, at: datetime) -> dict[str, Any]:
    """File the appeal the window describes (muster.casework.appeals.file, the person themself
    allowed): {number, level, body, due_on, late, suspends}."""
    return appeals.file(actor, against, reason, at)
