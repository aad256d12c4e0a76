"""What may be recorded against a summons, and which measures each outcome lifts
(docs/jurisdiction-ru.md, "Closing a summons and lifting measures")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from muster.rules.delivery import measure_starts
from muster.rules.policy import PolicyVersion
from muster.rules.vocabulary import EventType, MeasureStatus

OUTCOMES = ("appeared", "excused", "cancelled", "appeal_accepted")
# The summons status each outcome leaves: an accepted appeal annuls the summons.
CLOSED_STATUS = {"appeared": "appeared", "excused": "excused", "cancelled": "cancelled",
                 "appeal_accepted": "cancelled"}
# A summons can be closed while open; an appearance after the grace days still closes it.
CLOSABLE = ("placed", "served", "missed")


class OutcomeRefused(ValueError):
    pass


def check_outcome(status: str, outcome: str) -> None:
    """Raise OutcomeRefused unless `outcome` may be recorded against a summons in `status`."""
    if outcome not in OUTCOMES:
        raise OutcomeRefused(f"outcome must be one of {', '.join(OUTCOMES)}")
    if status not in CLOSABLE:
        raise OutcomeRefused(f"it is already {status}")


# Outcomes that end a summons without the person appearing must say why (the audit trail keeps it).
NEEDS_REASON = ("excused", "cancelled", "appeal_accepted")


def reason_problems(version: PolicyVersion, outcome: str, reason: str,
                    excuse: str | None) -> tuple[str | None, list[str]]:
    """(the excuse code, why the reason cannot be taken). An excuse names one of the policy's
    excuse codes, given as `excuse` or as a `reason` that is exactly one (the older form
    `--reason illness`); an excuse, cancellation or accepted appeal needs a non-empty reason."""
    codes = tuple(k.code for k in version.excuses)
    reason = reason.strip()
    excuse = (excuse or "").strip() or None
    problems = []
    if outcome == "excused":
        if excuse is None and reason in codes:
            excuse = reason
        if not codes:
            problems.append(f"policy {version.code} lists no excuses: a summons under it cannot be excused")
        elif excuse is None:
            problems.append(f"--excuse: an excuse needs its code, one of {', '.join(codes)} "
                            f"(policy {version.code})")
        elif excuse not in codes:
            problems.append(f"--excuse: {excuse!r} is not an excuse of policy {version.code}; "
                            f"the excuses are {', '.join(codes)}")
    elif excuse is not None:
        problems.append("--excuse: only an excused summons has an excuse code")
    if outcome in NEEDS_REASON and not reason:
        problems.append(f"--reason: {outcome.replace('_', ' ')} needs a reason")
    return (excuse if outcome == "excused" and not problems else None), problems


def kinds_lifted(version: PolicyVersion, outcome: str) -> tuple[str, ...]:
    """The measure kinds the policy lifts when a summons ends with `outcome`."""
    return tuple(m.kind for m in version.measures if outcome in m.lifted_by)


@dataclass(frozen=True)
class MeasureState:
    kind: str
    status: str  # pending | active | suspended | lifted
    effective_from: date
    lifted_on: date | None


def measures_of_summons(version: PolicyVersion, placed_on: date, served_on: date | None, appearance_date: date,
                        outcome: str | None, outcome_on: date | None, today: date) -> dict[str, MeasureState]:
    """The measures one summons has put on its person by the end of `today`, and their state.

    A measure starts on the day its trigger gives (muster.rules.delivery.measure_starts), if the
    summons was still open that day; "missed" needs a served summons. An outcome recorded on a
    day lifts, that same day, every kind the policy lifts with it.
    """
    rules = version.summons
    assert rules is not None
    found: dict[str, MeasureState] = {}
    for rule in version.measures:
        if rule.trigger in ("served", "missed") and served_on is None:
            continue
        start = measure_starts(rule.trigger, placed_on, served_on, appearance_date, rules.grace_days)
        if start is None or start > today or (outcome_on is not None and outcome_on < start):
            continue
        if outcome is not None and outcome_on is not None and outcome_on <= today and outcome in rule.lifted_by:
            found[rule.kind] = MeasureState(rule.kind, "lifted", start, outcome_on)
        else:
            found[rule.kind] = MeasureState(rule.kind, "pending" if rule.officer_signoff else "active", start, None)
    return found


def start_on_signing(policy_start: date, signed_on: date) -> date:
    """A measure held for an officer's sign-off starts on the policy's date, or on the day it is
    signed if that has passed: never for days before anyone could know of it."""
    return max(policy_start, signed_on)


IN_FORCE_STATUS = "active"


def in_force(status: str, effective_from: date, today: date) -> bool:
    """Whether a measure binds today: signed off or needing no sign-off, not lifted, suspended or
    declined, and its first day reached. muster.measures.sql.IN_FORCE is the same test in SQL."""
    return status == IN_FORCE_STATUS and effective_from <= today


# --- suspending, reinstating and lifting a measure (an appeal's effects, an outcome's lift) ---

SUSPEND, REINSTATE, LIFT = "suspend", "reinstate", "lift"
# The status each action leaves, from each status it may be taken in. Any other pair is refused
# (the measure is left as it is and reported). A pending measure was never announced: it may be
# lifted (it then never starts) but not suspended; a declined or lifted one is final.
TRANSITIONS: dict[str, dict[str, str]] = {
    SUSPEND: {MeasureStatus.ACTIVE: MeasureStatus.SUSPENDED},
    REINSTATE: {MeasureStatus.SUSPENDED: MeasureStatus.ACTIVE},
    LIFT: {MeasureStatus.PENDING: MeasureStatus.LIFTED, MeasureStatus.ACTIVE: MeasureStatus.LIFTED,
           MeasureStatus.SUSPENDED: MeasureStatus.LIFTED},
}
# The ledger event each action writes, for a measure that had been announced (not pending).
EVENT_OF = {SUSPEND: EventType.MEASURE_SUSPENDED, REINSTATE: EventType.MEASURE_REINSTATED,
            LIFT: EventType.MEASURE_LIFTED}


def transition(action: str, status: str) -> str | None:
    """The status `action` leaves a measure in `status` in, or None where it may not be taken."""
    if action not in TRANSITIONS:
        raise ValueError(f"action must be one of {', '.join(TRANSITIONS)}")
    return TRANSITIONS[action].get(status)


def announces(action: str, status: str) -> str | None:
    """The event partners and the person are told of when `action` changes a measure in `status`:
    None where nothing changes, or for a pending measure (never applied, so nobody outside knew)."""
    if transition(action, status) is None or status == MeasureStatus.PENDING:
        return None
    return EVENT_OF[action]


def refusal(action: str, status: str) -> str:
    """Why `action` leaves a measure in `status` as it is, as a sentence."""
    allowed = " or ".join(TRANSITIONS[action])
    return f"it is {status}; only a measure that is {allowed} can be {_PAST[action]}"


_PAST = {SUSPEND: "suspended", REINSTATE: "reinstated", LIFT: "lifted"}


def too_early(day: date, last_change: date | None) -> bool:
    """A change dated before the measure's last change would rewrite its history: refused."""
    return last_change is not None and day < last_change
