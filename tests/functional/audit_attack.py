"""The review's attack on the audit trail, as a database superuser does it: triggers off, rows
edited and deleted with raw SQL, the chain recomputed without Muster's key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Any

from django.db import connection

from muster.kernel.db import is_postgres
from muster.rules.audit_chain import GENESIS, chain_hash, unkeyed_hash


@contextmanager
def superuser_tampering() -> Iterator[Any]:
    """A cursor that may rewrite the append-only tables: a superuser switches the triggers off."""
    with connection.cursor() as cur:
        if is_postgres():
            cur.execute("SET LOCAL session_replication_role = replica")
        try:
            yield cur
        finally:
            if is_postgres():
                cur.execute("SET LOCAL session_replication_role = origin")


HASHERS: dict[str, Callable[[str, dict[str, object]], str]] = {
    "unkeyed": unkeyed_hash,
    "wrong key": lambda prev, fields: chain_hash(b"a guessed key, not Muster's", prev, fields),
}


def recompute_chain(cur: Any, how: str) -> None:
    """Rewrite every record's prev_hash and hash so that the chain links up again."""
    from muster.audit.models import AuditRecord

    prev = GENESIS
    for rid, at, actor, action, otype, oid, pid, purpose in AuditRecord.objects.order_by("id").values_list(
            "id", "at", "actor", "action", "object_type", "object_id", "person_id", "purpose"):
        fields = {"at": at.astimezone(UTC).isoformat(), "actor": actor, "action": action, "object_type": otype,
                  "object_id": oid, "person_id": pid, "purpose": purpose}
        new = HASHERS[how](prev, fields)
        cur.execute("UPDATE audit_auditrecord SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new, rid])
        prev = new


def the_reviews_attack(cur: Any, target: int, how: str | None) -> None:
    """Edit one record's actor and purpose, delete the last 3 records, recompute the chain (`how`)."""
    cur.execute("UPDATE audit_auditrecord SET actor = 'cli:nobody', purpose = 'routine' WHERE id = %s", [target])
    cur.execute("SELECT id FROM audit_auditrecord ORDER BY id DESC LIMIT 3")
    last = [r[0] for r in cur.fetchall()]
    cur.execute(f"DELETE FROM audit_auditrecord WHERE id IN ({', '.join(str(i) for i in last)})")
    if how is not None:
        recompute_chain(cur, how)
