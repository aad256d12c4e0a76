"""Delivering summonses for every interface: the day's print batch, postal receipts, and handing a
summons over in person. Each takes an Actor and is checked against its role and districts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from muster.audit import access
from muster.delivery import in_person, letters, receipts
from muster.delivery.receipts import ReceiptResult
from muster.kernel.actor import Actor
from muster.rules import access as rules
from muster.rules import limits
from muster.summons.outcomes import find


def print_letters(actor: Actor, now: datetime, out_dir: Path) -> dict[str, Any]:
    """The day's print batch: one PDF and a CSV manifest (the operator's, for every district)."""
    access.require(rules.may_administer(actor))
    return letters.make_batch(now, out_dir, actor=actor)


def import_receipts(actor: Actor, path: Path, errors_path: Path | None) -> ReceiptResult:
    """Postal receipts (delivered, refused, returned) from the post office's file."""
    access.require(rules.may_feed_registry(actor))
    limits.check("receipts file name", path.name, f"{path}: the file name")
    return receipts.import_receipts(path, actor=actor, errors_path=errors_path)


def hand_over(actor: Actor, number: str, event: str, at: datetime) -> dict[str, Any]:
    """Handed over in person: signed or refused (service at the next tick)."""
    access.require(rules.may_act_on_person(actor, find(number).district))
    return in_person.hand_over(number, event, at, actor=actor)
