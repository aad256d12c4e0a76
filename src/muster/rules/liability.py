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

    def as_dict(self) -> dict[str, object]:
        return {"liable": self.liable, "code": self.code, "reasons": list(self.reasons),
                "policy_version": self.policy_version}


def liability_on(person: PersonFacts, pack: Pack, on: date) -> Liability:
    version = version_in_force(pack.versions, on)
    if version is None:
        return Liability(False, "no_policy", (f"no policy of pack {pack.code} is in force on {on}",), None)
    rule, elig = pack.leap_day_rule, version.eligibility
    basis = f"policy {version.code} ({version.legal_basis})"
    failing: list[tuple[str, str]] = []

    if person.death_date is not None and person.death_date <= on:
        failing.append(("deceased", f"died on {person.death_date}"))
    if elig.sexes and person.sex not in elig.sexes:
        failing.append(("sex", f"sex {person.sex} is not covered (covers {', '.join(elig.sexes)})"))
    if elig.citizenships and person.citizenship not in elig.citizenships:
        failing.append(("citizenship", f"citizenship {person.citizenship} is not covered "
                                       f"(covers {', '.join(elig.citizenships)})"))
    turns_min = anniversary(person.birth_date, elig.min_age, rule)
    turns_max = anniversary(person.birth_date, elig.max_age, rule)
    if on < turns_min:
        failing.append(("too_young", f"turns {elig.min_age} on {turns_min}"))
    if on >= turns_max:
        failing.append(("too_old", f"turned {elig.max_age} on {turns_max}"))
    for tr in elig.transitional:
        reached = anniversary(person.birth_date, tr.reached_age, rule)
        if reached < tr.before:
            failing.append(("transitional", f"turned {tr.reached_age} on {reached}, before "
                                            f"{tr.before}: {tr.explanation}"))
    excluding = [s for s in person.statuses if s.kind in elig.excluded_statuses and s.kind in REASON_ORDER]
    for status in sorted(excluding, key=lambda s: (REASON_ORDER.index(s.kind), s.valid_from)):
        if status.holds_on(on):
            until = f" until {status.valid_until}" if status.valid_until else ""
            failing.append((status.kind, status.reason or f"{status.kind} from {status.valid_from}{until}"))

    if failing:
        failing.sort(key=lambda pair: REASON_ORDER.index(pair[0]))
        reasons = tuple(f"not liable: {text}" for _, text in failing) + (f"under {basis}",)
        return Liability(False, failing[0][0], reasons, version.code)
    age = age_on(person.birth_date, on, rule)
    reasons = (
        f"liable: aged {age} on {on}, between the {elig.min_age}th birthday ({turns_min}) "
        f"and the {elig.max_age}th ({turns_max})",
        f"under {basis}",
    )
    return Liability(True, "liable", reasons, version.code)
