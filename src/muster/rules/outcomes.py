"""What may be recorded against a summons, and which measures each outcome lifts (SPEC 4)."""

from __future__ import annotations

from muster.rules.policy import PolicyVersion

OUTCOMES = ("appeared", "excused", "cancelled")
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


def kinds_lifted(version: PolicyVersion, outcome: str) -> tuple[str, ...]:
    """The measure kinds the policy lifts when a summons ends with `outcome`."""
    return tuple(m.kind for m in version.measures if outcome in m.lifted_by)
