"""Who viewed my record (issue 13): the person's access log as they see it, newest first, filtered
by day and paged. An officer is shown by the office of their account and their role, never by name
or account (muster.rules.record_viewers); a partner agency by its name and the kind of check."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from muster.accounts.models import Officer
from muster.audit.disclosures import disclosures_of
from muster.registry.models import District, Person
from muster.rules import record_viewers as rule
from muster.rules.policy import Pack

CENTRAL = "central office (all districts)"


def _offices(who: set[str], person: Person) -> dict[str, tuple[str, str]]:
    """account as logged ("cli:alice") -> (office, role), for the officers among `who`."""
    names = {w.partition(":")[2]: w for w in who if ":" in w and not w.startswith(("partner:", "person:", "system:"))}
    district_offices = dict(District.objects.values_list("code", "office"))
    home = district_offices.get(person.district or "", "registration office")
    found: dict[str, tuple[str, str]] = {}
    for officer in Officer.objects.filter(user__username__in=list(names)).select_related("user"):
        if officer.all_districts:
            office = CENTRAL
        elif person.district in officer.districts:
            office = home
        else:
            office = next((district_offices[d] for d in sorted(officer.districts) if d in district_offices), home)
        found[names[officer.user.get_username()]] = (office, officer.role)
    for account in who:  # an account since removed, or an actor without an account: the person's office
        found.setdefault(account, (home, ""))
    return found


def entries(person: Person, pack: Pack, *, since: date | None = None, until: date | None = None) -> list[rule.ViewerEntry]:
    """Every entry of the person's access log between `since` and `until` (days in the pack's time
    zone, both included), newest first."""
    rule.check_range(since, until)
    zone = ZoneInfo(pack.time_zone)
    start = datetime.combine(since, time(0), tzinfo=zone) if since else None
    before = datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone) if until else None
    found = disclosures_of(person.pk, start, before)
    offices = _offices({d.who for d in found if d.store != "feed"}, person)
    shown = []
    for d in found:
        office, role = offices.get(d.who, (None, ""))
        shown.append(rule.describe(rule.Disclosure(d.at, d.store, d.who, d.role or role, d.purpose, office), person.pk))
    return shown


def page(person: Person, pack: Pack, *, since: date | None, until: date | None, page: int, size: int) -> dict[str, Any]:
    found = entries(person, pack, since=since, until=until)
    start, end, pages = rule.page_slice(page, size, len(found))
    return {"items": [e.as_dict() for e in found[start:end]], "page": page, "pages": pages, "total": len(found),
            "since": since, "until": until}
