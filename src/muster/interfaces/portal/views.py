"""The signed-in person's pages: their record, notices, measures, who viewed their record, and
messages. Each calls a service as the person (Actor.person), which checks that the record is theirs
and logs the view in their own access log; nothing here reads another person's data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from muster.audit import services as audit
from muster.delivery import services as delivery
from muster.interfaces.portal import decisions, labels, reasons
from muster.interfaces.portal.session import Citizen, citizen, person_page
from muster.kernel.clock import today_in
from muster.measures import services as measures
from muster.policy import services as policy
from muster.registry import services as registry
from muster.rules.policy import Pack
from muster.summons import services as summons


def _pack() -> Pack:
    return policy.get_pack(settings.MUSTER_DEFAULT_PACK)


def _page(request: HttpRequest, template: str, section: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": section, "signed_in": True, **context})


@never_cache
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """The start page: sign in, or on to the record when signed in already."""
    if citizen(request) is not None:
        return redirect("/portal/record/")
    return render(request, "portal/start.html", {"ended": request.GET.get("ended") == "1",
                                                 "signed_in": False})


@never_cache
@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/signed_out.html", {"signed_in": False})


def _shown(name: str, value: object) -> object:
    """A value as the person reads it: dates and yes/no in their language, codes as they are."""
    if name.endswith("_date") and isinstance(value, str):
        return _day(value) or value
    if isinstance(value, bool) or (name == "sex" and value in labels.VALUES):
        return labels.VALUES[value]  # type: ignore[index]
    return value


@person_page
@require_GET
def record(request: HttpRequest, person: Citizen) -> HttpResponse:
    pack = _pack()
    data = registry.show_person(person.actor, person.national_id, pack, today_in(pack), explained=True)
    rows = [{"label": labels.label(labels.FIELDS, name), "value": _shown(name, value),
             "source": data["provenance"][name]}
            for name, value in data["fields"].items() if value not in (None, "")]
    for row in rows:
        if row["source"]:
            row["source"] = {**row["source"], "source": labels.label(reasons.SOURCE, row["source"]["source"]),
                             "observed_at": datetime.fromisoformat(row["source"]["observed_at"])}
    liability = data["liability"]
    text = policy.pack_text(pack, get_language())

    def status_text(reason: str) -> str:
        return decisions.status_reason(reason, pack, text)

    statuses = [{**s, "kind": labels.label(reasons.STATUS_KIND, s["kind"]),
                 "reason": status_text(s["reason"]) if s["reason"] else None} for s in data["statuses"]]
    return _page(request, "portal/record.html", "record", {
        "national_id": data["national_id_display"], "rows": rows, "statuses": statuses,
        "liable": labels.LIABILITY[bool(liability["liable"])], "reasons": [reasons.render(r, text, status_text) for r in data["liability_explained"]],
        "policy_version": liability["policy_version"], "on": date.fromisoformat(data["on"])})


@person_page
@require_GET
def notices(request: HttpRequest, person: Citizen) -> HttpResponse:
    rows = summons.notices_of(person.actor, person.national_id, _pack())
    for row in rows:
        row["status_text"] = labels.label(labels.SUMMONS_STATUS, row["status"])
        row["served_how_text"] = labels.label(labels.SERVED_HOW, row["served_how"]) if row["served_how"] else ""
        row["next_step"] = labels.label(labels.NEXT_STEP, row["status"])
    return _page(request, "portal/notices.html", "notices", {"notices": rows})


def _lifted_by(pack: Pack) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(v.code, m.kind): m.lifted_by for v in pack.versions for m in v.measures}


@person_page
@require_GET
def measures_page(request: HttpRequest, person: Citizen) -> HttpResponse:
    pack = _pack()
    rows = measures.show(person.actor, person.national_id, pack.code)
    ways = _lifted_by(pack)
    text = policy.pack_text(pack, get_language())
    for row in rows:
        row["kind_text"] = labels.label(labels.MEASURE_KIND, row["kind"])
        row["status_text"] = labels.label(labels.MEASURE_STATUS, row["status"])
        row["enforced_by"] = labels.ENFORCED_BY.get(row["kind"], "")
        row["how_to_lift"] = [labels.LIFTED_BY[w] for w in ways.get((row["policy_version"], row["kind"]),
                                                                     tuple(labels.LIFTED_BY)) if w in labels.LIFTED_BY]
        row["legal_basis"] = text(row["legal_basis"])
        row["effective_from"] = date.fromisoformat(row["effective_from"])
        row["lifted_on"] = date.fromisoformat(row["lifted_on"]) if row["lifted_on"] else None
    return _page(request, "portal/measures.html", "measures", {"measures": rows})


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@person_page
@require_GET
def access_log(request: HttpRequest, person: Citizen) -> HttpResponse:
    """Every read of the person's record, newest first, between two days (either open)."""
    pack = _pack()
    zone = ZoneInfo(pack.time_zone)
    since, until = _day(request.GET.get("from", "")), _day(request.GET.get("to", ""))
    errors = [name for name in ("from", "to") if request.GET.get(name) and _day(request.GET[name]) is None]

    def instant(day: date | None) -> datetime | None:
        return None if day is None else datetime.combine(day, time(), tzinfo=zone)

    entries = audit.reads_for_person(person.actor, instant(since), instant(until + timedelta(days=1) if until else None))
    for entry in entries:
        entry["by_text"] = labels.READ_BY[entry["by"]]
        if entry["by"] == "you":
            entry["purpose"] = labels.OWN_READ
    return _page(request, "portal/access_log.html", "access_log", {
        "entries": entries, "since": request.GET.get("from", ""), "until": request.GET.get("to", ""),
        "errors": errors})


@person_page
@require_GET
def messages(request: HttpRequest, person: Citizen) -> HttpResponse:
    rows = delivery.messages_for_person(person.actor)
    text = policy.pack_text(_pack(), get_language())
    for row in rows:
        if row.get("legal_basis"):
            row["legal_basis"] = text(str(row["legal_basis"]))
        row["at"] = datetime.fromisoformat(str(row["at"]))
        row["topic_text"] = labels.label(labels.MESSAGE_TOPIC, row["topic"])
        row["kind_text"] = labels.label({**labels.APPLICATION_KIND, **labels.MEASURE_KIND}, row["kind"]) if row.get("kind") else ""
    return _page(request, "portal/messages.html", "messages", {"messages": rows})
