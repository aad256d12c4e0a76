"""Who is liable on a date under a pack's policy, with reasons a person can read.

The reason codes are checked in a fixed order; the first that applies is the
person's primary reason. The batch SQL in muster.registry.liability_sql uses
the same order, and a property test holds the two together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from muster.rules.dates import age_on, anniversary
from muster.rules.policy import Pack, version_in_force

# The order in which reasons for not being liable are checked.
REASON_ORDER = (
    "no_policy", "deceased", "sex", "citizenship", "too_young", "too_old",
    "transitional", "exempt", "deferred", "serving", "unfit",
)
# Statuses that never take a person out of liability: they change what the person is called up for
# (muster.rules.selection.takes_part).
NOT_EXCLUDING = ("alternative_service",)


# The English sentence of each reason code; the portal translates the same msgids with gettext
# (muster.interfaces.portal.reasons) and a property test holds `render_english` to `reasons`.
REASON_TEXT = {
    "no_policy": "no policy of pack %(pack)s is in force on %(on)s",
    "deceased": "not liable: died on %(on)s",
    "sex": "not liable: sex %(sex)s is not covered (covers %(covers)s)",
    "citizenship": "not liable: citizenship %(citizenship)s is not covered (covers %(covers)s)",
    "too_young": "not liable: turns %(age)s on %(on)s",
    "too_old": "not liable: turned %(age)s on %(on)s",
    "transitional": "not liable: turned %(age)s on %(on)s, before %(before)s: %(explanation)s",
    "status": "not liable: %(kind)s from %(from)s",
    "status_until": "not liable: %(kind)s from %(from)s until %(until)s",
    "status_reason": "not liable: %(reason)s",
    "liable": "liable: aged %(age)s on %(on)s, between the %(min_age)sth birthday (%(turns_min)s) "
              "and the %(max_age)sth (%(turns_max)s)",
    "under_policy": "under policy %(version)s (%(legal_basis)s)",
}


@dataclass(frozen=True)
class Reason:
    """One reason as data: a code of REASON_TEXT and its values (dates stay dates, lists stay
    tuples), so each interface can say it in its own language and date format."""

    code: str
    params: tuple[tuple[str, object], ...]

    @classmethod
    def of(cls, code: str, **params: object) -> Reason:
        return cls(code, tuple(params.items()))

    def values(self) -> dict[str, object]:
        return dict(self.params)


def english_value(value: object) -> str:
    """A value as the English reasons write it: ISO dates, lists joined by commas."""
    if isinstance(value, tuple):
        return ", ".join(english_value(v) for v in value)
    return value.isoformat() if isinstance(value, date) else str(value)


def render_english(reason: Reason) -> str:
    return REASON_TEXT[reason.code] % {k: english_value(v) for k, v in reason.params}


@dataclass(frozen=True)
class StatusPeriod:
    """A status that takes a person out of liability for a period (inclusive)."""

    kind: str  # exempt | deferred | serving | unfit | alternative_service
    valid_from: date
    valid_until: date | None = None
    reason: str = ""  # as a decision granted it: "deferred: full-time study until 2027-06-30 (decision A-…)"

    def holds_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


@dataclass(frozen=True)
class PersonFacts:
    sex: str
    birth_date: date
    citizenship: str
    death_date: date | None = None
    statuses: tuple[StatusPeriod, ...] = ()


@dataclass(frozen=True)
class Liability:
    liable: bool
    code: str  # "liable" or the primary reason code from REASON_ORDER
    reasons: tuple[str, ...]
    policy_version: str | None
    explanations: tuple[Reason, ...] = ()  # the same reasons as data, in the same order

    def as_dict(self) -> dict[str, object]:
        return {"liable": self.liable, "code": self.code, "reasons": list(self.reasons),
                "policy_version": self.policy_version}


def _status_reason(status: StatusPeriod) -> Reason:
    if status.reason:
        return Reason.of("status_reason", reason=status.reason)
    if status.valid_until:
        return Reason.of("status_until", kind=status.kind, **{"from": status.valid_from}, until=status.valid_until)
    return Reason.of("status", kind=status.kind, **{"from": status.valid_from})


def liability_on(person: PersonFacts, pack: Pack, on: date) -> Liability:
    version = version_in_force(pack.versions, on)
    if version is None:
        return _explained(False, "no_policy", (Reason.of("no_policy", pack=pack.code, on=on),), None)
    rule, elig = pack.leap_day_rule, version.eligibility
    basis = Reason.of("under_policy", version=version.code, legal_basis=version.legal_basis)
    failing: list[Reason] = []

    if person.death_date is not None and person.death_date <= on:
        failing.append(Reason.of("deceased", on=person.death_date))
    if elig.sexes and person.sex not in elig.sexes:
        failing.append(Reason.of("sex", sex=person.sex, covers=tuple(elig.sexes)))
    if elig.citizenships and person.citizenship not in elig.citizenships:
        failing.append(Reason.of("citizenship", citizenship=person.citizenship, covers=tuple(elig.citizenships)))
    turns_min = anniversary(person.birth_date, elig.min_age, rule)
    turns_max = anniversary(person.birth_date, elig.max_age, rule)
    if on < turns_min:
        failing.append(Reason.of("too_young", age=elig.min_age, on=turns_min))
    if on >= turns_max:
        failing.append(Reason.of("too_old", age=elig.max_age, on=turns_max))
    for tr in elig.transitional:
        reached = anniversary(person.birth_date, tr.reached_age, rule)
        if reached < tr.before:
            failing.append(Reason.of("transitional", age=tr.reached_age, on=reached, before=tr.before,
                                     explanation=tr.explanation, rule=tr.code))
    excluding = [s for s in person.statuses if s.kind in elig.excluded_statuses and s.kind in REASON_ORDER]
    failing_kinds: list[str] = [r.code for r in failing]
    for status in sorted(excluding, key=lambda s: (REASON_ORDER.index(s.kind), s.valid_from)):
        if status.holds_on(on):
            failing.append(_status_reason(status))
            failing_kinds.append(status.kind)

    if failing:
        order = sorted(range(len(failing)), key=lambda i: REASON_ORDER.index(failing_kinds[i]))
        return _explained(False, failing_kinds[order[0]], tuple(failing[i] for i in order) + (basis,), version.code)
    age = age_on(person.birth_date, on, rule)
    liable = Reason.of("liable", age=age, on=on, min_age=elig.min_age, turns_min=turns_min,
                       max_age=elig.max_age, turns_max=turns_max)
    return _explained(True, "liable", (liable, basis), version.code)


def _explained(liable: bool, code: str, explanations: tuple[Reason, ...], version: str | None) -> Liability:
    return Liability(liable, code, tuple(render_english(r) for r in explanations), version, explanations)
