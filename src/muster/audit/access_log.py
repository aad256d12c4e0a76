"""THE insert into the person's access log (the unchained part), written once.

Kept free of Django so that the check spool's writer (muster.audit.spool), which runs on its own
psycopg connection, uses the same statement as every other disclosure."""

from __future__ import annotations

ACCESS_LOG = "audit_partnerread"


def insert_sql(select_sql: str) -> str:
    """The access-log insert: `select_sql` yields (at, who, person_id, purpose, role) rows.
    `who` is a partner's name for the partner role (the log's first users), else the actor's name."""
    return f"INSERT INTO {ACCESS_LOG} (at, partner, person_id, purpose, role) {select_sql}"


FEED_READS = "audit_feedread"


def feed_read_sql(rows_sql: str) -> str:
    """THE insert of reads of a partner's feed: `rows_sql` (VALUES or SELECT) yields (at, partner_id,
    partner, purpose, after_seq, upto_seq)."""
    return f"INSERT INTO {FEED_READS} (at, partner_id, partner, purpose, after_seq, upto_seq) {rows_sql}"
