"""Appealing from the portal (issue 13, "Appeal"): against a decision, a summons or a measure of the
person's. The page shows the body the appeal goes to and its last day; after that day it says the
appeal is still recorded, as late (never refused silently). Then the reasons, check, file, and a
confirmation with the appeal's number, its body, when it is due and what it suspends.

Filing twice must not file two appeals (a second filing would go to the next level): the check
page's form carries a one-time token, claimed in the shared cache before filing.
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from muster.casework import appeals
from muster.casework import services as casework
from muster.citizen import services as citizen
from muster.interfaces.portal import labels
from muster.interfaces.portal.apply import NotYours, _format_day, _pack, own_page, problem
from muster.interfaces.portal.session import Citizen
from muster.kernel import clock
from muster.measures import services as measures
from muster.policy import services as policy
from muster.summons import services as summons

SUBJECTS = ("application", "summons", "measure")
REASON_KEY = "muster_portal_appeal_reason"
TOKEN_KEY = "muster_portal_appeal_token"
EVENTS = {"service of the summons": lambda: _("the day the summons was served"),
          "the measure's first day": lambda: _("the measure's first day"),
          "the decision": lambda: _("the day of the decision")}


def page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"section": "appeal", "signed_in": True, **context}, status=status)


def _against(kind: str, ref: str) -> str:
    if kind not in SUBJECTS:
        raise NotYours
    return f"{kind}:{ref}"


def _window(person: Citizen, against: str) -> dict[str, Any]:
    """The appeal window (a read in the person's log); missing or another's subject: NotYours."""
    try:
        shown = citizen.appeal_window(person.actor, against, clock.now())
    except (citizen.AppealError, LookupError, citizen.AccessDenied) as exc:
        raise NotYours from exc
    text = policy.pack_text(_pack(), get_language())
    return {**shown, **_words(shown), "legal_reference": text(shown.get("legal_reference") or "")}


def _body(body: str) -> str:
    return str(labels.APPEAL_BODY.get(body, body))


def _subject_words(subject: dict[str, str]) -> str:
    kind, ref = subject["kind"], subject["ref"]
    if kind == "application":
        return _("the decision on application %(ref)s") % {"ref": ref}
    if kind == "summons":
        return _("summons %(ref)s") % {"ref": ref}
    named = re.search(r"\((\w+)\)$", subject.get("what", ""))  # "measure 6 (exit_ban)"
    if named:
        return _("measure %(ref)s: %(kind)s") % {"ref": ref, "kind": labels.label(labels.MEASURE_KIND, named.group(1))}
    return _("measure %(ref)s") % {"ref": ref}


def _words(shown: dict[str, Any]) -> dict[str, str]:
    """The window in the person's language (the service's sentence is English)."""
    words = {"what": _subject_words(shown["subject"])}
    if not shown["can_appeal"]:
        return {**words, "text": _("You cannot appeal against %(what)s now: it has been appealed at every level "
                                   "there is, or an appeal is still being considered.") % words}
    fields = {"body": _body(shown["body"]), "day": _format_day(shown["deadline"]),
              "from": _format_day(shown["runs_from"]), "days": shown["days_left"],
              "event": EVENTS[shown["event"]]() if shown["event"] in EVENTS else shown["event"]}
    if shown["late"]:
        text = _("The time to appeal to %(body)s ended on %(day)s (counted from %(event)s, %(from)s). You can "
                 "still appeal: your appeal will be recorded as late, and %(body)s decides whether to hear it. "
                 "Say in your reasons why you could not appeal in time.") % fields
    elif shown["days_left"] == 0:
        text = _("Today, %(day)s, is the last day to appeal to %(body)s (counted from %(event)s, %(from)s).") % fields
    else:
        text = _("You can appeal to %(body)s until %(day)s, %(days)s days from today (counted from %(event)s, "
                 "%(from)s).") % fields
    return {**words, **{k: str(v) for k, v in fields.items()}, "text": text}


@own_page("appeal")
def index(request: HttpRequest, person: Citizen) -> HttpResponse:
    """What the person can appeal against (their summonses, measures and decisions) and their appeals."""
    pack = _pack()
    notices = summons.notices_of(person.actor, person.national_id, pack)
    own_measures = measures.show(person.actor, person.national_id, pack.code)
    decided = [a for a in casework.list_for_person(person.actor, pack, person.national_id)["items"] if a["outcome"]]
    filed = appeals.list_for_person(person.actor, person.national_id, pack)
    for a in filed:
        a["body_text"] = _body(a["body"])
        a["status_text"] = labels.label(labels.APPEAL_STATUS, a["status"])
        a["outcome_text"] = labels.label(labels.APPEAL_OUTCOME, a["outcome"]) if a["outcome"] else ""
        a["what"] = _subject_words(a["subject"])
    for m in own_measures:
        m["kind_text"] = labels.label(labels.MEASURE_KIND, m["kind"])
    for d in decided:
        d["outcome_text"] = labels.label(labels.OUTCOME, d["outcome"])
        d["kind_text"] = labels.label(labels.APPLICATION_KIND, d["kind"])
    return page(request, "portal/appeal_index.html", {
        "notices": notices, "measures": own_measures, "decided": decided, "appeals": filed})


@own_page("appeal")
@require_http_methods(["GET", "POST"])
def window(request: HttpRequest, person: Citizen, kind: str, ref: str) -> HttpResponse:
    """The deadline (and, if late, what that means), then the reasons."""
    against = _against(kind, ref)
    shown = _window(person, against)
    reasons = request.session.get(REASON_KEY, {})
    errors, reason = [], reasons.get(against, "")
    if request.method == "POST" and shown["can_appeal"]:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            errors.append({"field": "reason", "text": _("Say why you appeal.")})
        elif len(reason) > 2000:
            errors.append({"field": "reason", "text": _("Your reasons must be 2,000 characters or fewer.")})
        else:
            request.session[REASON_KEY] = {**reasons, against: reason}
            return redirect(f"/portal/appeal/{kind}/{ref}/check/")
    return page(request, "portal/appeal_window.html", {
        "w": shown, "kind": kind, "ref": ref, "reason": reason, "errors": errors}, status=400 if errors else 200)


@own_page("appeal")
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, person: Citizen, kind: str, ref: str) -> HttpResponse:
    """Check the appeal, then file it once."""
    against = _against(kind, ref)
    shown = _window(person, against)
    already = _filed_with(person, request.POST.get("token", "")) if request.method == "POST" else None
    if already:  # the same form again: the appeal it filed
        return redirect(f"/portal/appeals/{already}/")
    reason = request.session.get(REASON_KEY, {}).get(against, "")
    if not reason or not shown["can_appeal"]:
        return redirect(f"/portal/appeal/{kind}/{ref}/")
    if request.method == "POST":
        if not person.may_submit:
            return problem(request, 403, _("You cannot send this yet"),
                           _("Filing an appeal needs a stronger sign-in than the one you used. Sign out, then "
                             "sign in again with a verified account."))
        return _file(request, person, against, reason)
    token = secrets.token_urlsafe(24)
    request.session[TOKEN_KEY] = token
    return page(request, "portal/appeal_check.html", {
        "w": shown, "kind": kind, "ref": ref, "reason": reason, "token": token, "may_submit": person.may_submit})


def _filed_with(person: Citizen, token: str) -> str | None:
    return cache.get(f"portal-appeal-filed:{person.person_id}:{token}") or None if token else None


def _file(request: HttpRequest, person: Citizen, against: str, reason: str) -> HttpResponse:
    token = request.POST.get("token", "")
    key = f"portal-appeal-filed:{person.person_id}:{token}"
    if not token or not cache.add(key, "", timeout=3600):  # this form was sent already
        number = cache.get(key) if token else None
        return redirect(f"/portal/appeals/{number}/" if number else "/portal/appeal/")
    try:
        filed = citizen.file_appeal(person.actor, against, reason, clock.now())
    except citizen.AppealError as exc:
        cache.delete(key)
        kind, _sep, ref = against.partition(":")
        shown = _window(person, against)
        return page(request, "portal/appeal_check.html", {
            "w": shown, "kind": kind, "ref": ref, "reason": reason, "token": token, "may_submit": True,
            "errors": [{"field": "reason", "text": str(exc).split(": ", 1)[-1]}]}, status=400)
    cache.set(key, filed["number"], timeout=3600)
    request.session[REASON_KEY] = {k: v for k, v in request.session.get(REASON_KEY, {}).items() if k != against}
    return redirect(f"/portal/appeals/{filed['number']}/")


@own_page("appeal")
def filed(request: HttpRequest, person: Citizen, number: str) -> HttpResponse:
    """The confirmation: number, body, due date, late or not, and what the appeal suspends."""
    try:
        shown = appeals.show(person.actor, number)
    except (appeals.AppealError, LookupError, citizen.AccessDenied) as exc:
        raise NotYours from exc
    suspends = [labels.label(labels.MEASURE_KIND, s["kind"]) for s in shown["suspends"]]
    return page(request, "portal/appeal_filed.html", {
        "a": shown, "body": _body(shown["body"]), "suspends": suspends, "what": _subject_words(shown["subject"]),
        "due_on": shown["due_on"] if isinstance(shown["due_on"], date) else None,
        "status_text": labels.label(labels.APPEAL_STATUS, shown["status"]),
        "outcome_text": labels.label(labels.APPEAL_OUTCOME, shown["outcome"]) if shown["outcome"] else ""})
