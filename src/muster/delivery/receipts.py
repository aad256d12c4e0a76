"""Postal receipts (tracking_number, event, at): delivered, refused or returned.

A row for an unknown tracking number, a bad event or date, a date before the
summons was placed or after now plus the clock skew (a service date hangs on
it), or an event the letter cannot have now is rejected with its line; a row already recorded is
a duplicate and changes nothing; every other row moves its letter on.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from muster.audit import trail
from muster.delivery.models import Delivery, DeliveryEvent
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.policy import loader
from muster.registry.readers import FileProblem
from muster.rules.delivery import InvalidTransition, next_state
from muster.rules.instants import instant_problem
from muster.rules.vocabulary import Channel
from muster.summons.services import known_now

COLUMNS = ("tracking_number", "event", "at")
EVENTS = ("delivered", "refused", "returned")


@dataclass
class ReceiptResult:
    read: int = 0
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = [{"line": n, "column": c, "reason": r} for n, c, r in self.problems]
        return data


def import_receipts(path: Path, *, actor: Actor, errors_path: Path | None = None) -> ReceiptResult:
    if not path.is_file():
        raise FileProblem(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise FileProblem(f"{path}: the file is empty (0 bytes); expected a header row")
    result = ReceiptResult()
    now, skew = known_now(), timedelta(seconds=settings.MUSTER_CLOCK_SKEW)
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f, transaction.atomic():
        reader = csv.reader(f)
        header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
        if header != list(COLUMNS):
            raise FileProblem(f"{path}:1: wrong header {header}; expected {', '.join(COLUMNS)}")
        for fields in reader:
            if not fields:
                continue
            result.read += 1
            problem = _apply(fields, reader.line_num, path.name, result, now, skew)
            if problem:
                result.rejected += 1
                result.problems.append((reader.line_num, *problem))
        trail.record(actor, "receipts.import", "file", path.name,
                     purpose=f"applied {result.applied}, duplicates {result.duplicates}, rejected {result.rejected}")
    if errors_path is not None:
        with open(errors_path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["line", "column", "reason"])
            writer.writerows(result.problems)
    return result


def _apply(fields: list[str], line: int, source: str, result: ReceiptResult,
           now: datetime, skew: timedelta) -> tuple[str, str] | None:
    if len(fields) != len(COLUMNS):
        return "*", f"has {len(fields)} fields, expected {len(COLUMNS)}"
    tracking, event, at_text = (x.strip() for x in fields)
    if event not in EVENTS:
        return "event", f"must be one of {', '.join(EVENTS)}; got {event!r}"
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        return "at", f"must be an ISO date-time; got {at_text!r}"
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    delivery = (Delivery.objects.select_for_update(of=("self",)).select_related("summons__campaign")
                .filter(channel=Channel.POST, provider_ref=tracking.upper()).first())
    if delivery is None:
        return "tracking_number", "unknown tracking number"
    if DeliveryEvent.objects.filter(delivery=delivery, event=event).exists():
        result.duplicates += 1
        return None
    # The reason holds no values (the error file never does): the line points at the date.
    if at < delivery.summons.placed_at:
        return "at", "is before the summons was placed: a receipt cannot predate its letter"
    if instant_problem(at, now=now, skew=skew):
        return "at", f"is in the future (after now plus the allowed clock skew of {skew.total_seconds():g} s)"
    try:
        state = next_state(delivery.state, event)
    except InvalidTransition as exc:
        return "event", str(exc)
    pack = loader.get_pack(delivery.summons.campaign.pack_code)
    delivery.state = state
    delivery.save(update_fields=["state"])
    DeliveryEvent.objects.create(delivery=delivery, summons_id=delivery.summons_id, person_id=delivery.person_id,
                                 channel=Channel.POST, event=event, happened_on=today_in(pack, at), at=at,
                                 evidence=f"postal receipt {source} line {line}")
    result.applied += 1
    return None
