"""Summonses for every interface: read one or a person's, record outcomes, hand over in person.
Each takes an Actor; reads are logged for the person, acts are checked against the officer's
districts (muster.rules.access) and written to the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from muster.audit import access
from muster.kernel.actor import Actor
from muster.policy import loader
from muster.registry import services as registry
from muster.rules import access as rules
from muster.rules import limits
from muster.rules.notice_numbers import (
    InvalidNumber,
    code_matches,
    format_summons_number,
    sequence_of,
)
from muster.rules.policy import Pack
from muster.summons import outcomes
from muster.summons.models import Summons
from muster.summons.outcomes import Outcome, OutcomeError


def _as_dict(s: Summons) -> dict[str, Any]:
    return {"number": format_summons_number(s.number), "status": s.status, "campaign": s.campaign.code,
            "district": s.district, "placed_on": s.placed_on, "served_on": s.served_on,
            "served_how": s.served_how or None, "served_evidence": s.served_evidence or None,
            "appearance_date": s.appearance_date, "missed_on": s.missed_on,
            "closed_reason": s.closed_reason or None, "policy_version": s.policy_version}


def show(actor: Actor, number: str) -> dict[str, Any]:
    """One summons with its deliveries and measures; the read is logged for the person."""
    limits.check("purpose", actor.purpose, "--purpose")
    s = outcomes.find(number)
    access.require(rules.may_read_person(actor, s.person_id, s.district))
    with transaction.atomic():
        access.read_person(actor, s.person_id, "summons", str(s.number))
    data = _as_dict(s)
    data["deliveries"] = [{"channel": d.channel, "state": d.state, "attempts": d.attempts,
                           "provider_ref": d.provider_ref or None, "last_error": d.last_error or None}
                          for d in s.deliveries.order_by("id")]
    data["measures"] = [{"kind": m.kind, "status": m.status, "effective_from": m.effective_from,
                         "lifted_on": m.lifted_on, "reason": m.lift_reason or None, "legal_basis": m.legal_basis}
                        for m in s.measures.select_related("basis").order_by("id")]
    return data


def list_for_person(actor: Actor, national_id: str, pack: Pack) -> list[dict[str, Any]]:
    """A person's summonses, oldest first; the read is logged for the person."""
    person = registry.find_person(actor, national_id, pack)
    with transaction.atomic():
        access.read_person(actor, person.pk)
    return [_as_dict(s) for s in Summons.objects.filter(person=person).select_related("campaign")
            .order_by("placed_at", "id")]


def _acting_on(actor: Actor, number: str) -> None:
    s = outcomes.find(number)
    access.require(rules.may_act_on_person(actor, s.district))


def record_outcome(actor: Actor, number: str, outcome: str, at: datetime, reason: str = "") -> Outcome:
    """Appeared, excused, cancelled or appeal accepted: closes the summons and lifts its measures."""
    limits.check("reason", reason, "--reason")
    _acting_on(actor, number)
    return outcomes.record(number, outcome, at, actor=actor, reason=reason)


def verify_notice(number: int, code: str) -> dict[str, Any] | None:
    """What the public check of a paper notice may tell anyone holding it: the office and the
    appearance date, and whether it was cancelled; None unless the number and code match. No
    actor: this is the public's, and discloses nothing the holder does not already have."""
    from django.conf import settings

    summons = Summons.objects.select_related("campaign").filter(pk=sequence_of(number)).first()
    if summons is None or not code_matches(number, code, settings.MUSTER_VERIFY_KEY):
        return None
    pack = loader.get_pack(summons.campaign.pack_code)
    return {"number": format_summons_number(number), "office": pack.office_of(summons.district),
            "appearance_date": summons.appearance_date, "cancelled": summons.status == "cancelled"}


__all__ = ["InvalidNumber", "Outcome", "OutcomeError", "list_for_person", "record_outcome", "show", "verify_notice"]
