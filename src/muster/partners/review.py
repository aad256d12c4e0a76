"""The review queue: partners' changes to a person's death, district, citizenship or contact
channel wait here for an officer of the person's district (muster.rules.review). A death needs two
different officers. An accepted change is merged as the partner's observation, at the time the
partner observed it, by the registry's merge rule; a changed contact channel is told to the person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from muster.audit import access, trail
from muster.delivery.contact_notice import tell_contact_changed
from muster.kernel import clock
from muster.kernel.actor import Actor
from muster.partners.models import PendingChange
from muster.registry import submissions
from muster.registry.models import Person
from muster.rules import review as rules
from muster.rules.policy import Pack
from muster.rules.submissions import CONTACT_FIELDS, approvals_needed

REVIEW_PURPOSE = "review of a partner's registry change"


class ReviewError(ValueError):
    """The change cannot be decided as asked (already decided, accepted twice by one officer, no reason)."""


def queue(person: Person, partner_id: int, kind: str, changes: dict[str, object], *, source: str,
          observed_at: datetime, reference: str, now: datetime) -> PendingChange:
    return PendingChange.objects.create(
        person=person, partner_id=partner_id, kind=kind, changes=changes, source=source, observed_at=observed_at,
        reference=reference[:300], needed=approvals_needed(changes), created_at=now)


def pending(actor: Actor, pack: Pack) -> list[dict[str, Any]]:
    """The pending changes of people in the actor's districts, oldest first; each person shown is
    a read of their record, logged in their access log."""
    access.require(rules.may_review(actor, None))
    query = PendingChange.objects.filter(state="pending").select_related("person").order_by("id")
    if not actor.all_districts:
        query = query.filter(person__district__in=sorted(actor.districts))
    reader = actor if actor.purpose.strip() else actor.for_purpose(REVIEW_PURPOSE)
    changes = list(query)
    shown = [_describe(c, pack) for c in changes]
    with transaction.atomic():
        for change in changes:
            access.read_person(reader, change.person_id, "pending_change", str(change.pk))
    return shown


def accept(actor: Actor, pack: Pack, change_id: int) -> dict[str, Any]:
    """Accept a change; once enough different officers have, merge it (see module doc)."""
    now = clock.now()
    with transaction.atomic():
        change = _locked(actor, change_id)
        who = [a["who"] for a in change.approvals]
        problem = rules.acceptance_problem(actor.who, who, change.needed)
        if problem:
            raise ReviewError(f"change #{change.pk}: {problem}")
        change.approvals = [*change.approvals, {"who": actor.who, "at": now.isoformat()}]
        who.append(actor.who)
        if rules.complete(who, change.needed):
            person = Person.objects.get(pk=change.person_id)
            merged = submissions.merge(pack, person, change.changes, source=change.source,
                                       observed_at=change.observed_at, reference=change.reference, actor=actor,
                                       what=f"{change.kind} (change #{change.pk}, reviewed)")
            change.state, change.decided_by, change.decided_at = "accepted", actor.who, now
            change.changed_fields = merged.changed_fields
            tell_if_contact_changed(person, merged, change.source, now)
        change.save()
        trail.record(actor, "review.accept", "pending_change", str(change.pk), person_id=change.person_id,
                     purpose=f"{change.kind} from {change.source}: {len(who)} of {change.needed} acceptance(s)")
    return _describe(change, pack)


def reject(actor: Actor, pack: Pack, change_id: int, reason: str) -> dict[str, Any]:
    reason = reason.strip()
    if not reason:
        raise ReviewError("--reason: say why the change is rejected")
    if len(reason) > 300:
        raise ReviewError(f"--reason: too long ({len(reason)} characters, at most 300)")
    now = clock.now()
    with transaction.atomic():
        change = _locked(actor, change_id)
        change.state, change.decided_by, change.decided_at, change.reason = "rejected", actor.who, now, reason
        change.save()
        trail.record(actor, "review.reject", "pending_change", str(change.pk), person_id=change.person_id,
                     purpose=f"{change.kind} from {change.source}: {reason}")
    return _describe(change, pack)


def tell_if_contact_changed(person: Person, merged: submissions.Merged, source: str, now: datetime) -> None:
    """A message to the person when a merge changed one of their contact channels."""
    fields = [f for f in merged.changed_fields if f in CONTACT_FIELDS]
    if not fields or merged.observation_id is None:
        return
    before = merged.previous.get("email") if "email" in merged.previous else person.email
    tell_contact_changed(person.pk, fields, observation_id=merged.observation_id, source=source,
                         email_before=before if isinstance(before, str) else None, email_now=person.email,
                         now=now)


def _locked(actor: Actor, change_id: int) -> PendingChange:
    change = PendingChange.objects.select_for_update().filter(pk=change_id).first()
    if change is None:
        raise LookupError(f"no pending change #{change_id}")
    district = Person.objects.filter(pk=change.person_id).values_list("district", flat=True).first()
    access.require(rules.may_review(actor, district or ""))
    if change.state != "pending":
        raise ReviewError(f"change #{change.pk} was {change.state} already")
    return change


def _describe(change: PendingChange, pack: Pack) -> dict[str, Any]:
    return {"id": change.pk, "national_id": pack.id_scheme.display(change.person.national_id),
            "district": change.person.district, "kind": change.kind, "changes": change.changes,
            "source": change.source, "observed_at": change.observed_at.isoformat(), "state": change.state,
            "needed": change.needed, "accepted_by": [a["who"] for a in change.approvals],
            "changed_fields": change.changed_fields, "reason": change.reason or None}
