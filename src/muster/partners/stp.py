"""Straight-through processing for every interface (re-exported by muster.partners.services):
list the rules of the version in force with their kill switches, flip a switch (administrators,
audited), and run the batches over the register facts partners submitted."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from muster.audit import access, trail
from muster.kernel.actor import Actor
from muster.partners import stp_batch
from muster.policy import switches
from muster.rules import access as may
from muster.rules.casework_policy import STP_SOURCES
from muster.rules.policy import Pack

STP = Actor.system("stp", purpose="straight-through processing of register facts")
UnknownRule = switches.UnknownRule
SwitchError = switches.SwitchError


def list_rules(actor: Actor, pack: Pack, on: date) -> list[dict[str, Any]]:
    """The straight-through rules in force on `on`, each with whether it is on and who last
    switched it (officers and the system; no personal data)."""
    access.require(may.Decision(str(actor.role) not in ("partner", "person"),
                                "only officers and the system read the straight-through rules"))
    return switches.states(pack, on)


def switch(actor: Actor, pack: Pack, code: str, on: bool, reason: str, now: datetime) -> dict[str, Any]:
    """Switch a rule on or off; UnknownRule names the known ones, SwitchError asks for a reason."""
    return switches.switch(actor, pack, code, on, reason, now)


def run(actor: Actor, pack: Pack, now: datetime, today: date, limit: int = stp_batch.BATCH_SIZE
        ) -> dict[str, Any]:
    """Every unprocessed register fact, source by source, in batches of `limit` (each batch whole
    under one reading of the switches). The decisions for the facts a rule decides are casework's
    (muster.casework.stp.run calls this first). Counts only: no personal data."""
    access.require(may.may_administer(actor))
    out: dict[str, Any] = {"sources": {}, "decided": 0}
    for source in STP_SOURCES:
        totals: dict[str, int] = {}
        decided_by: dict[str, int] = {}
        batches = 0
        while True:
            batch = stp_batch.process(pack, source, now, today, limit)
            if not batch.processed:
                break
            batches += 1
            for k, v in batch.counts.items():
                totals[k] = totals.get(k, 0) + v
            for k, v in batch.rules.items():
                decided_by[k] = decided_by.get(k, 0) + v
            trail.record(actor, "stp.batch", "register_fact", source, at=now,
                         purpose=f"{source}: {batch.processed} facts under {batch.policy_version or 'no version'}; "
                                 + ", ".join(f"{k} {v}" for k, v in sorted(batch.counts.items()))
                                 + (f"; switched off: {', '.join(batch.switched_off)}" if batch.switched_off else ""))
        out["sources"][source] = {"batches": batches, "outcomes": totals, "rules": decided_by}
    return out
