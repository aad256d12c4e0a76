"""Measures for every interface: a person's measures, the officers' sign-off queue, and the partner
check. Each takes an Actor: officers act within their districts, partners see only the kinds they
enforce, and every read is logged for the person (muster.audit.access)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from muster.audit import access
from muster.kernel.actor import Actor
from muster.measures import checks, limits, signoff, suspension
from muster.measures.models import Measure
from muster.measures.signoff import SignOffError
from muster.measures.suspension import Changes, SuspensionError
from muster.policy import loader
from muster.registry import services as registry
from muster.rules import access as rules
from muster.rules import limits as lengths
from muster.rules.outcomes import LIFT, REINSTATE, SUSPEND
from muster.rules.policy import Pack


def show(actor: Actor, national_id: str, pack_code: str) -> list[dict[str, Any]]:
    """Every measure of one person, active and past; the read is logged for the person."""
    person = registry.find_person(actor, national_id, loader.get_pack(pack_code))
    with transaction.atomic():
        access.read_person(actor, person.pk)
    return signoff.of_person(person.pk, pack_code)


def pending(actor: Actor, pack_code: str) -> list[dict[str, Any]]:
    """The sign-off queue, oldest first: the officer's districts only (no personal data but the
    summons number)."""
    access.require(rules.may_sign_off(actor))
    return signoff.pending(pack_code, None if actor.all_districts else actor.districts)


def sign(actor: Actor, measure_id: int, at: datetime, pack_code: str) -> dict[str, Any]:
    access.require(rules.may_act_on_person(actor, signoff.district_of(measure_id)))
    return signoff.sign(measure_id, at, pack_code, actor=actor)


def decline(actor: Actor, measure_id: int, at: datetime, reason: str, pack_code: str) -> dict[str, Any]:
    access.require(rules.may_act_on_person(actor, signoff.district_of(measure_id)))
    lengths.check("decline reason", reason.strip(), "--reason")
    return signoff.decline(measure_id, at, reason, pack_code, actor=actor)


def suspend(actor: Actor, measure_ids: Sequence[int], at: datetime, *, reason: str, by: str) -> list[int]:
    """Suspend active measures from the day of `at` (an appeal is heard): not in force, partners and
    the person told (`measure.suspended`). `by` names what did it, e.g. "appeal:P-0000012". Returns
    the measures suspended; the others named are left as they are (`change` says why)."""
    return change(actor, SUSPEND, measure_ids, at, reason=reason, by=by).changed


def reinstate(actor: Actor, measure_ids: Sequence[int], at: datetime, *, reason: str, by: str) -> list[int]:
    """Suspended measures in force again from the day of `at` (the appeal dismissed),
    `measure.reinstated`; returns those reinstated."""
    return change(actor, REINSTATE, measure_ids, at, reason=reason, by=by).changed


def lift(actor: Actor, measure_ids: Sequence[int], at: datetime, *, reason: str, by: str) -> list[int]:
    """Lift measures that day (the appeal allowed), active, suspended or still pending sign-off,
    as a summons' outcome lifts them; `measure.lifted` for those that had been applied. Returns
    those lifted."""
    return change(actor, LIFT, measure_ids, at, reason=reason, by=by).changed


def change(actor: Actor, action: str, measure_ids: Sequence[int], at: datetime, *, reason: str, by: str) -> Changes:
    """`suspend`, `reinstate` or `lift` with the whole account: `changed` and `left` (id: why).
    One transaction with the ledger events and audit records; raises LookupError (an unknown
    measure), AccessDenied (outside the actor's districts) or SuspensionError (bad input, or a
    date before a measure's last change), and then nothing is written."""
    return suspension.act(actor, action, measure_ids, at, reason=reason, by=by)


def ids_on_summons(summons_id: int, kinds: Sequence[str] = ()) -> list[int]:
    """The measures resting on one summons (of `kinds`, when named), in id order: what an appeal
    against the summons suspends, reinstates or lifts. Ids only, no personal data; whoever acts
    on them is checked by `change`."""
    found = Measure.objects.filter(summons_id=summons_id)
    if kinds:
        found = found.filter(kind__in=list(kinds))
    return list(found.order_by("id").values_list("id", flat=True))


def check(actor: Actor, national_id: str) -> dict[str, Any]:
    """A partner's check of one person: the partner's kinds in force today (logged for the person)."""
    access.require(rules.Decision(actor.role == "partner", "only partner agencies check measures"))
    return checks.active_measures(actor, national_id)




Unauthorised = checks.Unauthorised
NothingToCheck = checks.NothingToCheck


def check_with_key(key: str, national_id: str, authenticate: Callable[[str], Actor | None]) -> dict[str, Any]:
    """The check for a bearer key (the API's hot path: the key is checked in the same statement as
    the measures where the database allows, else by `authenticate`, the partners' service);
    Unauthorised or InvalidNationalId otherwise."""
    return checks.check(key, national_id, authenticate)


def check_from_memory(key: str, national_id: str) -> bytes | None:
    """The check's JSON from this server process's replica, or None where `check_with_key` must answer."""
    return checks.from_memory(key, national_id)


def start_serving() -> None:
    """In a server worker: the checks' in-memory replica and its access-log writer, where the
    database can feed a replica (PostgreSQL) and settings ask for it."""
    from django.conf import settings

    from muster.kernel import db
    from muster.measures import serving

    if settings.MUSTER_CHECK_REPLICA and db.features().replica:
        serving.start(settings.MUSTER_CHECK_REPLICA_INTERVAL, settings.MUSTER_SPOOL_DIR)


def stop_serving() -> None:
    """As a server worker exits: the last spooled reads written, the replica stopped."""
    from muster.measures import serving

    serving.stop()


RateLimited = limits.RateLimited


def check_allowed(key_id: str) -> None:
    """Before a check: RateLimited if this key has used up its rate (muster.measures.limits)."""
    limits.LIMITS.refused(key_id)


def check_answered(key_id: str, national_id: str, empty: bool) -> None:
    """After an authenticated check: its token spent and the check counted for the operators."""
    limits.LIMITS.spend(key_id, national_id, empty)
    limits.flush_if_due()


def check_stats(actor: Actor, since: datetime) -> list[dict[str, Any]]:
    """Per partner key since `since`: checks answered, unknown national ids asked about, 429s."""
    access.require(rules.may_administer(actor))
    limits.LIMITS.flush()  # what this process counted, too
    return limits.stats(since)


def default_pack() -> Pack:
    """The default pack (cached a minute): its id scheme and time zone serve the partner API."""
    return checks.pack()


__all__ = ["Changes", "RateLimited", "SignOffError", "SuspensionError", "Unauthorised", "change", "check",
           "check_allowed", "check_answered", "check_from_memory", "check_stats", "check_with_key", "decline",
           "default_pack", "ids_on_summons", "lift", "pending", "reinstate", "show", "sign", "start_serving", "stop_serving", "suspend"]
