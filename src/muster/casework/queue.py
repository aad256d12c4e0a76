"""The work queue: open applications and open appeals, most pressing first (due date, then number),
filtered by district, kind (`appeal` for appeals), overdue and urgent, and assigned to officers.

Both filters are plain date comparisons on the application's row, with cut-offs the pure rules
compute once for today (muster.rules.applications.urgent_before, muster.rules.casework.is_overdue):
overdue is `due_on < today` for an application whose time limit runs (one waiting for the person
is paused), urgent is `appearance_date < cut-off`. A district's first page reads
the partial index `application_queue` (district, due_on, id) of open applications in order, and
the appeals' `appeal_queue` likewise: the page merges two indexed `ORDER BY due_on, id LIMIT n`
reads (never a UNION over every open item), so it stays fast with a million open applications.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from muster.audit import access, trail
from muster.casework import appeals
from muster.casework.applications import ApplicationNotFound, CaseworkError, find, is_open
from muster.casework.models import Application
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.policy.calendar import working_calendar
from muster.rules import access as rules
from muster.rules.appeals import NUMBER_PREFIX as APPEAL_PREFIX
from muster.rules.applications import (
    ApplicationStatus,
    format_number,
    is_paused,
    open_statuses,
    running_statuses,
    urgent_before,
)
from muster.rules.casework import is_overdue
from muster.rules.casework_policy import APPLICATION_KINDS
from muster.rules.policy import Pack, version_in_force

MAX_LIMIT = 1000
APPEAL_KIND = "appeal"
QUEUE_KINDS = (*APPLICATION_KINDS, APPEAL_KIND)


def cut_offs(pack: Pack, today: date) -> date | None:
    """The urgency cut-off today under the policy in force (None: no policy, nothing is urgent)."""
    version = version_in_force(pack.versions, today)
    if version is None:
        return None
    return urgent_before(version.casework, today, working_calendar(pack, version, today))


def queue(actor: Actor, pack: Pack, now: datetime, *, district: str | None = None, kind: str | None = None,
          overdue: bool = False, urgent: bool = False, limit: int = 50) -> dict[str, Any]:
    """The first `limit` open applications and appeals of the queue, by due date then number; an
    officer sees only their districts (and names one of them when they have several). Lists
    numbers, kinds and dates, no personal data."""
    if kind is not None and kind not in QUEUE_KINDS:
        raise CaseworkError(f"--kind: expected one of {', '.join(QUEUE_KINDS)}, got {kind!r}")
    if not 1 <= limit <= MAX_LIMIT:
        raise CaseworkError(f"--limit: 1 to {MAX_LIMIT}")
    if district is None and not actor.all_districts:
        if len(actor.districts) != 1:
            raise access.AccessDenied("name one of your districts with --district")
        district = next(iter(actor.districts))
    access.require(rules.may_act_on_person(actor, district))  # district None: only with every district
    today = today_in(pack, now)
    items = [] if kind == APPEAL_KIND else _applications(pack, today, district, kind, overdue, urgent, limit)
    if kind is None or kind == APPEAL_KIND:
        items += appeals.open_items(actor, pack, today, district=district, overdue=overdue, urgent=urgent,
                                    limit=limit)
    items.sort(key=lambda i: (i["due_on"], i["number"]))
    return {"items": items[:limit]}


def _applications(pack: Pack, today: date, district: str | None, kind: str | None, overdue: bool, urgent: bool,
                  limit: int) -> list[dict[str, Any]]:
    """The first `limit` open applications in (due_on, id) order: one read of a partial index."""
    rows = Application.objects.filter(status__in=open_statuses())
    if district is not None:
        rows = rows.filter(district=district)
    if kind is not None:
        rows = rows.filter(kind=kind)
    if overdue:  # one waiting for the person is paused, never overdue
        rows = rows.filter(due_on__lt=today, status__in=running_statuses())
    cut_off = cut_offs(pack, today)
    if urgent:
        rows = rows.filter(appearance_date__lt=cut_off) if cut_off else rows.none()
    page = rows.order_by("due_on", "id").values_list("id", "kind", "due_on", "appearance_date",
                                                     "assigned_to__username", "status")[:limit]
    return [{"number": format_number(pk), "kind": k, "due_on": due,
             "urgent": bool(cut_off and appearance is not None and appearance < cut_off),
             "overdue": is_overdue(due, today, is_paused(status)), "assigned_to": who}
            for pk, k, due, appearance, who, status in page]


def officer_named(to_user: str) -> Any:
    """The active account `--to` names; CaseworkError if there is none."""
    user = get_user_model().objects.filter(username=to_user, is_active=True).first()
    if user is None:
        raise CaseworkError(f"--to: no active account named {to_user!r}")
    return user


def assign(actor: Actor, number: str, to_user: str, *, at: datetime) -> dict[str, Any]:
    """Give an open application (A-…, it is then in review) or an open appeal (P-…) to an officer."""
    if number.strip().upper().startswith(APPEAL_PREFIX):
        try:
            return appeals.assign(actor, number, to_user, officer_named, at=at)
        except appeals.AppealError as exc:
            raise CaseworkError(str(exc)) from None
        except LookupError as exc:  # ended like a missing application (exit 4)
            raise ApplicationNotFound(str(exc)) from None
    with transaction.atomic():
        app = find(number, for_update=True)
        access.require(rules.may_act_on_person(actor, app.district))
        if not is_open(app):
            raise CaseworkError(f"application {app.number} is {app.status.replace('_', ' ')}: only an open "
                                "application can be assigned")
        app.assigned_to = officer_named(to_user)
        if app.status == ApplicationStatus.SUBMITTED:
            app.status = ApplicationStatus.IN_REVIEW
        app.save(update_fields=["assigned_to", "status"])
        trail.record(actor, "application.assign", "application", app.number, person_id=app.person_id,
                     purpose=f"assigned to {to_user}", at=at)
    return {"number": app.number, "status": app.status, "assigned_to": to_user}
