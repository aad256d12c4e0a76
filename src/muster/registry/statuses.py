"""The statuses a decision puts on a person (deferred, exempt, alternative_service) and takes off.

Liability reads them (muster.rules.liability, and the batch SQL in muster.registry.liability_sql):
a deferment's row holds from its first day to its last, so the person is liable again the day
after with nothing for anyone to do. Each row names the decision that granted it, so that the
decision (or an appeal against it) can end it. Called inside the decision's transaction.
"""

from __future__ import annotations

from datetime import date, timedelta

from muster.registry.models import PersonStatus

# The kinds a decision may grant: muster.rules.policy.PERSON_STATUSES that a policy excludes from
# liability, and alternative_service, which changes what the person is called up for.
GRANTED_KINDS = ("deferred", "exempt", "alternative_service")


class StatusProblem(ValueError):
    pass


def grant_status(person_id: int, kind: str, valid_from: date, valid_until: date | None, reason: str,
                 decision_number: str) -> PersonStatus:
    """Put a status on the person for a period (valid_until None: until ended)."""
    if kind not in GRANTED_KINDS:
        raise StatusProblem(f"a decision grants no status {kind!r}; it grants {', '.join(GRANTED_KINDS)}")
    if valid_until is not None and valid_until < valid_from:
        raise StatusProblem(f"a status from {valid_from} cannot end on {valid_until}")
    return PersonStatus.objects.create(person_id=person_id, kind=kind, valid_from=valid_from,
                                       valid_until=valid_until, reason=reason, decision_number=decision_number)


def end_status(decision_number: str, on: date) -> int:
    """The statuses a decision granted hold no longer from `on` (their last day becomes the day
    before; one that had not started yet never holds). Returns how many were ended."""
    last = on - timedelta(days=1)
    ended = 0
    for status in PersonStatus.objects.select_for_update().filter(decision_number=decision_number):
        if status.valid_until is not None and status.valid_until <= last:
            continue  # it had ended already
        status.valid_until = max(last, status.valid_from - timedelta(days=1))
        status.save(update_fields=["valid_until"])
        ended += 1
    return ended


def statuses_of(person_id: int) -> list[PersonStatus]:
    return list(PersonStatus.objects.filter(person_id=person_id).order_by("valid_from", "id"))
