"""Every disclosure of one person's data in a time range, from the three stores of the access log
(muster.audit.access), with the store and the role where the log kept it: what the person's "who
viewed my record" page is made from (muster.citizen.viewers decides what of it is shown).

The officers' reads and partners' checks are filtered by time in SQL (each store is indexed by
person and time); the feed pages are found through the person's feed entries (indexed by person)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from muster.audit.access_log import FEED_READS
from muster.audit.models import AuditRecord, FeedRead, PartnerRead
from muster.rules.record_viewers import Disclosure


def disclosures_of(person_id: int, since: datetime | None = None, before: datetime | None = None) -> list[Disclosure]:
    """Newest first; `since` inclusive, `before` exclusive."""
    reads = AuditRecord.objects.filter(person_id=person_id, action="person.read")
    checks = PartnerRead.objects.filter(person_id=person_id)
    if since is not None:
        reads, checks = reads.filter(at__gte=since), checks.filter(at__gte=since)
    if before is not None:
        reads, checks = reads.filter(at__lt=before), checks.filter(at__lt=before)
    found = [Disclosure(r.at, "read", r.actor, "person" if r.actor.startswith("person:") else "", r.purpose)
             for r in reads]
    found += [Disclosure(r.at, "check", f"partner:{r.partner}" if r.role == "partner" else r.partner, r.role,
                         r.purpose) for r in checks]
    with connection.cursor() as cur:  # the pages and deliveries that carried an entry about them
        cur.execute(f"SELECT DISTINCT r.id FROM partners_feedentry f JOIN {FEED_READS} r ON r.partner_id = "
                    f"f.partner_id AND r.upto_seq >= f.seq AND r.after_seq < f.seq WHERE f.person_id = %s",
                    [person_id])
        read_ids = [rid for (rid,) in cur.fetchall()]
    pages = FeedRead.objects.filter(pk__in=read_ids)
    if since is not None:
        pages = pages.filter(at__gte=since)
    if before is not None:
        pages = pages.filter(at__lt=before)
    found += [Disclosure(r.at, "feed", f"partner:{r.partner}", "partner", r.purpose) for r in pages]
    return sorted(found, key=lambda d: d.at, reverse=True)
