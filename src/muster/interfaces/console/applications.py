"""An application in the console: its facts, evidence and decision, and the forms to decide it
and (four eyes) to confirm another officer's decision, over muster.casework.services. Casework
decides who may act and refuses one's own confirmation; this page only says so."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from muster.audit.access import AccessDenied
from muster.casework import services as casework
from muster.interfaces.console.guard import officer_page

REASON_CHARS = 300


def _purpose(number: str) -> str:
    """Working an item of the queue is the purpose of reading it: it names the application."""
    return f"application or appeal: {number}"


@require_http_methods(["GET", "POST"])
@officer_page
def application(request: HttpRequest, number: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    number = number[:40]
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "decide":
                until = _until(request.POST.get("until", ""))
                casework.decide(actor, number, request.POST.get("verdict", "")[:20],
                                request.POST.get("reason", "")[:REASON_CHARS], until=until, at=casework.known_now())
            elif action == "confirm":
                casework.confirm(actor, number, at=casework.known_now())
            else:
                raise casework.CaseworkError("action: decide or confirm")
        except casework.BadNumber:
            raise casework.ApplicationNotFound("no such application") from None
        except casework.CaseworkError as exc:
            context.update(error=_("The decision was not recorded."), detail=str(exc))
            status = 400
        except AccessDenied as exc:
            if "you decided it" not in str(exc):
                raise
            context.update(error=_("A second officer must confirm this decision: you made it."))
            status = 403
        else:
            return redirect("console:application", number=number)
    try:
        context["app"] = casework.show(actor.for_purpose(_purpose(number)), number)
    except casework.BadNumber:
        raise casework.ApplicationNotFound("no such application") from None
    decision = context["app"]["decision"]
    context["waiting"] = bool(decision and decision.get("needs_confirmation") and not decision.get("confirmed_at"))
    return render(request, "console/application.html", context, status=status)


def _until(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        raise casework.CaseworkError("until: use the form YYYY-MM-DD") from None
