"""Write and walk the audit trail: an HMAC chain of who did what, why and when.

The key (settings.MUSTER_AUDIT_KEY) is never in the database, so a database administrator who
edits, deletes and re-chains records cannot make `verify` pass (muster.audit.verification)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction

from muster.audit.models import AuditRecord
from muster.kernel import clock, locks
from muster.kernel.actor import Actor
from muster.rules.audit_chain import GENESIS, chain_hash

Walked = tuple[int, str, str, Mapping[str, object]]  # (id, prev_hash, hash, fields)


def fields_of(at: datetime, actor: str, action: str, object_type: str, object_id: str,
              person_id: int | None, purpose: str) -> dict[str, object]:
    return {"at": at.isoformat(), "actor": actor, "action": action, "object_type": object_type,
            "object_id": object_id, "person_id": person_id, "purpose": purpose}


def key() -> bytes:
    return bytes(settings.MUSTER_AUDIT_KEY)


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
        fields = fields_of(at, who, action, object_type, object_id, person_id, purpose)
        return AuditRecord.objects.create(
            at=at, actor=who, action=action, object_type=object_type, object_id=object_id,
            person_id=person_id, purpose=purpose, prev_hash=prev, hash=chain_hash(key(), prev, fields))


def walk() -> Iterator[Walked]:
    """Every record in id order, as the chain rule reads it."""
    rows = AuditRecord.objects.order_by("id").values_list(
        "id", "prev_hash", "hash", "at", "actor", "action", "object_type", "object_id",
        "person_id", "purpose")
    for rid, prev, own, at, actor, action, otype, oid, pid, purpose in rows.iterator(chunk_size=5000):
        yield rid, prev, own, fields_of(at.astimezone(UTC), actor, action, otype, oid, pid, purpose)


def head() -> tuple[int, str] | None:
    """(id, hash) of the last record, or None for an empty trail."""
    return AuditRecord.objects.order_by("-id").values_list("id", "hash").first()
