"""Write and verify the audit trail: a hash chain of who did what, why and when."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection, transaction

from muster.audit.models import AuditRecord
from muster.kernel import clock, locks
from muster.kernel.actor import Actor
from muster.rules.audit_chain import GENESIS, chain_hash, first_break


def _fields(at: datetime, actor: str, action: str, object_type: str, object_id: str,
            person_id: int | None, purpose: str) -> dict[str, object]:
    return {"at": at.isoformat(), "actor": actor, "action": action, "object_type": object_type,
            "object_id": object_id, "person_id": person_id, "purpose": purpose}


def record(actor: Actor, action: str, object_type: str, object_id: str, *,
           person_id: int | None = None, purpose: str = "", at: datetime | None = None) -> AuditRecord:
    """Append one record to the chain (inside the caller's transaction if there is one)."""
    who = actor.who
    at = (at or clock.now()).astimezone(UTC).replace(microsecond=0)
    with transaction.atomic():
        with connection.cursor() as cur:
            locks.hold(cur, locks.AUDIT_CHAIN)
        last = AuditRecord.objects.order_by("-id").values_list("hash", flat=True).first()
        prev = last or GENESIS
        fields = _fields(at, who, action, object_type, object_id, person_id, purpose)
        return AuditRecord.objects.create(
            at=at, actor=who, action=action, object_type=object_type, object_id=object_id,
            person_id=person_id, purpose=purpose, prev_hash=prev, hash=chain_hash(prev, fields))


def verify() -> tuple[int, int | None]:
    """(records checked, id of the first broken record or None)."""
    rows = AuditRecord.objects.order_by("id").values_list(
        "id", "prev_hash", "hash", "at", "actor", "action", "object_type", "object_id",
        "person_id", "purpose")
    count = 0

    def items():
        nonlocal count
        for rid, prev, own, at, actor, action, otype, oid, pid, purpose in rows.iterator(chunk_size=5000):
            count += 1
            yield rid, prev, own, _fields(at.astimezone(UTC), actor, action, otype, oid, pid, purpose)

    broken = first_break(items())
    return count, broken
