"""The work queue page over muster.casework.services (queue, assign): open applications and
appeals, earliest due first, with urgent and overdue flags and who has each; "assign to me".
Which district one may see or act in is decided in casework, never here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from muster.casework import services as casework
from muster.casework.queue import QUEUE_KINDS
from muster.interfaces.console.guard import officer_page
from muster.policy import services as policy


@require_GET
@officer_page
def work_queue(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    district = request.GET.get("district", "").strip().upper()[:20] or None
    if district is None and not actor.all_districts and actor.districts:
        district = sorted(actor.districts)[0]  # casework asks one with several districts to name one
    kind = request.GET.get("kind", "").strip()[:40] or None
    flags = {f: request.GET.get(f) == "1" for f in ("overdue", "urgent")}
    context: dict[str, Any] = {"district": district or "", "kind": kind or "", **flags,
                               "kinds": list(QUEUE_KINDS), "me": request.user.get_username()}
    try:
        data = casework.queue(actor, policy.get_pack(settings.MUSTER_DEFAULT_PACK), casework.known_now(),
                              district=district, kind=kind, **flags)
    except casework.CaseworkError:
        context["error"] = _("Choose one of the kinds listed.")
        return render(request, "console/queue.html", context, status=400)
    context["items"] = data["items"]
    return render(request, "console/queue.html", context)


@require_POST
@officer_page
def assign_to_me(request: HttpRequest) -> HttpResponse:
    """Take an item: the number comes from the form, so casework checks its district again."""
    actor = request.actor  # type: ignore[attr-defined]
    number = request.POST.get("number", "")[:40]
    try:
        casework.assign(actor, number, request.user.get_username(), at=casework.known_now())
    except casework.BadNumber:
        raise casework.ApplicationNotFound("no such item") from None  # 404, as for one of another district's
    except casework.CaseworkError:
        return render(request, "console/queue.html", {"error": _("This item can no longer be assigned."),
                                                      "items": [], "kinds": list(QUEUE_KINDS)}, status=400)
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/console/queue") and "//" not in back else "console:queue")
