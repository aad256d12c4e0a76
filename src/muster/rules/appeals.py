"""Appeals against a decision on an application, a summons or a measure (issue 12, "Appeals"):
which level of the pack's appeal chain a new appeal goes to, its filing deadline and whether it is
late, when the body should have ruled, what filing suspends and what a ruling does.

Pure: the facts of the subject, the earlier appeals on it and the working-day calendar are passed
in; "today" is the day of filing or ruling.

Decisions made here where the issue is silent:
- A new appeal goes to the lowest level not yet used on its subject; an officer may name a higher
  level (the ru court may be seized without the commission). A level is used once per subject,
  whatever its ruling.
- The event a deadline runs from: for level N > 1 with a ruling at level N-1, that ruling's day;
  otherwise the subject's own event (`after`): "decision" is the decision's day for an
  application, the placement for a summons (the call-up decision), the first day of a measure;
  "notice_mailed" and "summons_served" are the summons' service (for an application the decision's
  day: its notice goes out that day); "measure_applied" is a measure's first day (for a summons the
  first of its measures). An event the subject lacks falls back to its decision day.
- A body that sets its own time (a court, `decide_within` absent) still gives the appeal a due
  date: the office's service level (`decide_within_working_days`) after filing, by when an officer
  should have recorded the ruling or chased it.
- What filing suspends ("decision"): a summons' measures; a measure itself; for an application,
  its effects if any: a refused excuse leaves its summons' measures in force, so those; other
  applications have no effect a suspension could hold (a refusal grants nothing).
- An appeal that suspends the decision (ru's court) against a summons, or against a refused
  excuse for one, holds that summons while it is open: the tick does not mark it missed, so the
  measures that start on missing are not applied until the ruling (rather than applied as
  `suspended`: no partner is told of a measure that may never be, and nothing has to be undone
  if the appeal is allowed). A dismissal releases it: the next tick marks it missed, as of the
  day it was missed, and applies those measures; an allowed appeal cancels it.
- Dismissing reinstates what was suspended. Allowing: against a summons, the summons is cancelled
  with the outcome `appeal_accepted` and its measures lifted; against a measure, the measure is
  lifted; against an application, the decision is reversed: the application returns to
  `in_review` for a new decision, due the service level's working days after the ruling, and what
  the appeal suspended stays suspended until that decision (a granted excuse then lifts it).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from muster.rules.casework_policy import APPEAL_SUBJECTS, AppealLevel, Casework
from muster.rules.numbers import APPEALS
from muster.rules.numbers import BadNumber as BadNumber
from muster.rules.working_days import WorkingCalendar, add_working_days, deadline_date

NUMBER_PREFIX = APPEALS.prefix


class AppealStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class AppealOutcome(StrEnum):
    DISMISSED = "dismissed"
    ALLOWED = "allowed"


class AppealProblem(ValueError):
    """An appeal the policy does not allow, or bad input; the message says why, in words."""


format_number = APPEALS.format  # P-0000012
parse_number = APPEALS.parse  # "P-0000012", "p-12", "P12" -> 12, or BadNumber


@dataclass(frozen=True)
class Subject:
    kind: str  # one of APPEAL_SUBJECTS
    ref: str  # as given: an application or summons number, a measure id


def parse_subject(text: str) -> Subject:
    """`application:NUMBER`, `summons:NUMBER` or `measure:ID` (the --against option)."""
    kind, sep, ref = (text or "").partition(":")
    kind, ref = kind.strip().lower(), ref.strip()
    if not sep or kind not in APPEAL_SUBJECTS or not ref:
        raise AppealProblem(f"--against: expected application:NUMBER, summons:NUMBER or measure:ID, got {text!r}")
    if kind == "measure" and not ref.isdigit():
        raise AppealProblem(f"--against: a measure is named by its id (a number), got {ref!r}")
    return Subject(kind, ref)


@dataclass(frozen=True)
class PriorAppeal:
    """An appeal already filed on the same subject."""

    number: str
    level: int
    status: str  # AppealStatus
    outcome: str | None  # AppealOutcome once decided
    decided_on: date | None


def _at_level(prior: Sequence[PriorAppeal], level: int) -> PriorAppeal | None:
    return next((p for p in prior if p.level == level), None)


def entry_problem(condition: str, level: AppealLevel, chain: Sequence[AppealLevel], prior: Sequence[PriorAppeal],
                  against_refusal: bool) -> str | None:
    """Why an entry condition of `level` does not hold, as a sentence (None: it holds)."""
    below = _at_level(prior, level.level - 1)
    below_body = next((a.body for a in chain if a.level == level.level - 1), f"level {level.level - 1}")
    if condition == "previous_level_decided":
        if below is None or below.status != AppealStatus.DECIDED:
            state = "has not been appealed to" if below is None else f"has not yet ruled on appeal {below.number} to"
            return (f"level {level.level} ({level.body}) hears an appeal only after the {below_body} has ruled, "
                    f"and the subject {state} it")
        return None
    if condition == "previous_level_dismissed":
        if below is None or below.status != AppealStatus.DECIDED or below.outcome != AppealOutcome.DISMISSED:
            if below is None:
                state = "was not appealed to it"
            elif below.status != AppealStatus.DECIDED:
                state = f"appeal {below.number} is still open"
            else:
                state = f"appeal {below.number} was {below.outcome}"
            return f"level {level.level} ({level.body}) hears an appeal the {below_body} dismissed; {state}"
        return None
    if condition == "against_refusal":
        if not against_refusal:
            return f"level {level.level} ({level.body}) hears appeals against a refused application only"
        return None
    raise AppealProblem(f"unknown entry condition {condition!r}")


def choose_level(chain: Sequence[AppealLevel], prior: Sequence[PriorAppeal], *, against_refusal: bool,
                 wanted: int | None = None) -> AppealLevel:
    """The level a new appeal goes to: `wanted`, or the lowest not yet used on the subject; its
    entry conditions must hold. AppealProblem says which does not, or that the level is taken."""
    if not chain:
        raise AppealProblem("the policy in force has no appeal chain")
    levels = sorted(chain, key=lambda a: a.level)
    if wanted is not None:
        level = next((a for a in levels if a.level == wanted), None)
        if level is None:
            raise AppealProblem(f"--level: the appeal chain has levels {', '.join(str(a.level) for a in levels)}, "
                                f"not {wanted}")
        taken = _at_level(prior, wanted)
        if taken is not None:
            raise AppealProblem(f"already under appeal at level {wanted} ({level.body}): appeal {taken.number} "
                                f"({taken.status}{', ' + taken.outcome if taken.outcome else ''})")
    else:
        free = [a for a in levels if _at_level(prior, a.level) is None]
        if not free:
            used = ", ".join(f"{p.number} at level {p.level}" for p in sorted(prior, key=lambda p: p.level))
            raise AppealProblem(f"already under appeal at every level of the chain ({used})")
        level = free[0]
    problems = [p for p in (entry_problem(c, level, levels, prior, against_refusal) for c in level.entry) if p]
    if problems:
        raise AppealProblem("; ".join(problems))
    return level


@dataclass(frozen=True)
class SubjectDates:
    """The days a subject's deadlines may run from (see the module's docstring)."""

    decision: date  # the decision's day, the summons' placement, the measure's first day
    served: date | None = None  # the summons' service
    measure_applied: date | None = None  # the (first) measure's first day


def deadline_event(level: AppealLevel, dates: SubjectDates, prior: Sequence[PriorAppeal]) -> tuple[date, str]:
    """The day the filing deadline of `level` runs from, and the event in words."""
    below = _at_level(prior, level.level - 1)
    if level.level > 1 and below is not None and below.decided_on is not None:
        return below.decided_on, f"the ruling on appeal {below.number}"
    after = level.deadline.after
    if after in ("notice_mailed", "summons_served") and dates.served is not None:
        return dates.served, "service of the summons"
    if after == "measure_applied" and dates.measure_applied is not None:
        return dates.measure_applied, "the measure's first day"
    return dates.decision, "the decision"


def filing_deadline(level: AppealLevel, event_day: date, calendar: WorkingCalendar) -> date:
    """The last day to file at `level`."""
    return deadline_date(level.deadline.count, level.deadline.unit, event_day, calendar)


def is_late(filed_on: date, deadline: date) -> bool:
    """Filed after its last day: recorded all the same, and marked late."""
    return filed_on > deadline


def due_date(casework: Casework, level: AppealLevel, filed_on: date, calendar: WorkingCalendar) -> date:
    """When the body should have ruled: `decide_within` after the day of filing, or, for a body that
    sets its own time, the office's service level in working days."""
    if level.decide_within is not None:
        return deadline_date(level.decide_within.count, level.decide_within.unit, filed_on, calendar)
    return add_working_days(calendar, filed_on, casework.service_levels.decide_within_working_days)


@dataclass(frozen=True)
class MeasureFacts:
    id: int
    kind: str
    status: str


def suspends_anything(level: AppealLevel, suspend: bool | None) -> bool:
    """Whether filing at `level` suspends: never for "nothing"; always when automatic; at the
    filing officer's word (`suspend`, default no) when discretionary."""
    if level.suspends == "nothing":
        return False
    if level.suspension == "discretionary":
        return bool(suspend)
    return True


def holds_summons(level: AppealLevel, subject_kind: str, suspend: bool | None, *,
                  against_effects: bool = False) -> bool:
    """Whether filing at `level` holds the subject's summons where it is until the ruling (see the
    module's docstring): the level suspends the decision, and the appeal is against the summons or
    an application whose decision has effects on it (`against_effects`, application_effects)."""
    if level.suspends != "decision" or not suspends_anything(level, suspend):
        return False
    return subject_kind == "summons" or (subject_kind == "application" and against_effects)


def watches_summons(level: AppealLevel, subject_kind: str, suspend: bool | None, *,
                    against_effects: bool = False) -> bool:
    """Whether filing at `level` also suspends the named measures that start on the subject's
    summons after the filing, while the appeal is open: a level that suspends measures, against a
    summons or an application whose decision has effects on it. (A measure appealed by itself is the
    only one that appeal suspends.)"""
    if level.suspends != "measures" or not suspends_anything(level, suspend):
        return False
    return subject_kind == "summons" or (subject_kind == "application" and against_effects)


def newly_held(kinds: Sequence[str], measures: Sequence[MeasureFacts], already: Collection[int]) -> tuple[int, ...]:
    """Of the measures on a summons an open appeal watches, those to suspend now: active, of the
    appeal's `kinds` (empty: every kind), and not suspended by it before."""
    wanted = set(kinds)
    return tuple(sorted(m.id for m in measures
                        if m.status == "active" and m.id not in already and (not wanted or m.kind in wanted)))


def summons_held(appeal_statuses: Sequence[str]) -> bool:
    """Whether the appeals holding a summons (their statuses) keep the tick from marking it
    missed: while any of them is open."""
    return any(status == AppealStatus.OPEN for status in appeal_statuses)


def application_effects(kind: str, outcome: str | None) -> bool:
    """Whether an appealed application's decision has effects a suspension holds: a refused
    excuse leaves its summons' measures in force."""
    return kind == "excuse" and outcome == "refused"


def measures_to_suspend(level: AppealLevel, measures: Sequence[MeasureFacts], suspend: bool | None) -> tuple[int, ...]:
    """The measures resting on the subject that filing suspends: the active ones (of
    `measure_kinds`, when the level suspends named kinds and names any)."""
    if not suspends_anything(level, suspend):
        return ()
    kinds = set(level.measure_kinds) if level.suspends == "measures" and level.measure_kinds else None
    return tuple(sorted(m.id for m in measures if m.status == "active" and (kinds is None or m.kind in kinds)))


@dataclass(frozen=True)
class Ruling:
    """What a ruling does (see the module's docstring)."""

    reinstate: bool = False  # the measures the appeal suspended
    lift: bool = False  # the measures the appeal is against (a summons' or the measure)
    cancel_summons: bool = False  # the outcome appeal_accepted
    reopen_application: bool = False  # back to in_review for a new decision


def ruling(subject_kind: str, outcome: str) -> Ruling:
    if outcome == AppealOutcome.DISMISSED:
        return Ruling(reinstate=True)
    if outcome != AppealOutcome.ALLOWED:
        raise AppealProblem(f"the ruling must be dismissed or allowed, not {outcome!r}")
    if subject_kind == "summons":
        return Ruling(lift=True, cancel_summons=True)
    if subject_kind == "measure":
        return Ruling(lift=True)
    if subject_kind == "application":
        return Ruling(reopen_application=True)
    raise AppealProblem(f"unknown subject {subject_kind!r}")


def reopened_due(casework: Casework, kind: str, ruled_on: date, calendar: WorkingCalendar) -> date:
    """A reopened application's new due date: its kind's service level after the ruling."""
    return add_working_days(calendar, ruled_on, casework.service_levels.working_days_for(kind))


def filing_sentence(level: AppealLevel, subject: str, deadline: date, event: str, late: bool,
                    suspended: int) -> str:
    """What the person is told of the filing."""
    when = f"after the last day to appeal, {deadline} ({event}); it is recorded as late" if late \
        else f"within the time allowed (until {deadline})"
    held = f"; {suspended} measure(s) are suspended until the ruling" if suspended else ""
    return f"Appeal against {subject} filed with the {level.body} ({level.legal_reference}) {when}{held}."
