"""What a policy version says about casework: the grounds a person may apply on, fitness categories,
valid excuses, alternative civilian service, the appeal chain, service levels, the working-day
calendar and the straight-through rules. Plain frozen data, parsed by muster.rules.casework_schema;
the rules that use it are in muster.rules.casework and muster.rules.working_days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

APPLICATION_KINDS = ("deferment", "exemption", "alternative_service", "excuse", "correction")
DECISION_OUTCOMES = ("granted", "refused")

# How long a granted deferment lasts.
DURATION_RULES = (
    "fixed",                # at most max_months / max_days from its start
    "until_evidence_date",  # until a date in the evidence (evidence_date names the field), capped by any maximum
    "while_condition",      # until the condition ends (a register or an officer ends it); no end date
)
FITNESS_OUTCOMES = ("liable", "exempt_reserve", "deferred", "released")
DEADLINE_UNITS = ("days", "working_days", "months")
# The event a deadline counts from.
DEADLINE_EVENTS = ("decision", "filing", "filing_deadline", "notice_mailed", "summons_served", "measure_applied")
APPEAL_SUSPENDS = ("nothing", "decision", "measures")
SUSPENSION_MODES = ("automatic", "discretionary")
# What must hold for an appeal to be filed at a level (beyond its deadline).
ENTRY_CONDITIONS = (
    "previous_level_decided",   # the level below decided an appeal on the same subject
    "previous_level_dismissed",  # ... and dismissed it
    "against_refusal",          # the subject is a refused application
)
APPEAL_SUBJECTS = ("application", "summons", "measure")
STP_ACTIONS = ("grant", "renew", "end")
STP_TESTS = ("is_true", "is_false", "equals", "one_of", "at_least", "at_most",
             "after_today", "on_or_before_today", "within_days_after")

# The facts a partner register submits for straight-through processing, by submission kind, with
# each field's type ("str", "bool", "int", "date"). The partner API and the pack's criteria use these.
STP_SOURCES: dict[str, dict[str, str]] = {
    "enrolment": {"institution": "str", "programme": "str", "level": "str", "full_time": "bool",
                  "started_on": "date", "expected_end": "date", "status": "str"},
    "medical": {"category": "str", "examined_on": "date"},
    "employment": {"employer": "str", "accredited": "bool", "days_employed": "int", "hired_on": "date",
                   "diploma_on": "date"},
}
STUDY_LEVELS = ("secondary_vocational", "bachelor", "specialist", "master", "postgraduate")
FITNESS_CATEGORIES = ("A", "B", "V", "G", "D")


@dataclass(frozen=True)
class Duration:
    rule: str  # one of DURATION_RULES
    max_months: int | None = None
    max_days: int | None = None
    evidence_date: str | None = None  # for until_evidence_date: the evidence field holding the end date
    condition: str = ""  # for while_condition: the condition, in words


@dataclass(frozen=True)
class Ground:
    """A ground a person may apply on: a deferment, exemption, excuse, alternative-service or
    correction ground."""

    code: str
    name: str
    legal_reference: str = ""
    evidence: tuple[str, ...] = ()   # the evidence types it needs
    registers: tuple[str, ...] = ()  # submission kinds (STP_SOURCES) that can supply the evidence instead
    duration: Duration | None = None  # deferments only
    renewable: bool = True
    once_per: str | None = None  # not renewable: granted once per value of this evidence field (e.g. level)
    must_attend: bool = False
    discretionary: bool = False  # an open ground ("other circumstances accepted by the commission")


@dataclass(frozen=True)
class FitnessCategory:
    category: str  # one of FITNESS_CATEGORIES
    name: str
    outcome: str  # one of FITNESS_OUTCOMES
    defer_months: int | None = None  # for outcome "deferred"
    legal_reference: str = ""


@dataclass(frozen=True)
class Excuses:
    open_list: bool  # the last ground is open ("other circumstances accepted by the commission")
    grounds: tuple[Ground, ...]
    duty_after: str  # the duty to appear once the excuse ends, in words with its legal reference
    appear_within_working_days: int | None = None


@dataclass(frozen=True)
class Deadline:
    count: int
    unit: str  # one of DEADLINE_UNITS
    after: str  # one of DEADLINE_EVENTS


@dataclass(frozen=True)
class FilingWindow:
    """Apply by `by` ("MM-DD", inclusive) for the dispatch period that follows."""

    by: str
    for_period: str  # "MM-DD/MM-DD"


@dataclass(frozen=True)
class ServiceDuration:
    kind: str
    months: int


@dataclass(frozen=True)
class AlternativeService:
    legal_reference: str
    grounds: tuple[Ground, ...]
    min_age: int
    max_age: int  # may apply until (not including) this birthday
    in_person: bool
    filing_windows: tuple[FilingWindow, ...]
    deciding_body: str
    decision_deadline: Deadline
    decision_extension: Deadline | None
    hearing: str  # the right to attend, in words
    refusal_grounds: tuple[str, ...]
    appeal_route: str
    durations: tuple[ServiceDuration, ...]


@dataclass(frozen=True)
class AppealLevel:
    level: int
    body: str
    legal_reference: str
    deadline: Deadline
    entry: tuple[str, ...]  # ENTRY_CONDITIONS that must all hold
    decide_within: Deadline | None  # None: the body sets its own time (a court)
    suspends: str  # one of APPEAL_SUSPENDS
    measure_kinds: tuple[str, ...] = ()  # for suspends = "measures": the kinds (empty: every kind)
    suspension: str = "automatic"  # one of SUSPENSION_MODES
    recorded_by_officer: bool = False  # the body is outside Muster (a court): an officer records filing and ruling


@dataclass(frozen=True)
class ServiceLevels:
    decide_within_working_days: int
    by_kind: tuple[tuple[str, int], ...] = ()  # application kind -> working days, overriding the default
    urgent_within_working_days: int = 10  # urgent when the appearance date is this close

    def working_days_for(self, kind: str) -> int:
        return dict(self.by_kind).get(kind, self.decide_within_working_days)


@dataclass(frozen=True)
class CalendarRules:
    """Working days: Monday to Friday, less the holidays of the `holidays` library for the pack's
    country (when `library` is true) and `extra_holidays`, plus the transferred `working_days`."""

    library: bool = True
    extra_holidays: tuple[date, ...] = ()
    working_days: tuple[date, ...] = ()


@dataclass(frozen=True)
class Criterion:
    name: str
    field: str
    test: str  # one of STP_TESTS
    value: object = None  # equals/one_of/at_least/at_most: the value; within_days_after: the days
    other_field: str | None = None  # within_days_after: the field the days count from


@dataclass(frozen=True)
class StraightThroughRule:
    code: str
    name: str
    kind: str  # application kind
    ground: str
    source: str  # submission kind (STP_SOURCES)
    action: str  # one of STP_ACTIONS
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class SecondOfficer:
    """A decision that takes effect only when a second officer confirms it."""

    kind: str
    outcome: str
    ground: str | None = None  # None: every ground of the kind


# Decisions that always need a second officer (the four eyes), whatever the policy says.
ALWAYS_SECOND_OFFICER = (SecondOfficer("alternative_service", "refused"), SecondOfficer("exemption", "granted"))


@dataclass(frozen=True)
class Casework:
    deferments: tuple[Ground, ...] = ()
    exemptions: tuple[Ground, ...] = ()
    fitness: tuple[FitnessCategory, ...] = ()
    excuses: Excuses | None = None
    corrections: tuple[Ground, ...] = ()
    alternative_service: AlternativeService | None = None
    appeals: tuple[AppealLevel, ...] = ()
    service_levels: ServiceLevels = ServiceLevels(decide_within_working_days=10)
    calendar: CalendarRules = CalendarRules()
    straight_through: tuple[StraightThroughRule, ...] = ()
    second_officer: tuple[SecondOfficer, ...] = field(default=())

    def grounds(self, kind: str) -> tuple[Ground, ...]:
        """The grounds of an application kind."""
        if kind == "deferment":
            return self.deferments
        if kind == "exemption":
            return self.exemptions
        if kind == "excuse":
            return self.excuses.grounds if self.excuses else ()
        if kind == "correction":
            return self.corrections
        if kind == "alternative_service":
            return self.alternative_service.grounds if self.alternative_service else ()
        raise ValueError(f"unknown application kind {kind!r}")

    def ground(self, kind: str, code: str) -> Ground | None:
        return next((g for g in self.grounds(kind) if g.code == code), None)

    def level(self, level: int) -> AppealLevel | None:
        return next((a for a in self.appeals if a.level == level), None)
