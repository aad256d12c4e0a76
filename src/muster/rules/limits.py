"""How long free text may be where it lands in a bounded column, in one table.

SQLite stores text of any length and PostgreSQL refuses text past a column's limit with a
database error, so the services check these limits first: both databases then refuse the same
input, with a message naming the field and its limit. tests/unit/test_limits.py holds every entry
equal to the max_length of the model field it names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    column: str  # "app_label.Model.field": the column the text is stored in
    chars: int


LIMITS: dict[str, Limit] = {
    "campaign code": Limit("notices.Campaign.code", 40),
    "campaign place": Limit("notices.Campaign.place", 300),
    # A reason or purpose is written to the audit trail's purpose column.
    "reason": Limit("audit.AuditRecord.purpose", 300),
    "purpose": Limit("audit.AuditRecord.purpose", 300),
    "partner name": Limit("partners.Partner.name", 100),
    "webhook url": Limit("partners.Partner.webhook_url", 500),
    "decline reason": Limit("measures.Measure.lift_reason", 200),
    # Why a measure was suspended, reinstated or lifted, and what did it (muster.measures.suspension).
    "measure change reason": Limit("measures.Measure.suspend_reason", 200),
    "measure changed by": Limit("measures.Measure.suspended_by", 80),
    "source name": Limit("registry.Source.name", 100),
    "username": Limit("auth.User.username", 150),
    # A receipts file is named in the audit trail by its file name.
    "receipts file name": Limit("audit.AuditRecord.object_id", 64),
}


class TooLong(ValueError):
    """Free text longer than its column holds; the message names the field and the limit."""


def too_long(what: str, value: str, label: str | None = None) -> str | None:
    """Why `value` is too long for `what` (a key of LIMITS), or None; `label` names the field for
    the user (an option such as --place), by default `what` itself."""
    limit = LIMITS[what].chars
    if len(value) <= limit:
        return None
    return f"{label or what}: is too long ({len(value)} characters, at most {limit})"


def check(what: str, value: str, label: str | None = None) -> None:
    """Raise TooLong if `value` does not fit `what`'s column."""
    problem = too_long(what, value, label)
    if problem:
        raise TooLong(problem)
