"""How a person sees who read their record (issue 13, "Who viewed my record"): the office, or the
partner agency and the kind of check, the role, the purpose and the time, and NEVER the name or
account of an individual officer.

Pure: each disclosure comes in as the access log stored it (`Disclosure`), with the office the
service found for an officer's account; this module decides what of it the person is shown, and
pages the entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

MAX_PAGE_SIZE = 200

# Where a disclosure was logged: an officer's read (the chained trail), a partner's check or an
# officer's list (the unchained log), a partner's feed page or webhook delivery.
STORES = ("read", "check", "feed")

CHECK_WORDS = {"check": "a check of the measures it enforces", "feed": "its feed of measure events"}


@dataclass(frozen=True)
class Disclosure:
    at: datetime
    store: str  # one of STORES
    who: str  # as logged: "cli:alice", "partner:Border", "person:17", "system:engine", a partner's name
    role: str  # the actor's role where known ("" when the log did not keep it)
    purpose: str
    office: str | None = None  # the office of an officer's account, found by the service


@dataclass(frozen=True)
class ViewerEntry:
    at: datetime
    by: str  # "office" | "partner" | "you" | "system"
    office: str | None  # the registration office (for an officer's read)
    agency: str | None  # the partner agency (for a check or a feed)
    check: str | None  # the kind of check, in words
    role: str
    purpose: str

    def as_dict(self) -> dict[str, object]:
        return {"at": self.at.isoformat(), "by": self.by, "office": self.office, "agency": self.agency,
                "check": self.check, "role": self.role, "purpose": self.purpose}


def describe(d: Disclosure, own_person_id: int) -> ViewerEntry:
    """The entry the person sees: an agency is named (it is an institution), an officer only by
    the office; the person's own reads say "you"; the system's own work is the system."""
    if d.who.startswith("partner:") or d.role == "partner":
        agency = d.who.removeprefix("partner:")
        return ViewerEntry(d.at, "partner", None, agency, CHECK_WORDS.get(d.store, CHECK_WORDS["check"]),
                           "partner", d.purpose)
    if d.who == f"person:{own_person_id}":
        return ViewerEntry(d.at, "you", None, None, None, "person", d.purpose)
    if d.who.startswith("system:") or d.role == "system":
        return ViewerEntry(d.at, "system", None, None, None, "system", d.purpose)
    role = d.role if d.role and d.role != "person" else "officer"
    return ViewerEntry(d.at, "office", d.office or "registration office", None, None, role, d.purpose)


class RangeProblem(ValueError):
    """A date range or page the log cannot be asked for; the message names the field."""


def check_range(since: date | None, until: date | None) -> None:
    if since is not None and until is not None and since > until:
        raise RangeProblem(f"since: {since.isoformat()} is after until ({until.isoformat()})")


def page_slice(page: int, size: int, total: int) -> tuple[int, int, int]:
    """(start, end, pages) of page `page` (from 1) of `size` entries among `total`."""
    if size < 1 or size > MAX_PAGE_SIZE:
        raise RangeProblem(f"size: expected 1 to {MAX_PAGE_SIZE}, got {size}")
    pages = max(1, -(-total // size))
    if page < 1 or page > pages:
        raise RangeProblem(f"page: expected 1 to {pages}, got {page}")
    start = (page - 1) * size
    return start, min(start + size, total), pages
