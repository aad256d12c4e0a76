"""The review of partners' changes to a person's death, district, citizenship or contact channel:
who may decide, and when enough officers have accepted (four eyes for a death). Pure: the actor
and the approvals so far are passed in."""

from __future__ import annotations

from collections.abc import Sequence

from muster.rules.access import ALLOWED, Accessor, Decision

# Officers who review registry changes: registration officers and data stewards (and the command
# line's operator, who acts in every district).
REVIEWER_ROLES = frozenset({"operator", "registration_officer", "data_steward"})


def may_review(actor: Accessor, district: str | None) -> Decision:
    """Accept or reject a change to a person of `district` (None: list the queue, which is then
    cut to the actor's districts)."""
    role = str(actor.role)
    if role not in REVIEWER_ROLES:
        return Decision(False, f"the {role} role does not review registry changes "
                               f"(registration officers and data stewards do)")
    if district is None or actor.all_districts or district in actor.districts:
        return ALLOWED
    return Decision(False, f"outside your districts ({', '.join(sorted(actor.districts)) or 'none'})")


def acceptance_problem(who: str, approvals: Sequence[str], needed: int) -> str | None:
    """Why `who` may not accept now, or None: nobody accepts the same change twice, so a change
    that needs two officers is accepted by two different ones."""
    if who in approvals:
        return (f"you accepted this change already; it needs {needed} different officers "
                f"({len(approvals)} so far)")
    return None


def complete(approvals: Sequence[str], needed: int) -> bool:
    """Whether the change may be applied: enough different officers have accepted it."""
    return len(set(approvals)) >= needed
