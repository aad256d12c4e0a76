"""Search and the person: the console's pages over muster.registry.services. Scope is decided
there (the officer's districts, the role, the purpose), never here."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from muster.interfaces.console import labels
from muster.interfaces.console.guard import officer_page
from muster.kernel import clock
from muster.policy import services as policy
from muster.registry import services as registry

# The short list of purposes; "other" needs the free text. Stored in English in the access log.
PURPOSES = [
    ("summons", "summons or measure enquiry", gettext_lazy("A summons or measure enquiry")),
    ("application", "application or appeal", gettext_lazy("An application or appeal")),
    ("correction", "correction of the record", gettext_lazy("A correction of the record")),
    ("audit", "audit", gettext_lazy("An audit")),
    ("other", "other", gettext_lazy("Other (say what)")),
]
FREE_TEXT_CHARS = 200


def _pack() -> Any:
    return policy.get_pack(settings.MUSTER_DEFAULT_PACK)


def _birth_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        raise registry.SearchProblem("birth_date: use the form YYYY-MM-DD") from None


@require_http_methods(["GET", "POST"])
@officer_page
def home(request: HttpRequest) -> HttpResponse:
    """The search form, and its results. A search is a POST so that no national id or name lands
    in a URL (the browser's history, a proxy's log)."""
    query = {k: request.POST.get(k, "")[:10_000] for k in ("national_id", "family_name", "birth_date")}
    context: dict[str, Any] = {"query": query, "searched": request.method == "POST"}
    if context["searched"]:
        try:
            context["results"] = registry.search_people(
                request.actor, _pack(), national_id=query["national_id"],  # type: ignore[attr-defined]
                family_name=query["family_name"], birth_date=_birth_date(query["birth_date"]))
        except registry.SearchProblem as exc:
            field, _sep, message = str(exc).partition(": ")
            context.update(error_field=field, error=_search_error(field))
            return render(request, "console/home.html", context, status=400)
    return render(request, "console/home.html", context)


def _search_error(field: str) -> str:
    return {
        "national_id": _("Give a valid national id, or a family name and a birth date."),
        "family_name": _("The family name is too long."),
        "birth_date": _("Give the birth date as YYYY-MM-DD."),
    }.get(field, _("Check the search."))


@require_http_methods(["GET", "POST"])
@officer_page
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    """GET asks for the purpose; POST with a purpose opens the record (the read is logged with it)."""
    actor = request.actor  # type: ignore[attr-defined]
    registry.check_in_scope(actor, person_id)  # 404 outside one's districts, before anything else
    context: dict[str, Any] = {"person_id": person_id, "purposes": [(k, label) for k, _e, label in PURPOSES]}
    if request.method == "POST":
        purpose = _purpose(request.POST.get("purpose", ""), request.POST.get("details", ""))
        if purpose is None:
            context["error"] = _('Choose a purpose; for "other", say what it is.')
            return render(request, "console/purpose.html", context, status=400)
        record = registry.open_person(actor.for_purpose(purpose), person_id, _pack(), clock.now().date())
        rows = [(labels.field_label(name), value, (record["provenance"].get(name) or {}).get("source", ""))
                for name, value in record["fields"].items()]
        timeline = [(entry.at, labels.event_label(entry.kind), entry.details) for entry in record["timeline"]]
        return render(request, "console/person.html",
                      {"record": record, "rows": rows, "timeline": timeline, "purpose": purpose})
    return render(request, "console/purpose.html", context)


def _purpose(key: str, details: str) -> str | None:
    english = {k: e for k, e, _label in PURPOSES}.get(key)
    details = " ".join(details.split())[:FREE_TEXT_CHARS]
    if english is None or (key == "other" and not details):
        return None
    return f"{english}: {details}" if details else english
