"""The rules of casework: which grounds an application may name, how long a granted deferment
lasts, which decisions need a second officer, when an application is due and when it is urgent.
Pure functions over the policy's casework data (muster.rules.casework_policy); "today" is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from muster.rules.casework_policy import (
    ALWAYS_SECOND_OFFICER,
    APPLICATION_KINDS,
    DECISION_OUTCOMES,
    Casework,
    Ground,
)
from muster.rules.working_days import (
    WorkingCalendar,
    add_months,
    add_working_days,
    working_days_between,
)

ONE_DAY = timedelta(days=1)


class CaseworkProblem(ValueError):
    """An application or decision the policy does not allow; the message says why, in words."""


def ground_of(casework: Casework, kind: str, code: str) -> Ground:
    """The ground `code` of application kind `kind`, or CaseworkProblem naming the known ones (and the
    kind the code belongs to, when it is another kind's)."""
    if kind not in APPLICATION_KINDS:
        raise CaseworkProblem(f"unknown application kind {kind!r}; kinds are {', '.join(APPLICATION_KINDS)}")
    found = casework.ground(kind, code)
    if found is not None:
        return found
    known = ", ".join(g.code for g in casework.grounds(kind)) or "none"
    other = next((k for k in APPLICATION_KINDS if k != kind and casework.ground(k, code) is not None), None)
    if other is not None:
        raise CaseworkProblem(f"{code!r} is a ground of {other.replace('_', ' ')}, not of {kind.replace('_', ' ')} "
                              f"(its grounds: {known})")
    raise CaseworkProblem(f"unknown {kind.replace('_', ' ')} ground {code!r}; the grounds are {known}")


@dataclass(frozen=True)
class Period:
    start: date
    until: date | None  # last day (inclusive); None: until the condition ends
    explanation: str  # how the end was set, in words


def months_last_day(start: date, months: int) -> date:
    """The last day of a period of `months` months that begins on `start`: the day before the same
    day `months` later (2026-03-15 + 12 months ends 2027-03-14), or the last day of that month where it
    has no such day (a month from 2026-01-30 or 2026-01-31 ends 2026-02-28, not 02-27)."""
    end = add_months(start, months)
    if end.day < start.day:  # clamped to a shorter month: the whole of that month is in the period
        return end
    return end - ONE_DAY


def longest_until(ground: Ground, start: date, evidence_dates: Mapping[str, date]) -> date | None:
    """The last day the ground allows for a deferment from `start` (None: no fixed end)."""
    duration = ground.duration
    if duration is None:
        return None
    cap = None
    if duration.max_months is not None:
        cap = months_last_day(start, duration.max_months)
    elif duration.max_days is not None:
        cap = start + timedelta(days=duration.max_days - 1)
    if duration.rule == "until_evidence_date" and duration.evidence_date is not None \
            and duration.evidence_date in evidence_dates:
        end = evidence_dates[duration.evidence_date]
        return end if cap is None else min(end, cap)
    return cap


def deferment_period(ground: Ground, start: date, requested_until: date | None,
                     evidence_dates: Mapping[str, date] | None = None) -> Period:
    """The period of a granted deferment from `start`: what was asked (or the longest the ground
    allows), refused with CaseworkProblem where the ask is longer than the ground allows or ends
    before it starts."""
    evidence_dates = evidence_dates or {}
    duration = ground.duration
    if duration is None:
        raise CaseworkProblem(f"ground {ground.code} states no duration")
    longest = longest_until(ground, start, evidence_dates)
    if duration.rule == "until_evidence_date" and duration.evidence_date not in evidence_dates \
            and requested_until is None:
        raise CaseworkProblem(f"ground {ground.code} lasts until the {(duration.evidence_date or '').replace('_', ' ')} "
                              f"in the evidence: give that date (--until)")
    if requested_until is not None and requested_until < start:
        raise CaseworkProblem(f"the period would end on {requested_until}, before it starts on {start}")
    if requested_until is not None and longest is not None and requested_until > longest:
        raise CaseworkProblem(f"the period asked, until {requested_until}, is longer than ground {ground.code} "
                              f"allows: at most until {longest} ({_limit_words(ground)})")
    until = requested_until if requested_until is not None else longest
    if until is not None and until < start:
        raise CaseworkProblem(f"the {(duration.evidence_date or 'end date').replace('_', ' ')} in the evidence, "
                              f"{until}, is before the period would start on {start}: nothing to defer")
    if until is None:
        return Period(start, None, f"until {duration.condition}")
    how = "as decided" if requested_until is not None else _limit_words(ground)
    return Period(start, until, how)


def _limit_words(ground: Ground) -> str:
    d = ground.duration
    assert d is not None
    parts = []
    if d.rule == "until_evidence_date":
        parts.append(f"until the {(d.evidence_date or '').replace('_', ' ')} in the evidence")
    if d.max_months is not None:
        parts.append(f"at most {d.max_months} months")
    if d.max_days is not None:
        parts.append(f"at most {d.max_days} days")
    if d.rule == "while_condition":
        parts.append(f"while {d.condition}")
    return ", ".join(parts)


def needs_second_officer(casework: Casework, kind: str, ground: str, outcome: str) -> bool:
    """Whether a decision takes effect only once a second officer confirms it: refusing alternative
    service and granting an exemption always, and whatever the policy names."""
    if outcome not in DECISION_OUTCOMES:
        raise CaseworkProblem(f"unknown outcome {outcome!r}; outcomes are {', '.join(DECISION_OUTCOMES)}")
    for rule in ALWAYS_SECOND_OFFICER + casework.second_officer:
        if rule.kind == kind and rule.outcome == outcome and rule.ground in (None, ground):
            return True
    return False


def due_on(casework: Casework, kind: str, filed_on: date, calendar: WorkingCalendar) -> date:
    """When an officer should have decided: the Nth working day after the day of filing."""
    return add_working_days(calendar, filed_on, casework.service_levels.working_days_for(kind))


def is_urgent(casework: Casework, appearance: date | None, today: date, calendar: WorkingCalendar) -> bool:
    """Urgent when the summons' appearance date is at most the threshold of working days away (or
    has passed): a decision after it comes too late to spare the person a measure."""
    if appearance is None:
        return False
    return working_days_between(calendar, today, appearance) <= casework.service_levels.urgent_within_working_days


def is_overdue(due: date, today: date, paused: bool = False) -> bool:
    """Past its due date, unless its time limit is paused (an application waiting for the person:
    its due date moves by the days it waited when it resumes, muster.casework.awaiting)."""
    return not paused and today > due
