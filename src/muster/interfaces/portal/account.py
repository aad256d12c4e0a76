"""The person's account pages: download my extract (PDF and JSON, alerting nobody), and my contact
details and consent to electronic notices (a new email or phone takes effect only with the code
sent to it). Each calls muster.own.services as the person; the service checks, logs and audits."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from muster.citizen import services as own
from muster.interfaces.portal.session import Citizen, person_page
from muster.interfaces.portal.views import _pack, _page
from muster.kernel import clock
from muster.kernel.clock import today_in

DOWNLOADS = {"pdf": "application/pdf", "json": "application/json; charset=utf-8"}


# --- download my extract ---------------------------------------------------------------------

@person_page
@require_GET
def extract_page(request: HttpRequest, person: Citizen) -> HttpResponse:
    own.record_own_view(person.actor, "extract")
    return _page(request, "portal/extract.html", "extract", {})


@person_page
@require_GET
def extract_download(request: HttpRequest, person: Citizen, kind: str) -> HttpResponse:
    """The whole record as an attachment; the service logs it as the person's own read and tells
    no one (no event, message, feed row or queue item)."""
    pack, now = _pack(), clock.now()
    make = own.extract_pdf if kind == "pdf" else own.extract_json
    response = HttpResponse(make(person.actor, pack, now), content_type=DOWNLOADS[kind])
    response["Content-Disposition"] = f'attachment; filename="extract-{today_in(pack, now).isoformat()}.{kind}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- contact details and consent -------------------------------------------------------------

def contact_problem(message: str) -> tuple[str, str]:
    """(field, words for the person) of a ContactError's message ("field: what is wrong")."""
    field, _sep, text = message.partition(": ")
    if field == "email" and "could not be sent" not in text:
        return "email", _("Enter an email address like name@example.org")
    if field == "phone" and "could not be sent" not in text:
        return "phone", _("Enter a mobile number in international format, like +79161234567")
    if field in ("email", "phone"):
        return field, _("The code could not be sent. Check the address or number and try again.")
    if field == "channel" and "last hour" in text:
        return "channel", _("5 codes were sent in the last hour. Wait an hour, then ask again.")
    if field == "channel":
        return "channel", _("Choose email or mobile number")
    if field == "code":
        left = re.search(r"(\d+) tr(y|ies) left", text)
        if left:
            return "code", _("The code is wrong. Tries left: %(left)s") % {"left": left.group(1)}
        if "expired" in text:
            return "code", _("The code has expired (it lasts 15 minutes). Ask for a new one.")
        if "used already" in text:
            return "code", _("This code has been used already.")
        return "code", _("This code no longer works. Ask for a new one.")
    return "code", _("There is no such change waiting. Start again.")


def _contacts(request: HttpRequest, person: Citizen, errors: list[tuple[str, str]] | None = None,
              values: dict[str, str] | None = None) -> HttpResponse:
    response = _page(request, "portal/contacts.html", "contacts", {
        "details": own.contact_details(person.actor), "errors": errors or [], "values": values or {},
        "may_submit": person.may_submit, "done": _done(request.GET.get("done", ""))})
    if errors:
        response.status_code = 400
    return response


def _done(key: str) -> str:
    """What the page says after a change went through (?done=...)."""
    return {"email": _("Your email address has been changed."),
            "phone": _("Your mobile number has been changed."),
            "kept": _("Your code was right, but the register keeps a value from a more trusted or newer source. "
                      "Contact your registration office if it is wrong."),
            "consent": _("Your choice about electronic notices has been saved.")}.get(key, "")


@person_page
@require_GET
def contacts(request: HttpRequest, person: Citizen) -> HttpResponse:
    own.record_own_view(person.actor, "contacts")
    return _contacts(request, person)


def _refused(request: HttpRequest, person: Citizen) -> HttpResponse | None:
    """Changing anything needs the configured level of assurance at sign-in."""
    if person.may_submit:
        return None
    return render(request, "portal/problem.html", {
        "signed_in": True, "title": _("A stronger sign-in is needed"),
        "detail": _("To change your details, sign out and sign in again with a method of a higher level "
                    "of assurance.")}, status=403)


@person_page
@require_POST
def change_contact(request: HttpRequest, person: Citizen) -> HttpResponse:
    """A new email address or mobile number: a code goes to it, then the code page."""
    refused = _refused(request, person)
    if refused:
        return refused
    channel = request.POST.get("channel", "")
    value = request.POST.get(channel, "") if channel in ("email", "phone") else ""
    if not value.strip():
        field = channel if channel in ("email", "phone") else "email"
        return _contacts(request, person, [(field, contact_problem(f"{field}: empty")[1])])
    try:
        asked = own.request_contact_change(person.actor, channel, value)
    except own.ContactError as exc:
        field, words = contact_problem(str(exc))
        return _contacts(request, person, [(channel if field == "channel" else field, words)], {channel: value})
    return redirect(f"/portal/contacts/confirm/{asked['change']}/")


def _pending(person: Citizen, change_id: int) -> dict[str, Any] | None:
    return next((p for p in own.contact_details(person.actor)["pending"] if p["change"] == change_id), None)


@person_page
@require_http_methods(["GET", "POST"])
def confirm_contact(request: HttpRequest, person: Citizen, change_id: int) -> HttpResponse:
    """Enter the code sent to the new address or number; right, the change is applied."""
    refused = _refused(request, person)
    if refused:
        return refused
    pending = _pending(person, change_id)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        code = re.sub(r"\s", "", request.POST.get("code", ""))
        if not re.fullmatch(r"\d{6}", code):
            errors = [("code", _("Enter the 6-digit code we sent"))]
        else:
            try:
                done = own.confirm_contact_change(person.actor, _pack(), change_id, code)
            except own.ContactError as exc:
                errors = [contact_problem(str(exc))]
            else:
                return redirect(f"/portal/contacts/?done={done['channel'] if done['applied'] else 'kept'}")
    elif pending is None:
        return redirect("/portal/contacts/")
    response = _page(request, "portal/contact_code.html", "contacts", {
        "change": change_id, "pending": pending, "errors": errors})
    if errors:
        response.status_code = 400
    return response


@person_page
@require_POST
def consent(request: HttpRequest, person: Citizen) -> HttpResponse:
    refused = _refused(request, person)
    if refused:
        return refused
    choice = request.POST.get("electronic", "")
    if choice not in ("yes", "no"):
        return _contacts(request, person, [("electronic-yes", _("Choose whether you want notices electronically"))])
    own.set_notice_consent(person.actor, choice == "yes")
    return redirect("/portal/contacts/?done=consent")
