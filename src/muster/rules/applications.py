"""Applications and decisions beyond the policy's grounds (muster.rules.casework): their numbers,
statuses and channels, the sentences a decision gives as its reasons, the status a granted
application puts on the person, and the date cut-offs the work queue and the tick filter by, so
that their SQL is plain date comparisons. Pure: "today" and the calendar are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from muster.rules.casework import Period, is_urgent
from muster.rules.casework_policy import AppealLevel, Casework, Ground
from muster.rules.numbers import APPLICATIONS
from muster.rules.numbers import BadNumber as BadNumber
from muster.rules.working_days import (
    WorkingCalendar,
    add_working_days,
    deadline_date,
    working_days_between,
)

NUMBER_PREFIX = APPLICATIONS.prefix
REMIND_DAYS_BEFORE_END = 30
format_number = APPLICATIONS.format  # A-0000123
parse_number = APPLICATIONS.parse  # "A-0000123", "a-123", "A123" -> 123, or BadNumber


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    AWAITING_PERSON = "awaiting_person"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


# The statuses of an application still waiting for a decision (the work queue's).
OPEN_APPLICATIONS = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.AWAITING_PERSON)
# Those whose time limit runs: one waiting for the person is paused, never overdue.
RUNNING_APPLICATIONS = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)


class ApplicationChannel(StrEnum):
    PORTAL = "portal"
    OFFICE = "office"
    POST = "post"
    PARTNER = "partner"


class Outcome(StrEnum):
    """A decision's outcome. An officer grants or refuses; `ended` is straight-through processing's
    decision that a deferment in force ends because its register says its ground no longer holds
    (muster.casework.stp). Like a refusal it goes against the person: it states the appeal route
    and deadline, and an appeal against it is an appeal against an adverse decision."""

    GRANTED = "granted"
    REFUSED = "refused"
    ENDED = "ended"


# What an officer may decide (`application decide`), and what a person-facing verb means.
OFFICER_OUTCOMES = (Outcome.GRANTED, Outcome.REFUSED)
VERBS = {"grant": Outcome.GRANTED, "refuse": Outcome.REFUSED}
# The outcomes that go against the person: they state the appeal route, and an appeal against them
# meets an `against_refusal` entry condition.
ADVERSE_OUTCOMES = (Outcome.REFUSED, Outcome.ENDED)

# The registry status a granted application puts on the person (excuses and corrections put none).
STATUS_OF_KIND = {"deferment": "deferred", "exemption": "exempt", "alternative_service": "alternative_service"}


@dataclass(frozen=True)
class LatestDecision:
    """What deciding again depends on: the application's latest decision."""

    outcome: str
    decided_on: date
    awaiting_confirmation: bool  # a second officer has yet to confirm it
    set_aside_by: str  # the allowed appeal (P-…) that reopened the application, or ""


def resumed_due(calendar: WorkingCalendar, due_on: date, waiting_from: date, resumed_on: date) -> date:
    """The due date of an application back in review after waiting for the person: the time
    limit pauses while it waits, so the due date moves by the working days spent waiting (those
    after the day of the request, up to and including the day it resumed)."""
    return add_working_days(calendar, due_on, max(0, working_days_between(calendar, waiting_from, resumed_on)))


def decide_problem(number: str, status: str, latest: LatestDecision | None) -> str | None:
    """Why the application cannot be decided now, or None. A second decision is allowed only on an
    application an allowed appeal reopened (its latest decision set aside, the application open)."""
    if latest is not None and latest.awaiting_confirmation:
        return (f"application {number} is decided already ({latest.outcome}), waiting for a second "
                "officer's confirmation")
    if latest is not None and latest.set_aside_by and status in OPEN_APPLICATIONS:
        return None
    if latest is not None or status == ApplicationStatus.DECIDED:
        return f"application {number} is decided already" + (
            f" ({latest.outcome} on {latest.decided_on})" if latest else "")
    if status not in OPEN_APPLICATIONS:
        return f"application {number} is {status.replace('_', ' ')}: nothing to decide"
    return None


def open_statuses() -> tuple[str, ...]:
    return tuple(str(s) for s in OPEN_APPLICATIONS)


def running_statuses() -> tuple[str, ...]:
    """The open statuses whose time limit runs: only these can be overdue."""
    return tuple(str(s) for s in RUNNING_APPLICATIONS)


def is_paused(status: str) -> bool:
    return status == ApplicationStatus.AWAITING_PERSON


def urgent_before(casework: Casework, today: date, calendar: WorkingCalendar) -> date:
    """Applications whose summons' appearance date lies before this day are urgent today: the
    cut-off that makes muster.rules.casework.is_urgent a date comparison (appearance < cut-off)."""
    return add_working_days(calendar, today, casework.service_levels.urgent_within_working_days + 1)


def urgent(casework: Casework, appearance: date | None, today: date, calendar: WorkingCalendar) -> bool:
    """As muster.rules.casework.is_urgent (named here for the queue's readers)."""
    return is_urgent(casework, appearance, today, calendar)


def remind_from(period_until: date) -> date:
    """The day the person is reminded that a deferment ends (30 days before its last day)."""
    return period_until - timedelta(days=REMIND_DAYS_BEFORE_END)


def reminder_due(period_until: date | None, today: date) -> bool:
    """Remind on or after remind_from, while the deferment has not ended."""
    return period_until is not None and remind_from(period_until) <= today <= period_until


def status_reason(kind: str, ground: Ground, period: Period | None, number: str) -> str:
    """The registry status's reason, as liability shows it:
    "deferred: full-time study until 2027-06-30 (decision A-0000123)"."""
    status = STATUS_OF_KIND[kind].replace("_", " ")
    what = short_name(ground)
    if period is not None and period.until is not None:
        return f"{status}: {what} until {period.until} (decision {number})"
    if period is not None:
        return f"{status}: {what}, {period.explanation} (decision {number})"
    return f"{status}: {what} (decision {number})"


def short_name(ground: Ground) -> str:
    """The ground's name in lower case, without the closing qualification ("for the standard term
    of the programme"): what a one-line reason needs."""
    name = ground.name.split(" for the standard term")[0]
    return name[:1].lower() + name[1:]


@dataclass(frozen=True)
class Reasons:
    sentences: tuple[str, ...]
    legal_basis: str


def decision_reasons(kind: str, ground: Ground, outcome: str, period: Period | None, officer_reason: str,
                     *, appeal: AppealLevel | None, appeal_deadline: date | None, appeal_route: str = "",
                     summons_number: str | None = None, duty_after: str = "",
                     criteria: tuple[str, ...] = (), ends: str = "") -> Reasons:
    """The reasons of a decision as sentences a person can read: what was decided on which ground
    and its legal reference, the period, the officer's (or the criteria's) reason, and for a refusal
    or an end (of the deferment of decision `ends`, on period.until) the appeal route and deadline."""
    kind_words = kind.replace("_", " ")
    ref = f" ({ground.legal_reference})" if ground.legal_reference else ""
    sentences = [f"{kind_words.capitalize()} {outcome} on the ground: {ground.name}{ref}."]
    if outcome == Outcome.ENDED and period is not None and period.until is not None:
        sentences.append(f"The {kind_words} of decision {ends or 'in force'} ends on {period.until}; the person "
                         f"is liable again from {period.until + timedelta(days=1)}.")
    if outcome == Outcome.GRANTED:
        if kind == "deferment" and period is not None and period.until is not None:
            sentences.append(f"The deferment runs from {period.start} until {period.until} inclusive "
                             f"({period.explanation}); the person is liable again from "
                             f"{period.until + timedelta(days=1)}.")
        elif kind == "deferment" and period is not None:
            sentences.append(f"The deferment runs from {period.start} {period.explanation}.")
        elif kind in ("exemption", "alternative_service") and period is not None:
            sentences.append(f"It takes effect on {period.start}, with no end.")
        if kind == "excuse" and summons_number:
            sentences.append(f"Summons {summons_number} is closed as excused and the measures resting on it "
                             f"are lifted from {period.start if period else 'today'}.")
            if duty_after:
                sentences.append(duty_after.rstrip(".") + ".")
        if kind == "alternative_service":
            sentences.append("The person is called up for alternative civilian service, not for military service.")
    sentences.extend(f"Criterion met: {c}." for c in criteria)
    if officer_reason.strip():
        sentences.append(f"Reason given: {officer_reason.strip().rstrip('.')}.")
    if outcome in ADVERSE_OUTCOMES:
        if appeal_route and appeal is None:
            sentences.append(f"The refusal may be appealed to the {appeal_route}.")
        elif appeal is not None and appeal_deadline is not None:
            sentences.append(f"The decision may be appealed to the {appeal.body} ({appeal.legal_reference}) "
                             f"until {appeal_deadline} inclusive.")
        elif appeal_route:
            sentences.append(f"The refusal may be appealed to the {appeal_route}.")
    return Reasons(tuple(sentences), ground.legal_reference)


def appeal_deadline_of(casework: Casework, decided_on: date, calendar: WorkingCalendar) -> date | None:
    """The last day to appeal at level 1 (the pack's first appeal level), or None without one."""
    level = casework.level(1)
    if level is None:
        return None
    return deadline_date(level.deadline.count, level.deadline.unit, decided_on, calendar)
