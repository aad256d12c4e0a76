"""Access rules enforced, and disclosures logged, in one place: the person's access log.

Services call `require` with a decision of muster.rules.access, and log every disclosure of a
person's data here, so that the person sees every read (officers' reads in the chained audit trail,
partners' checks, feed pages and webhook deliveries and officers' lists in the unchained log):
- `read_person` / `read_people`: one officer's read of one person, chained (muster.audit.trail);
- `insert_sql` (muster.audit.access_log): THE insert into the unchained log, for statements that log a set of people in
  the same statement or transaction as the disclosure (checks, feed pages, webhooks, lists, and
  the check spool's writer, muster.audit.spool).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from muster.audit import trail
from muster.audit.access_log import FEED_READS, insert_sql
from muster.audit.models import AuditRecord, FeedRead, PartnerRead
from muster.kernel import db
from muster.kernel.actor import Actor
from muster.rules.access import Decision


class AccessDenied(PermissionError):
    """The actor may not do this; the message says why (no personal data in it)."""


def require(decision: Decision) -> None:
    if not decision.allowed:
        raise AccessDenied(decision.reason)


def who_of(actor: Actor) -> str:
    """How the unchained log names the actor."""
    return actor.partner_name if actor.role == "partner" else actor.who


def read_person(actor: Actor, person_id: int, object_type: str = "person", object_id: str | None = None,
                at: datetime | None = None) -> None:
    """Log one read of a person's record (in the caller's transaction). The system's own work is no
    disclosure: nothing is logged for it."""
    if actor.role == "system":
        return
    trail.record(actor, "person.read", object_type, object_id or str(person_id), person_id=person_id,
                 purpose=actor.purpose, at=at)


def read_people(cur: Any, actor: Actor, people_sql: str, params: list[Any], at: datetime) -> int:
    """Log a bulk read of the people `people_sql` selects (their ids as `id`), set-based, in the
    caller's transaction; returns the rows logged."""
    cur.execute(insert_sql(f"SELECT %s, %s, x.id, %s, %s FROM ({people_sql}) x"),
                [db.dt(at), who_of(actor), actor.purpose, str(actor.role), *params])
    return int(cur.rowcount)


def reads_of(person_id: int) -> list[dict[str, object]]:
    """Every disclosure of this person's data, oldest first, as the person sees it: officers' reads
    (the chained trail), partners' checks and officers' lists (the unchained log), and every feed
    page or webhook delivery that carried an entry about them (one row each)."""
    reads: list[dict[str, object]] = [
        {"at": r.at, "who": r.actor, "purpose": r.purpose}
        for r in AuditRecord.objects.filter(person_id=person_id, action="person.read")]
    reads += [{"at": r.at, "who": f"partner:{r.partner}" if r.role == "partner" else r.partner,
               "purpose": r.purpose}
              for r in PartnerRead.objects.filter(person_id=person_id)]
    with connection.cursor() as cur:  # one id per entry of theirs a read carried (by partners' feed_person index)
        cur.execute(f"SELECT r.id FROM partners_feedentry f JOIN {FEED_READS} r ON r.partner_id = f.partner_id "
                    f"AND r.upto_seq >= f.seq AND r.after_seq < f.seq WHERE f.person_id = %s", [person_id])
        read_ids = [rid for (rid,) in cur.fetchall()]
    feed_reads = {r.pk: r for r in FeedRead.objects.filter(pk__in=set(read_ids))}
    reads += [{"at": feed_reads[rid].at, "who": f"partner:{feed_reads[rid].partner}",
               "purpose": feed_reads[rid].purpose} for rid in read_ids]
    return sorted(reads, key=lambda r: r["at"])  # type: ignore[arg-type,return-value]
