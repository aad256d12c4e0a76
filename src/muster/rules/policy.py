"""Jurisdiction packs and effective-dated policy versions, as plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from muster.rules.casework_policy import Casework, Ground
from muster.rules.dates import LeapDayRule
from muster.rules.national_id import IdScheme
from muster.rules.source_trust import SourceTrust

MEASURE_TRIGGERS = ("placement", "served", "missed")
MEASURE_LIFTS = ("appeared", "excused", "cancelled", "appeal_accepted")
PERSON_STATUSES = ("exempt", "deferred", "serving", "unfit")
CHANNELS = ("register", "portal", "email", "sms", "post", "in_person")
CAMPAIGN_PURPOSES = ("medical_examination", "call_up", "data_check", "alternative_service")
SELECTION_KEYS = ("oldest_first", "youngest_first", "national_id")


@dataclass(frozen=True)
class District:
    code: str
    name: str
    office: str
    office_address: str
    daily_capacity: int


@dataclass(frozen=True)
class TransitionalRule:
    """People who reached `reached_age` before `before` stay not liable."""

    code: str
    reached_age: int
    before: date
    explanation: str


@dataclass(frozen=True)
class Eligibility:
    sexes: tuple[str, ...]
    citizenships: tuple[str, ...]  # empty: any citizenship
    min_age: int  # liable from this birthday ...
    max_age: int  # ... until (not including) this birthday
    excluded_statuses: tuple[str, ...]
    transitional: tuple[TransitionalRule, ...] = ()


@dataclass(frozen=True)
class SummonsRules:
    channels: tuple[str, ...]
    notify_channels: tuple[str, ...]
    channel_order: tuple[str, ...]
    served_by: tuple[tuple[str, tuple[str, ...]], ...]  # channel -> delivery events that serve
    deemed_served_after_days: int | None
    grace_days: int


@dataclass(frozen=True)
class MeasureRule:
    kind: str
    trigger: str
    legal_basis: str
    lifted_by: tuple[str, ...]
    officer_signoff: bool


@dataclass(frozen=True)
class CampaignLimits:
    purposes: tuple[str, ...]
    selection_order: tuple[str, ...]
    call_up_all_year: bool
    call_up_seasons: tuple[tuple[str, str], ...]  # ("MM-DD", "MM-DD") inclusive
    max_days_after_placement: int | None


@dataclass(frozen=True)
class Registration:
    register_within_days: int
    acknowledgement_letter: bool
    status_letter: bool
    online_verification: bool


@dataclass(frozen=True)
class PolicyVersion:
    code: str
    effective_from: date
    effective_until: date | None  # last day in force, if the file sets one
    legal_basis: str
    summary: str
    eligibility: Eligibility
    summons: SummonsRules | None
    measures: tuple[MeasureRule, ...]
    casework: Casework  # grounds, excuses, alternative service, appeals, service levels (muster.rules.casework_policy)
    campaigns: CampaignLimits | None
    registration: Registration | None
    source: str = ""  # the file it came from, for explanations

    @property
    def excuses(self) -> tuple[Ground, ...]:
        """The valid excuses for not appearing (empty: a summons under this version cannot be excused)."""
        return self.casework.excuses.grounds if self.casework.excuses else ()


@dataclass(frozen=True)
class Pack:
    code: str
    name: str
    country: str
    time_zone: str
    languages: tuple[str, ...]
    leap_day_rule: LeapDayRule
    id_scheme: IdScheme
    districts: tuple[District, ...]
    versions: tuple[PolicyVersion, ...] = field(default=())
    sources: SourceTrust = SourceTrust()  # which sources it trusts for each field (muster.rules.source_trust)

    def district_codes(self) -> frozenset[str]:
        return frozenset(d.code for d in self.districts)

    def office_of(self, district: str) -> str:
        """The registration office of a district (its code if the pack names none)."""
        return next((d.office for d in self.districts if d.code == district), district)

    def version(self, code: str) -> PolicyVersion:
        """The version with this code (every decision records the code of the version it used);
        KeyError if the pack has none."""
        for version in self.versions:
            if version.code == code:
                return version
        raise KeyError(f"pack {self.code} has no policy version {code!r}")


def version_in_force(versions: tuple[PolicyVersion, ...], on: date) -> PolicyVersion | None:
    """The version whose effective period holds `on`; versions are in date order."""
    current = None
    for version in versions:
        if version.effective_from <= on:
            current = version
        else:
            break
    if current is not None and current.effective_until is not None and on > current.effective_until:
        return None
    return current


def _same_rules(a: PolicyVersion, b: PolicyVersion) -> bool:
    """Whether two texts of a version say the same (comments, layout and file name aside)."""
    return replace(a, source="") == replace(b, source="")


def replacement_problems(installed: tuple[PolicyVersion, ...], offered: tuple[PolicyVersion, ...],
                         today: date, used: frozenset[str]) -> list[tuple[str, str]]:
    """Why installing `offered` over the `installed` versions would change the rules decisions rest
    on, as (the version's file, the problem). An installed version is immutable: the only one that
    may be changed or withdrawn has not taken effect by `today` (and would not under its new text)
    and is in `used` by no decision (summons, measure)."""
    offered_by_code = {v.code: v for v in offered}
    problems = []
    for old in installed:
        new = offered_by_code.get(old.code)
        if new is not None and _same_rules(old, new):
            continue
        starts = min(old.effective_from, new.effective_from) if new is not None else old.effective_from
        if starts > today and old.code not in used:
            continue  # not yet in force and nothing rests on it: it may still be replaced
        if old.effective_from <= today:
            why = f"it has been in force since {old.effective_from}"
        elif old.code in used:
            why = "summonses or measures already rest on it"
        else:
            why = f"the new text would put it in force from {starts}, which has come"
        change = "is changed" if new is not None else "is no longer listed"
        problems.append((new.source if new is not None else old.source,
                         f"installed policy version {old.code} {change}, but {why}; installed versions are "
                         f"immutable: leave its file as installed and publish a new version (a new code "
                         f"and file) with its own effective date"))
    return problems
