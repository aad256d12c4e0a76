"""Download my extract (SPEC 2.3, issue 13): the whole record as JSON and as PDF: registry values
with their sources, liability with reasons, summonses with their deliveries, measures,
applications with decisions, appeals, messages, contact consent and the access log.

It alerts NOBODY: it writes no ledger event (so no partner feed entry, webhook or message), no
queue item and no notification. The one thing it writes is the read itself, in the person's access
log: by the person themself with the purpose "own extract", or by an officer with theirs.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.db import transaction

from muster.audit import access
from muster.casework.models import Appeal, Application
from muster.citizen import viewers
from muster.delivery import documents
from muster.delivery.contact_models import NoticeConsent
from muster.delivery.models import Delivery, DeliveryEvent, PersonMessage
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.measures import signoff
from muster.registry import records
from muster.registry.models import Person
from muster.rules import access as rules
from muster.rules import limits
from muster.rules.notice_numbers import format_summons_number
from muster.rules.policy import Pack
from muster.summons.models import Summons

OWN_EXTRACT = "own extract"


def _who_decided(who: str) -> str:
    """A decision names the system or the office, never the officer (as the access log does)."""
    return "system" if who.startswith("system:") else "registration office"


def _summonses(person: Person) -> list[dict[str, Any]]:
    found = list(Summons.objects.filter(person=person).select_related("campaign").order_by("id"))
    deliveries: dict[int, list[dict[str, Any]]] = {}
    events: dict[int, list[dict[str, Any]]] = {}
    for e in DeliveryEvent.objects.filter(summons_id__in=[s.pk for s in found]).order_by("at", "id"):
        events.setdefault(e.delivery_id, []).append({"event": e.event, "on": e.happened_on, "at": e.at})
    for d in Delivery.objects.filter(summons_id__in=[s.pk for s in found]).order_by("id"):
        deliveries.setdefault(d.summons_id, []).append({"channel": d.channel, "state": d.state,
                                                        "attempts": d.attempts, "events": events.get(d.pk, [])})
    return [{"number": format_summons_number(s.number), "purpose": s.campaign.purpose, "status": s.status,
             "placed_on": s.placed_on, "appearance_date": s.appearance_date,
             "appearance_time": s.campaign.appear_time, "place": s.campaign.place, "served_on": s.served_on,
             "served_how": s.served_how or None, "missed_on": s.missed_on, "closed_reason": s.closed_reason or None,
             "policy_version": s.policy_version, "deliveries": deliveries.get(s.pk, [])} for s in found]


def _applications(person: Person) -> list[dict[str, Any]]:
    out = []
    for app in Application.objects.filter(person=person).select_related("summons").order_by("id"):
        out.append({
            "number": app.number, "kind": app.kind, "ground": app.ground, "status": app.status,
            "channel": app.channel, "submitted_at": app.submitted_at, "due_on": app.due_on,
            "summons": format_summons_number(app.summons.number) if app.summons else None,
            "requested_until": app.requested_until,
            "evidence": [{"name": e.name, "type": e.type, "size": e.size, "sha256": e.sha256}
                         for e in app.evidence.order_by("id")],
            "decisions": [{"outcome": d.outcome, "reasons": list(d.reasons), "legal_basis": d.legal_basis,
                           "decided_by": _who_decided(d.decided_by), "decided_at": d.decided_at,
                           "period_from": d.period_from, "period_until": d.period_until,
                           "appeal_deadline": d.appeal_deadline, "in_effect": d.in_effect,
                           "policy_version": d.policy_version}
                          for d in app.decisions.order_by("id")]})
    return out


def _appeals(person: Person) -> list[dict[str, Any]]:
    return [{"number": a.number, "against": {"kind": a.subject_kind, "ref": a.subject_ref}, "level": a.level,
             "body": a.body, "legal_reference": a.legal_reference, "reason": a.reason, "filed_at": a.filed_at,
             "deadline": a.deadline, "late": a.late, "due_on": a.due_on, "status": a.status,
             "outcome": a.outcome or None, "reasons": list(a.reasons), "decided_on": a.decided_on}
            for a in Appeal.objects.filter(person=person).order_by("id")]


def _messages(person: Person) -> list[dict[str, Any]]:
    return [{"topic": m.topic, "at": m.created_at, "read_at": m.read_at,
             "details": {k: v for k, v in m.details.items() if k != "email_to"}}
            for m in PersonMessage.objects.filter(person=person).order_by("id")]


def _person(actor: Actor, pack: Pack, national_id: str | None) -> tuple[Person, Actor]:
    if actor.role == "person" and national_id is None:
        person = Person.objects.filter(pk=actor.person_id).first()
        if person is None:
            raise records.PersonNotFound("no record of yours in the registry")
        actor = actor.for_purpose(OWN_EXTRACT)
    else:
        limits.check("purpose", actor.purpose, "--purpose")
        person = records.find(national_id or "", pack)
    access.require(rules.may_read_person(actor, person.pk, person.district))
    return person, actor


def extract(actor: Actor, pack: Pack, now: datetime, national_id: str | None = None) -> dict[str, Any]:
    """The whole record as plain data (dates as date/datetime objects); the read is logged first,
    so the access log in it ends with this very read."""
    person, reader = _person(actor, pack, national_id)
    with transaction.atomic():
        access.read_person(reader, person.pk, "extract", str(person.pk), at=now)
    today = today_in(pack, now)
    consent = NoticeConsent.objects.filter(person=person).first()
    return {
        "made_at": now, "pack": pack.code,
        "record": records.record_of(person, pack, today),
        "consent_to_electronic_notices": None if consent is None else consent.electronic,
        "summonses": _summonses(person),
        "measures": signoff.of_person(person.pk, pack.code),
        "applications": _applications(person),
        "appeals": _appeals(person),
        "messages": _messages(person),
        "access_log": [e.as_dict() for e in viewers.entries(person, pack)],
    }


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_plain).encode("utf-8")


def _lines(items: list[dict[str, Any]]) -> tuple[str, ...]:
    out: list[str] = []
    for item in items:
        out.append("• " + "; ".join(f"{k}: {_text(v)}" for k, v in item.items() if v not in (None, [], {}, "")))
    return tuple(out)


def _text(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_text(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list | tuple):
        return " | ".join(_text(v) for v in value)
    return str(_plain(value)) if isinstance(value, datetime | date) else str(value)


def as_pdf(data: dict[str, Any]) -> bytes:
    record = data["record"]
    values = tuple(f"{field}: {value if value is not None else '—'}"
                   + (f"  (source: {p['source']}, {p['observed_at']})" if (p := record['provenance'].get(field)) else "")
                   for field, value in record["fields"].items())
    liability = record["liability"]
    sections = [
        documents.Section("Record / Учётные данные", (f"national id: {record['national_id_display']}", *values)),
        documents.Section("Liability / Обязанность", (_text(liability),)),
        documents.Section("Statuses / Статусы", _lines(record["statuses"])),
        documents.Section("Summonses / Повестки", _lines(data["summonses"])),
        documents.Section("Measures / Меры", _lines(data["measures"])),
        documents.Section("Applications / Заявления", _lines(data["applications"])),
        documents.Section("Appeals / Жалобы", _lines(data["appeals"])),
        documents.Section("Messages / Сообщения", _lines(data["messages"])),
        documents.Section("Access log / Кто просматривал", _lines(data["access_log"])),
    ]
    return documents.render(f"Extract / Выписка {data['made_at']:%Y-%m-%d}", sections, subject="Muster extract")
