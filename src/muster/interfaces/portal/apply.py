"""Applying from the portal (issue 13, "Apply"), one question a page as GOV.UK does it: the kind,
then the questions the kind asks (muster.rules.drafts.QUESTIONS), evidence, check your answers,
submit, and a confirmation with the number, the due date and the answers as a PDF.

The draft lives in the database (muster.citizen.services), so the person can stop and come back;
its token in the final form files the application once however often the form is sent. Another
person's draft is "not found", exactly as a missing one is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from muster.casework import services as casework
from muster.citizen import services as citizen
from muster.interfaces.clients import count_hit
from muster.interfaces.portal import decisions, labels
from muster.interfaces.portal.session import Citizen, person_page
from muster.interfaces.portal.views import _pack
from muster.kernel import clock
from muster.policy import services as policy
from muster.rules.drafts import QUESTIONS
from muster.summons import services as summons

OPEN_SUMMONS = ("placed", "served", "missed")  # a summons an excuse can still be asked for


class NotYours(Exception):
    """A draft, application or subject that is missing or another person's: the same 404."""


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/problem.html", {
        "title": _("Page not found"), "detail": _("There is nothing of yours at this address."),
        "signed_in": True}, status=404)


def problem(request: HttpRequest, status: int, title: str, detail: str) -> HttpResponse:
    return render(request, "portal/problem.html", {"title": title, "detail": detail, "signed_in": True},
                  status=status)


def upload_too_large(request: HttpRequest) -> HttpResponse:
    """A body past the upload limit, answered before it is read (muster.interfaces.middleware)."""
    from django.utils import translation

    from muster.interfaces.portal.middleware import language_of

    with translation.override(language_of(request)):
        return render(request, "portal/upload_too_large.html", {
            "errors": [{"field": "evidence", "text": _("The file is larger than 10 MB.")}],
            "back": request.path, "signed_in": False}, status=413)


def own_page(name: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A signed-in person's page, logged as their own read (`name`); NotYours becomes the 404."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @person_page
        @wraps(view)
        def wrapped(request: HttpRequest, person: Citizen, *args: Any, **kwargs: Any) -> HttpResponse:
            citizen.record_own_view(person.actor, name)
            try:
                return view(request, person, *args, **kwargs)
            except NotYours:
                return not_found(request)

        return wrapped

    return decorate


def page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"section": "apply", "signed_in": True, **context}, status=status)


def _draft(person: Citizen, draft_id: int) -> dict[str, Any]:
    try:
        return citizen.show_draft(person.actor, draft_id)
    except citizen.DraftError as exc:
        raise NotYours from exc


def _steps(kind: str) -> list[str]:
    return [*QUESTIONS[kind], "evidence", "check"]


def _url(draft: dict[str, Any], step: str) -> str:
    return f"/portal/apply/{draft['draft']}/{step}/"


def _field_and_text(exc: Exception) -> tuple[str, str]:
    field, _sep, text = str(exc).partition(": ")
    return field, text


QUESTION_ERRORS = {
    "ground": lambda: _("Choose the ground of your application."),
    "summons": lambda: _("Choose the summons you ask to be excused from."),
    "until": lambda: _("Enter a date after today, like 2027-06-30, or leave it blank."),
    "token": lambda: _("This form is out of date. Check your answers and send them again."),
}


def _error(exc: Exception, *, detail: bool = False) -> dict[str, str]:
    """The error summary's entry: the field's id and a message in the person's language (with
    casework's own words too when `detail`: a refusal at submission says why)."""
    field, text = _field_and_text(exc)
    message = QUESTION_ERRORS.get(field)
    if message is None:
        return {"field": field, "text": text}
    return {"field": field, "text": f"{message()} ({text})" if detail and field != "token" else message()}


@own_page("apply")
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, person: Citizen) -> HttpResponse:
    """Choose the kind (a new draft), or carry on with a saved one."""
    errors = []
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind in QUESTIONS:
            draft = citizen.start_draft(person.actor, _pack(), kind)
            return redirect(_url(draft, _steps(kind)[0]))
        errors.append({"field": "kind-deferment", "text": _("Choose what you are applying for.")})
    drafts = citizen.list_drafts(person.actor)
    for d in drafts:
        d["kind_text"] = labels.label(labels.APPLICATION_KIND, d["kind"])
    kinds = [{"code": k, "name": labels.APPLICATION_KIND[k], "hint": labels.APPLICATION_HINT[k]} for k in QUESTIONS]
    return page(request, "portal/apply_start.html", {"drafts": drafts, "kinds": kinds, "errors": errors},
                status=400 if errors else 200)


@own_page("apply")
def resume(request: HttpRequest, person: Citizen, draft_id: int) -> HttpResponse:
    draft = _draft(person, draft_id)
    if draft["state"] == "submitted":
        return redirect(_url(draft, "done"))
    if draft["state"] != "open":
        raise NotYours
    return redirect(_url(draft, draft["next"] or ("evidence" if not draft["evidence"] else "check")))


def _choices(person: Citizen, draft: dict[str, Any], question: str) -> list[dict[str, Any]]:
    if question == "ground":
        text = policy.pack_text(_pack(), get_language())
        return [{"value": g["code"], "name": text(g["name"]), "hint": text(g["legal_reference"])} for g in draft["grounds"]]
    if question == "summons":
        rows = summons.notices_of(person.actor, person.national_id, _pack())
        return [{"value": r["number"], "name": _("Summons %(number)s") % {"number": r["number"]},
                 "hint": _("to appear on %(day)s (%(status)s)") % {
                     "day": _format_day(r["appearance_date"]), "status": labels.label(labels.SUMMONS_STATUS, r["status"])}}
                for r in rows if r["status"] in OPEN_SUMMONS]
    return []


def _format_day(value: object) -> str:
    from django.utils.formats import date_format

    day = date.fromisoformat(value) if isinstance(value, str) else value
    return date_format(day, "DATE_FORMAT") if isinstance(day, date) else str(value)


@own_page("apply")
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, person: Citizen, draft_id: int, name: str) -> HttpResponse:
    """One question of the draft; answered, on to the next page (or back to the check page)."""
    draft = _draft(person, draft_id)
    if draft["state"] != "open":
        return redirect(f"/portal/apply/{draft_id}/")
    if name not in QUESTIONS[draft["kind"]]:
        raise NotYours
    errors, value = [], draft["answers"].get(name) or ""
    back_to_check = request.GET.get("change") == "1" or request.POST.get("change") == "1"
    if request.method == "POST":
        value = request.POST.get(name, "")
        try:
            draft = citizen.answer_draft(person.actor, draft_id, name, value)
        except citizen.DraftError as exc:
            errors.append(_error(exc))
        else:
            steps = _steps(draft["kind"])
            return redirect(_url(draft, "check" if back_to_check else steps[steps.index(name) + 1]))
    choices = _choices(person, draft, name)
    return page(request, "portal/apply_question.html", {
        "draft": draft, "name": name, "value": value, "choices": choices, "errors": errors, "change": back_to_check,
        "kind_text": labels.APPLICATION_KIND.get(draft["kind"], draft["kind"]),
        "title": labels.QUESTION_TITLE[name], "hint": labels.QUESTION_HINT.get(name, ""),
        "back": _back(draft, name)}, status=400 if errors else 200)


def _back(draft: dict[str, Any], step: str) -> str:
    steps = _steps(draft["kind"])
    at = steps.index(step)
    return "/portal/apply/" if at == 0 else _url(draft, steps[at - 1])


def _upload_allowed(person: Citizen) -> bool:
    """Uploads per person in a one-hour window (MUSTER_PORTAL_UPLOADS_PER_HOUR), across workers."""
    key = f"portal-upload:{person.person_id}:{int(clock.now().timestamp() // 3600)}"
    return count_hit(key, 3700) <= settings.MUSTER_PORTAL_UPLOADS_PER_HOUR


def _evidence_error(name: str, exc: Exception) -> str:
    text = str(exc)
    if "JavaScript" in text or "action" in text:
        return _("%(name)s: the PDF contains JavaScript or an action, which is not accepted. "
                 "Print it to a new PDF, or scan it, and upload that.") % {"name": name}
    if "at most" in text:
        return _("You can attach at most 10 files.")
    return _("%(name)s is not a PDF, JPEG or PNG file, or cannot be read.") % {"name": name}


@own_page("apply")
@require_http_methods(["GET", "POST"])
def evidence(request: HttpRequest, person: Citizen, draft_id: int) -> HttpResponse:
    """Attach files (multipart), or remove one; refused files are named in the error summary."""
    draft = _draft(person, draft_id)
    if draft["state"] != "open":
        return redirect(f"/portal/apply/{draft_id}/")
    errors = []
    if request.method == "POST" and request.POST.get("remove"):
        citizen.remove_evidence(person.actor, draft_id, request.POST["remove"])
        return redirect(_url(draft, "evidence"))
    if request.method == "POST":
        upload = request.FILES.get("evidence")
        if upload is None:
            errors.append({"field": "evidence", "text": _("Choose a file to upload.")})
        elif not _upload_allowed(person):
            return problem(request, 429, _("Too many uploads"),
                           _("You have uploaded many files in the last hour. Please wait, then try again. "
                             "Your answers are saved."))
        elif upload.size == 0:
            errors.append({"field": "evidence", "text": _("%(name)s is empty.") % {"name": upload.name}})
        elif upload.size > casework.EVIDENCE_MAX_BYTES:
            errors.append({"field": "evidence", "text": _("%(name)s is larger than 10 MB.") % {"name": upload.name}})
        else:
            try:
                citizen.attach_evidence(person.actor, draft_id, upload.name or "file", upload.read())
            except citizen.DraftError as exc:
                errors.append({"field": "evidence", "text": _evidence_error(upload.name or "", exc)})
            else:
                return redirect(_url(draft, "evidence"))
    return page(request, "portal/apply_evidence.html", {
        "draft": draft, "errors": errors, "kind_text": labels.APPLICATION_KIND.get(draft["kind"], draft["kind"]),
        "back": _back(draft, "evidence")}, status=400 if errors else 200)


def _answer_rows(person: Citizen, draft: dict[str, Any]) -> list[dict[str, Any]]:
    text = policy.pack_text(_pack(), get_language())
    names = {g["code"]: f"{text(g['name'])} ({text(g['legal_reference'])})" for g in draft["grounds"]}
    rows = [{"label": _("Applying for"), "value": labels.APPLICATION_KIND.get(draft["kind"], draft["kind"]),
             "change": "/portal/apply/", "field": "kind"}]
    for q in QUESTIONS[draft["kind"]]:
        answer = draft["answers"].get(q)
        shown = names.get(answer, answer) if q == "ground" else _format_day(answer) if q == "until" and answer else answer
        rows.append({"label": labels.QUESTION_TITLE[q], "value": shown or _("Not answered"),
                     "change": _url(draft, q) + "?change=1", "field": q})
    rows.append({"label": _("Evidence"), "value": ", ".join(e["name"] for e in draft["evidence"]) or _("None"),
                 "change": _url(draft, "evidence"), "field": "evidence"})
    return rows


@own_page("apply")
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, person: Citizen, draft_id: int) -> HttpResponse:
    """Check your answers, then send (the draft's token makes a second send the first filing)."""
    draft = _draft(person, draft_id)
    if draft["state"] == "submitted" and request.method == "GET":
        return redirect(_url(draft, "done"))
    errors = []
    if request.method == "POST":
        if not person.may_submit:
            return problem(request, 403, _("You cannot send this yet"), _assurance_text())
        try:
            citizen.submit_draft(person.actor, draft_id, request.POST.get("token", ""))
        except citizen.DraftError as exc:
            errors.append(_error(exc, detail=True))
        else:
            return redirect(_url(draft, "done"))
        draft = _draft(person, draft_id)
        if draft["state"] != "open":
            return redirect(f"/portal/apply/{draft_id}/")
    return page(request, "portal/apply_check.html", {
        "draft": draft, "rows": _answer_rows(person, draft), "errors": errors, "may_submit": person.may_submit,
        "assurance": _assurance_text(), "kind_text": labels.APPLICATION_KIND.get(draft["kind"], draft["kind"])},
        status=400 if errors else 200)


def _assurance_text() -> str:
    return _("Sending an application needs a stronger sign-in than the one you used. Sign out, then sign in "
             "again with a verified account (for example with your bank or an identity document). "
             "Your answers are saved.")


@own_page("apply")
def done(request: HttpRequest, person: Citizen, draft_id: int) -> HttpResponse:
    draft = _draft(person, draft_id)
    if draft["state"] != "submitted" or not draft["application_number"]:
        return redirect(f"/portal/apply/{draft_id}/")
    return page(request, "portal/apply_done.html", {
        "draft": draft, "kind_text": labels.APPLICATION_KIND.get(draft["kind"], draft["kind"])})


@own_page("apply")
def answers_pdf(request: HttpRequest, person: Citizen, draft_id: int) -> HttpResponse:
    try:
        data = citizen.draft_answers_pdf(person.actor, draft_id)
    except citizen.DraftError as exc:
        raise NotYours from exc
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="application-answers-{draft_id}.pdf"'
    return response


@own_page("apply")
@require_http_methods(["POST"])
def discard(request: HttpRequest, person: Citizen, draft_id: int) -> HttpResponse:
    try:
        citizen.discard_draft(person.actor, draft_id)
    except citizen.DraftError as exc:
        if str(exc).startswith("draft: no draft"):
            raise NotYours from exc
    return redirect("/portal/apply/")


@own_page("applications")
def applications(request: HttpRequest, person: Citizen) -> HttpResponse:
    """The person's applications with status and decision (reasons, legal basis, appeal deadline)."""
    listed = casework.list_for_person(person.actor, _pack(), person.national_id)["items"]
    rows = [_application_row(casework.show(person.actor, item["number"])) for item in reversed(listed)]
    return page(request, "portal/applications.html", {"applications": rows})


def _application_row(app: dict[str, Any]) -> dict[str, Any]:
    decision = app["decision"]
    if decision:
        text = policy.pack_text(_pack(), get_language())
        decision = {**decision, "reasons": [decisions.sentence(r, text) for r in decision["reasons"]],
                    "legal_basis": text(decision["legal_basis"] or "")}
    return {**app, "decision": decision, "kind_text": labels.APPLICATION_KIND.get(app["kind"], app["kind"]),
            "status_text": labels.label(labels.APPLICATION_STATUS, app["status"]),
            "outcome_text": labels.label(labels.OUTCOME, decision["outcome"]) if decision else "",
            "submitted_on": app["submitted_at"]}
