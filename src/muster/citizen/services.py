"""The portal's use cases in one place (issue 13). Every function takes the Actor of the signed-in
person (`Actor.person(person_id)`); each checks that it is the person themself (an officer, with a
purpose, only where noted), and logs what it discloses in the person's access log.

Errors the pages show, each naming the field: DraftError, ContactError, CaseworkError, AppealError,
RangeProblem (a date range or page), MessageNotFound, AccessDenied (not the person's), LookupError.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from muster.audit import access
from muster.audit.access import AccessDenied
from muster.casework import drafts
from muster.casework.appeal_windows import appeal_window, file_appeal
from muster.casework.appeals import AppealError
from muster.casework.applications import CaseworkError
from muster.casework.drafts import DraftError
from muster.citizen import extract, viewers
from muster.delivery import contacts, inbox
from muster.delivery.contacts import ContactError
from muster.delivery.inbox import MessageNotFound
from muster.kernel import clock
from muster.kernel.actor import Actor
from muster.registry.models import Person
from muster.rules import access as rules
from muster.rules.policy import Pack
from muster.rules.record_viewers import RangeProblem

__all__ = [
    "AccessDenied", "AppealError", "CaseworkError", "ContactError", "DraftError", "MessageNotFound", "RangeProblem",
    "answer_draft", "appeal_window", "attach_evidence", "confirm_contact_change", "contact_details",
    "discard_draft", "draft_answers_pdf", "extract_json", "extract_pdf", "file_appeal", "list_drafts",
    "message_inbox", "open_message", "record_own_view", "remove_evidence", "request_contact_change",
    "set_notice_consent", "show_draft", "start_draft", "submit_draft", "unread_count", "who_viewed",
]


# --- the record ------------------------------------------------------------------------------

def extract_json(actor: Actor, pack: Pack, now: datetime | None = None, national_id: str | None = None) -> bytes:
    """The whole record as UTF-8 JSON. The person themself (national_id None), or an officer with a
    purpose for `national_id`. Logged as a read ("own extract" for the person); alerts nobody."""
    return extract.as_json(extract.extract(actor, pack, now or clock.now(), national_id))


def extract_pdf(actor: Actor, pack: Pack, now: datetime | None = None, national_id: str | None = None) -> bytes:
    """The same extract as a PDF (font embedded, Cyrillic). Logged and silent as extract_json."""
    return extract.as_pdf(extract.extract(actor, pack, now or clock.now(), national_id))


def who_viewed(actor: Actor, pack: Pack, *, since: date | None = None, until: date | None = None, page: int = 1,
               size: int = 50) -> dict[str, Any]:
    """The person's access log, newest first: {items: [{at, by (office|partner|you|system), office,
    agency, check, role, purpose}], page, pages, total, since, until}. Never an officer's name or
    account. Only the person themself."""
    person = _own_person(actor)
    return viewers.page(person, pack, since=since, until=until, page=page, size=size)


def record_own_view(actor: Actor, page: str, now: datetime | None = None) -> None:
    """A portal page the person opened, in their own access log as a self-read (object "portal",
    the page's name)."""
    person = _own_person(actor)
    with transaction.atomic():
        access.read_person(actor, person.pk, "portal", page[:64], at=now)


def _own_person(actor: Actor) -> Person:
    person_id = actor.person_id if actor.person_id is not None else -1
    access.require(rules.may_use_own_account(actor, person_id))
    return Person.objects.get(pk=person_id)


# --- messages --------------------------------------------------------------------------------

def message_inbox(actor: Actor, page: int = 1, size: int = 20) -> dict[str, Any]:
    """{items: [{id, topic, at, read, read_at, details}], page, pages, total, unread}, newest first."""
    return inbox.inbox(actor, page, size)


def open_message(actor: Actor, message_id: int, now: datetime | None = None) -> dict[str, Any]:
    """One message of the person's, marked read the first time (MessageNotFound otherwise)."""
    return inbox.open_message(actor, message_id, now or clock.now())


def unread_count(actor: Actor) -> int:
    return inbox.unread_count(actor)


# --- contact details and consent -------------------------------------------------------------

def contact_details(actor: Actor) -> dict[str, Any]:
    """{email, phone, electronic_account, consent (True, False or None: never asked), pending}."""
    return contacts.contact_details(actor)


def request_contact_change(actor: Actor, channel: str, value: str, now: datetime | None = None) -> dict[str, Any]:
    """channel "email" or "phone" ("sms" too): a 6-digit code goes to the NEW value; {change,
    channel, expires_at}. Nothing changes until confirm_contact_change."""
    return contacts.request_change(actor, channel, value, now or clock.now())


def confirm_contact_change(actor: Actor, pack: Pack, change_id: int, code: str,
                           now: datetime | None = None) -> dict[str, Any]:
    """Apply the change with the code (15 minutes, 5 tries); ContactError naming `code` otherwise."""
    return contacts.confirm_change(actor, pack, change_id, code, now or clock.now())


def set_notice_consent(actor: Actor, electronic: bool, now: datetime | None = None) -> dict[str, Any]:
    """Consent to electronic notices on or off; audited."""
    return contacts.set_consent(actor, electronic, now or clock.now())


# --- applying: drafts ------------------------------------------------------------------------

def start_draft(actor: Actor, pack: Pack, kind: str, now: datetime | None = None) -> dict[str, Any]:
    """A draft of deferment, exemption, alternative_service, excuse or correction: {draft, kind,
    state, token, answers, evidence, missing, next, grounds, ...}; `token` goes in the final form."""
    return drafts.start(actor, pack, kind, now or clock.now())


def list_drafts(actor: Actor, now: datetime | None = None) -> list[dict[str, Any]]:
    return drafts.list_open(actor, now or clock.now())


def show_draft(actor: Actor, draft_id: int, now: datetime | None = None) -> dict[str, Any]:
    return drafts.show(actor, draft_id, now or clock.now())


def answer_draft(actor: Actor, draft_id: int, question: str, value: str, now: datetime | None = None) -> dict[str, Any]:
    """Save one answer (question: ground, summons, until as the kind asks); `next` is the next page."""
    return drafts.answer(actor, draft_id, question, value, now or clock.now())


def attach_evidence(actor: Actor, draft_id: int, name: str, data: bytes, now: datetime | None = None) -> dict[str, Any]:
    """Attach a PDF, JPEG or PNG (checked by content, at most 10 MB, no JavaScript in a PDF)."""
    return drafts.attach(actor, draft_id, name, data, now or clock.now())


def remove_evidence(actor: Actor, draft_id: int, sha256: str, now: datetime | None = None) -> dict[str, Any]:
    return drafts.remove_evidence(actor, draft_id, sha256, now or clock.now())


def discard_draft(actor: Actor, draft_id: int, now: datetime | None = None) -> dict[str, Any]:
    return drafts.discard(actor, draft_id, now or clock.now())


def submit_draft(actor: Actor, draft_id: int, token: str, now: datetime | None = None) -> dict[str, Any]:
    """File the application once: {number, due_on, status, repeated}; the same token again returns
    the first filing (repeated true)."""
    return drafts.submit(actor, draft_id, token, now or clock.now())


def draft_answers_pdf(actor: Actor, draft_id: int, now: datetime | None = None) -> bytes:
    """The check-your-answers page as a PDF."""
    return drafts.answers_pdf(actor, draft_id, now or clock.now())


# appeal_window(actor, against, now) -> {subject, can_appeal, level, body, legal_reference, deadline,
#   runs_from, event, late, days_left, explanation}; file_appeal(actor, against, reason, at) -> {number,
#   level, body, due_on, late, suspends}: muster.casework.appeal_windows.
