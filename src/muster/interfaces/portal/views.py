"""The signed-in person's pages: their record, notices, measures, who viewed their record, and
messages. Each calls a service as the person (Actor.person), which checks that the record is theirs
and logs the view in their own access log; nothing here reads another person's data."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from muster.citizen import services as own
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


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and 0 < int(text) < 1_000_000 else 1


@person_page
@require_GET
def access_log(request: HttpRequest, person: Citizen) -> HttpResponse:
    """Every read of the person's record, newest first, between two days (either open), a page at a
    time (muster.citizen.services.who_viewed: an office and a role, never an officer's name)."""
    since_text, until_text = request.GET.get("from", "").strip(), request.GET.get("to", "").strip()
    since, until = _day(since_text), _day(until_text)
    errors = [(name, labels.ENTER_DATE) for name, text, day in (("from", since_text, since), ("to", until_text, until))
              if text and day is None]
    if since and until and since > until:
        errors.append(("from", labels.FROM_AFTER_TO))
        since = until = None
    own.record_own_view(person.actor, "access_log")
    try:
        found = own.who_viewed(person.actor, _pack(), since=since, until=until,
                                   page=_page_number(request.GET.get("page")))
    except own.RangeProblem:  # a page past the last: the first
        found = own.who_viewed(person.actor, _pack(), since=since, until=until)
    entries = [labels.viewer_entry(item) for item in found["items"]]
    query = urlencode({k: v for k, v in (("from", since_text), ("to", until_text)) if v})
    return _page(request, "portal/access_log.html", "access_log", {
        "entries": entries, "since": since_text, "until": until_text, "errors": errors,
        "page": found["page"], "pages": found["pages"], "query": f"&{query}" if query else ""})


def _message_row(item: dict[str, Any]) -> dict[str, Any]:
    """A message as the page shows it, in the person's language (the pack's texts through its
    translations)."""
    details = item["details"]
    text = policy.pack_text(_pack(), get_language())
    basis = details.get("legal_basis") or ""
    return {"id": item["id"], "at": item["at"], "read": item["read"],
            "topic_text": labels.label(labels.MESSAGE_TOPIC, item["topic"]),
            "kind_text": labels.label({**labels.APPLICATION_KIND, **labels.MEASURE_KIND}, details["kind"])
            if details.get("kind") else "",
            "summons_number": details.get("summons_number") or "", "legal_basis": text(str(basis)) if basis else "",
            "effective_from": _day(str(details.get("effective_from") or ""))}


@person_page
@require_GET
def messages(request: HttpRequest, person: Citizen) -> HttpResponse:
    """The inbox, newest first; an unread message is marked read when opened (message_page)."""
    own.record_own_view(person.actor, "messages")
    try:
        box = own.message_inbox(person.actor, _page_number(request.GET.get("page")))
    except own.RangeProblem:
        box = own.message_inbox(person.actor)
    return _page(request, "portal/messages.html", "messages", {
        "messages": [_message_row(item) for item in box["items"]], "page": box["page"], "pages": box["pages"]})


@person_page
@require_GET
def message_page(request: HttpRequest, person: Citizen, message_id: int) -> HttpResponse:
    """One message, marked read the first time it is opened; another person's is not found."""
    own.record_own_view(person.actor, "message")
    try:
        message = own.open_message(person.actor, message_id)
    except own.MessageNotFound:
        return render(request, "portal/problem.html", {
            "title": labels.NO_SUCH_MESSAGE, "detail": labels.NO_SUCH_MESSAGE_DETAIL, "signed_in": True}, status=404)
    return _page(request, "portal/message.html", "messages", {"message": _message_row(message)})
