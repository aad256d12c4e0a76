"""The kill switch of each straight-through rule: on unless an administrator switched it off.

A straight-through batch reads the switches once, under the shared STP_SWITCHES lock, in the same
transaction as its one statement (muster.partners.stp_batch); a flip takes that lock exclusively.
So a flip during a batch waits for it and applies from the next batch: a batch is decided either
wholly with the rule on or wholly with it off. Every flip is in the audit trail with its actor.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from muster.audit import access, trail
from muster.kernel import db, locks
from muster.kernel.actor import Actor
from muster.policy.models import StraightThroughSwitch
from muster.rules import access as rules
from muster.rules.casework_policy import StraightThroughRule
from muster.rules.policy import Pack, version_in_force

SWITCH_TABLE = StraightThroughSwitch._meta.db_table


class UnknownRule(LookupError):
    """No straight-through rule of the pack has this code."""


class SwitchError(ValueError):
    """The flip cannot be made as asked (no reason given for switching a rule off)."""


def rules_in_force(pack: Pack, on: date) -> tuple[StraightThroughRule, ...]:
    version = version_in_force(pack.versions, on)
    return version.casework.straight_through if version else ()


def _known(pack: Pack) -> dict[str, StraightThroughRule]:
    """Every straight-through rule of the pack by code, the latest version's last."""
    return {r.code: r for v in pack.versions for r in v.casework.straight_through}


def switched_off(pack_code: str) -> frozenset[str]:
    return frozenset(StraightThroughSwitch.objects.filter(pack_code=pack_code, switched_on=False)
                     .values_list("rule", flat=True))


def hold_for_batch(cur: Any) -> None:
    """For a batch: no flip until this transaction ends (a no-op on SQLite, whose one writer at a
    time gives the same)."""
    locks.hold(cur, locks.STP_SWITCHES, shared=True)


def states(pack: Pack, on: date) -> list[dict[str, Any]]:
    """The rules of the version in force on `on`, each with its switch (no personal data)."""
    saved = {s.rule: s for s in StraightThroughSwitch.objects.filter(pack_code=pack.code)}
    return [_describe(r, saved.get(r.code)) for r in rules_in_force(pack, on)]


def _describe(rule: StraightThroughRule, switch: StraightThroughSwitch | None) -> dict[str, Any]:
    return {"code": rule.code, "name": rule.name, "kind": rule.kind, "ground": rule.ground, "source": rule.source,
            "action": rule.action, "on": switch.switched_on if switch else True,
            "changed_by": switch.changed_by if switch else None,
            "changed_at": switch.changed_at if switch else None,
            "reason": switch.reason if switch else None}


def switch(actor: Actor, pack: Pack, code: str, on: bool, reason: str, now: datetime) -> dict[str, Any]:
    """Switch a rule on or off (administrators), audited; UnknownRule names the known rules."""
    access.require(rules.may_administer(actor))
    known = _known(pack)
    if code not in known:
        raise UnknownRule(f"no straight-through rule {code!r} in pack {pack.code}; known rules: "
                          f"{', '.join(known) or 'none'}")
    reason = reason.strip()
    if not on and not reason:
        raise SwitchError("--reason: say why the rule is switched off")
    with transaction.atomic():
        with db.cursor() as cur:
            locks.hold(cur, locks.STP_SWITCHES)  # waits for a running batch
        row, _ = StraightThroughSwitch.objects.update_or_create(
            pack_code=pack.code, rule=code,
            defaults={"switched_on": on, "changed_by": actor.who, "changed_at": now, "reason": reason})
        trail.record(actor, "stp.on" if on else "stp.off", "stp_rule", f"{pack.code}/{code}",
                     purpose=reason or "switched on", at=now)
    return _describe(known[code], row)
