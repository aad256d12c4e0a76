"""Write and verify the audit trail. Every read of a person's record goes through here."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

from muster.audit.models import AuditRecord, PartnerRead
from muster.rules.audit_chain import GENESIS, chain_hash, first_break

_CHAIN_LOCK = 0x4D555354  # "MUST": serialises appends on PostgreSQL


def _fields(at: datetime, actor: str, action: str, object_type: str, object_id: str,
            person_id: int | None, purpose: str) -> dict[str, object]:
    return {"at": at.isoformat(), "actor": actor, "action": action, "object_type": object_type,
            "object_id": object_id, "person_id": person_id, "purpose": purpose}


def record(actor: str, action: str, object_type: str, object_id: str, *,
           person_id: int | None = None, purpose: str = "", at: datetime | None = None) -> AuditRecord:
    """Append one record to the chain (inside the caller's transaction if there is one)."""
    at = (at or timezone.now()).astimezone(UTC).replace(microsecond=0)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        last = AuditRecord.objects.order_by("-id").values_list("hash", flat=True).first()
        prev = last or GENESIS
        fields = _fields(at, actor, action, object_type, object_id, person_id, purpose)
        return AuditRecord.objects.create(
            at=at, actor=actor, action=action, object_type=object_type, object_id=object_id,
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


def reads_of(person_id: int) -> list[dict[str, object]]:
    """Who read this person's record (officers and partner agencies), oldest first, for the person to see."""
    reads: list[dict[str, object]] = [
        {"at": r.at, "who": r.actor, "purpose": r.purpose}
        for r in AuditRecord.objects.filter(person_id=person_id, action="person.read")]
    reads += [{"at": r.at, "who": f"partner:{r.partner}", "purpose": r.purpose}
              for r in PartnerRead.objects.filter(person_id=person_id)]
    return sorted(reads, key=lambda r: r["at"])  # type: ignore[arg-type,return-value]
