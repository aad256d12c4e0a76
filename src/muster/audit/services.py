"""The audit trail and the access log for every interface."""

from __future__ import annotations

from muster.audit import access, trail
from muster.kernel.actor import Actor
from muster.rules import access as rules


def verify(actor: Actor) -> tuple[int, int | None]:
    """(records checked, id of the first broken record or None)."""
    access.require(rules.may_read_statistics(actor))
    return trail.verify()


def reads_of(actor: Actor, person_id: int) -> list[dict[str, object]]:
    """Who read a person's record: the person themself, or an officer who may read it (logged)."""
    access.require(rules.may_read_person(actor, person_id, None) if actor.role == "person"
                   else rules.may_read_statistics(actor))
    return access.reads_of(person_id)
