"""The audit trail for every interface. (A person's access log is read through a service when the
portal and console come: it discloses who looked at someone, so it needs that person's district.)"""

from __future__ import annotations

from muster.audit import access, trail
from muster.kernel.actor import Actor
from muster.rules import access as rules


def verify(actor: Actor) -> tuple[int, int | None]:
    """(records checked, id of the first broken record or None)."""
    access.require(rules.may_read_statistics(actor))
    return trail.verify()
