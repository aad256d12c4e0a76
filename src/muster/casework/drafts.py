"""Application drafts: a person answers one question a page, attaches evidence, comes back later,
checks the answers and submits (issue 13, "Apply"). Submission goes through
muster.casework.applications.submit exactly once per draft, however often the final form is sent:
the draft is claimed by one UPDATE (open -> submitted) keyed by its token, and a repeat gets the
first answer. Only the person themself uses their drafts (muster.rules.access.may_use_own_account).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from django.db import transaction

from muster.audit import access
from muster.casework import applications, evidence
from muster.casework.draft_models import ApplicationDraft
from muster.delivery import documents
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.policy import loader
from muster.registry.models import Person
from muster.rules import access as rules
from muster.rules import drafts as rule
from muster.rules.applications import ApplicationChannel
from muster.rules.policy import Pack

__all__ = ["DraftError", "answer", "answers_pdf", "attach", "discard", "list_open", "show", "start", "submit"]


class DraftError(ValueError):
    """An answer, file or submission the draft does not take; the message names the field."""


def _person(actor: Actor) -> Person:
    person_id = actor.person_id if actor.person_id is not None else -1
    access.require(rules.may_use_own_account(actor, person_id))
    return Person.objects.get(pk=person_id)


def _draft(actor: Actor, draft_id: int, *, lock: bool = False) -> ApplicationDraft:
    person = _person(actor)
    rows = ApplicationDraft.objects.select_for_update() if lock else ApplicationDraft.objects
    draft = rows.filter(pk=draft_id, person=person).first()  # another person's draft is not found
    if draft is None:
        raise DraftError(f"draft: no draft {draft_id} of yours")
    return draft


def _open(draft: ApplicationDraft) -> None:
    if draft.state != "open":
        raise DraftError(f"draft: draft {draft.pk} is {draft.state}"
                         + (f" as application {draft.application_number}" if draft.application_number else ""))


def _grounds(pack: Pack, kind: str, at: datetime) -> list[dict[str, str]]:
    version = applications.version_for(pack, today_in(pack, at))
    return [{"code": g.code, "name": g.name, "legal_reference": g.legal_reference}
            for g in version.casework.grounds(kind)]


def _view(draft: ApplicationDraft, now: datetime) -> dict[str, Any]:
    pack = loader.get_pack(draft.pack_code)
    return {"draft": draft.pk, "kind": draft.kind, "state": draft.state, "token": draft.token,
            "answers": dict(draft.answers), "evidence": [dict(e) for e in draft.evidence],
            "missing": list(rule.missing(draft.kind, draft.answers)),
            "next": rule.next_question(draft.kind, draft.answers),
            "grounds": _grounds(pack, draft.kind, now), "updated_at": draft.updated_at,
            "application_number": draft.application_number or None, "due_on": draft.due_on}


def start(actor: Actor, pack: Pack, kind: str, now: datetime) -> dict[str, Any]:
    """A new draft of an application of `kind`, with its token (the final form's idempotency key)."""
    person = _person(actor)
    try:
        rule.check_kind(kind)
    except rule.DraftProblem as exc:
        raise DraftError(str(exc)) from None
    draft = ApplicationDraft.objects.create(person=person, kind=kind, pack_code=pack.code, token=secrets.token_urlsafe(32),
                                            created_at=now, updated_at=now)
    return _view(draft, now)


def list_open(actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """The person's open drafts, latest first (to continue one)."""
    person = _person(actor)
    return [_view(d, now) for d in ApplicationDraft.objects.filter(person=person, state="open").order_by("-id")]


def show(actor: Actor, draft_id: int, now: datetime) -> dict[str, Any]:
    return _view(_draft(actor, draft_id), now)


def answer(actor: Actor, draft_id: int, question: str, value: str, now: datetime) -> dict[str, Any]:
    """Save one answer (checked as muster.rules.drafts says); the draft is kept as it was on error."""
    with transaction.atomic():
        draft = _draft(actor, draft_id, lock=True)
        _open(draft)
        pack = loader.get_pack(draft.pack_code)
        grounds = [g["code"] for g in _grounds(pack, draft.kind, now)]
        try:
            cleaned = rule.clean(draft.kind, question, value, grounds, today_in(pack, now))
        except rule.DraftProblem as exc:
            raise DraftError(str(exc)) from None
        draft.answers = {**draft.answers, question: cleaned}
        draft.updated_at = now
        draft.save(update_fields=["answers", "updated_at"])
    return _view(draft, now)


def attach(actor: Actor, draft_id: int, name: str, data: bytes, now: datetime) -> dict[str, Any]:
    """Check and store one evidence file (muster.casework.evidence: PDF, JPEG or PNG by content,
    bounded, no JavaScript in a PDF) and attach it to the draft."""
    with transaction.atomic():
        draft = _draft(actor, draft_id, lock=True)
        _open(draft)
        if len(draft.evidence) >= rule.MAX_EVIDENCE_FILES:
            raise DraftError(f"evidence: at most {rule.MAX_EVIDENCE_FILES} files")
        if not data:
            raise DraftError(f"evidence: {name or 'the file'} is empty")
        try:
            stored = evidence.store(name, data)
        except evidence.EvidenceRejected as exc:
            raise DraftError(f"evidence: {exc}") from None
        if all(e["sha256"] != stored.sha256 for e in draft.evidence):
            draft.evidence = [*draft.evidence, {"name": stored.name[:255], "sha256": stored.sha256,
                                                "size": stored.size, "type": stored.type}]
        draft.updated_at = now
        draft.save(update_fields=["evidence", "updated_at"])
    return _view(draft, now)


def remove_evidence(actor: Actor, draft_id: int, sha256: str, now: datetime) -> dict[str, Any]:
    with transaction.atomic():
        draft = _draft(actor, draft_id, lock=True)
        _open(draft)
        draft.evidence = [e for e in draft.evidence if e["sha256"] != sha256]
        draft.updated_at = now
        draft.save(update_fields=["evidence", "updated_at"])
    return _view(draft, now)


def discard(actor: Actor, draft_id: int, now: datetime) -> dict[str, Any]:
    with transaction.atomic():
        draft = _draft(actor, draft_id, lock=True)
        _open(draft)
        draft.state, draft.updated_at = "discarded", now
        draft.save(update_fields=["state", "updated_at"])
    return _view(draft, now)


def submit(actor: Actor, draft_id: int, token: str, at: datetime) -> dict[str, Any]:
    """File the application once: {number, due_on, status, repeated}. The same token again (a form
    posted twice) returns the first filing with `repeated` true; a wrong token is refused (`token`),
    as is a draft with questions unanswered (naming them). A refusal by casework (e.g. a summons
    that can no longer be excused) leaves the draft open to correct."""
    person = _person(actor)
    with transaction.atomic():
        draft = _draft(actor, draft_id)
        if not secrets.compare_digest(draft.token, token or ""):
            raise DraftError("token: this form is out of date; open the draft again")
        claimed = ApplicationDraft.objects.filter(pk=draft.pk, state="open").update(state="submitted", submitted_at=at)
        if not claimed:
            draft.refresh_from_db()
            if draft.state == "submitted" and draft.application_number:
                return {"number": draft.application_number, "due_on": draft.due_on, "status": "submitted",
                        "repeated": True}
            raise DraftError(f"draft: draft {draft.pk} is {draft.state}")
        gaps = rule.missing(draft.kind, draft.answers)
        if gaps:
            raise DraftError(f"{gaps[0]}: an answer is needed before submitting (missing: {', '.join(gaps)})")
        pack = loader.get_pack(draft.pack_code)
        try:
            files = [applications.EvidenceInput(e["name"], evidence.read(e["sha256"])) for e in draft.evidence]
        except evidence.EvidenceRejected as exc:
            raise DraftError(f"evidence: {exc}; attach the file again") from None
        until = draft.answers.get("until")
        try:
            result = applications.submit(
                actor, pack, person.national_id, draft.kind, str(draft.answers["ground"]),
                summons_number=draft.answers.get("summons") or None, files=files,
                requested_until=None if not until else _day(until), at=at, channel=ApplicationChannel.PORTAL)
        except applications.CaseworkError as exc:  # named by the command line's option: the question here
            raise DraftError(str(exc).removeprefix("--")) from None
        ApplicationDraft.objects.filter(pk=draft.pk).update(application_number=result["number"], due_on=result["due_on"])
    return {"number": result["number"], "due_on": result["due_on"], "status": result["status"], "repeated": False}


def _day(text: object) -> date:
    return date.fromisoformat(str(text))


def answers_pdf(actor: Actor, draft_id: int, now: datetime) -> bytes:
    """The check-your-answers page as a PDF the person keeps (font embedded, Cyrillic-safe)."""
    draft = _draft(actor, draft_id)
    pack = loader.get_pack(draft.pack_code)
    names = {g["code"]: f"{g['code']}: {g['name']}" for g in _grounds(pack, draft.kind, now)}
    summary = rule.summary(draft.kind, draft.answers, [e["name"] for e in draft.evidence])
    lines = tuple(f"{q}: {names.get(a, a) if q == 'ground' else a}" for q, a in summary.lines)
    sections = [documents.Section("Your answers / Ваши ответы", lines),
                documents.Section("Evidence / Документы", summary.evidence)]
    if draft.application_number:
        sections.append(documents.Section("Application / Заявление",
                                          (f"number: {draft.application_number}", f"due by: {draft.due_on}")))
    return documents.render(f"Application: {draft.kind.replace('_', ' ')}", sections,
                            subject=f"Muster application draft {draft.pk}")
