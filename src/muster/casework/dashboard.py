"""The dashboards' counts: a step of the engine's turn (muster.engine.turn) recounts them set-based
(a few GROUP BY queries, their small results replacing the table in one transaction), as a
materialised view would be refreshed; `read` answers a dashboard from that table alone.

An auditor reads across districts, with every cell of 1 to 4 people hidden
(muster.rules.statistics); an officer reads their own districts' counts as they are."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import TruncMonth

from muster.audit import access
from muster.casework.models import Application, Tally
from muster.kernel.actor import Actor
from muster.measures.models import Measure
from muster.rules import access as rules
from muster.rules.applications import OPEN_APPLICATIONS, ApplicationStatus
from muster.rules.statistics import rate, suppress_all
from muster.rules.vocabulary import MeasureStatus
from muster.summons.models import Summons

TOPICS = ("summons_status", "measure_kind", "application_status", "service_level")


def _counts() -> list[Tally]:
    rows = [Tally(district=r["district"], topic="summons_status", key=r["status"], month=r["month"], people=r["n"])
            for r in Summons.objects.annotate(month=TruncMonth("placed_on")).values("district", "status", "month")
            .annotate(n=Count("id")).order_by()]
    rows += [Tally(district=r["d"], topic="measure_kind", key=r["kind"], people=r["n"])
             for r in Measure.objects.filter(status=MeasureStatus.ACTIVE).annotate(d=F("person__district"))
             .values("d", "kind").annotate(n=Count("id")).order_by()]
    rows += [Tally(district=r["district"], topic="application_status", key=r["status"], people=r["n"])
             for r in Application.objects.values("district", "status").annotate(n=Count("id")).order_by()]
    decided = Application.objects.filter(status=ApplicationStatus.DECIDED)
    rows += [Tally(district=r["district"], topic="service_level", key="met", people=r["n"])
             for r in decided.filter(overdue_marked_at__isnull=True).values("district").annotate(n=Count("id")).order_by()]
    rows += [Tally(district=r["district"], topic="service_level", key="missed", people=r["n"])
             for r in decided.filter(overdue_marked_at__isnull=False).values("district").annotate(n=Count("id")).order_by()]
    rows += [Tally(district=r["district"], topic="service_level", key="open_overdue", people=r["n"])
             for r in Application.objects.filter(status__in=OPEN_APPLICATIONS, overdue_marked_at__isnull=False)
             .values("district").annotate(n=Count("id")).order_by()]
    return [r for r in rows if r.district]


def _cells(rows: list[Tally]) -> set[tuple[Any, ...]]:
    return {(r.district, r.topic, r.key, r.month, r.people) for r in rows}


def step(now: datetime) -> dict[str, int]:
    """Recount the dashboards (`now` for the engine's signature: the counts are of the state). The
    table is rewritten only when a count changed, so a second turn at the same time does nothing."""
    rows = _counts()
    with transaction.atomic():
        changed = len(_cells(rows) ^ _cells(list(Tally.objects.select_for_update())))
        if changed:
            Tally.objects.all().delete()
            Tally.objects.bulk_create(rows, batch_size=1000)
    return {"dashboard_cells_changed": changed}


def _sum(rows: list[Tally], topic: str) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.topic == topic:
            totals[r.key] += r.people
    return dict(sorted(totals.items()))


def read(actor: Actor, district: str | None) -> dict[str, Any]:
    """The dashboard of one district, or of all (district None) for one who may count across them."""
    access.require(rules.may_count(actor, district))
    query = Tally.objects.all() if district is None else Tally.objects.filter(district=district)
    rows = list(query)
    over_time: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if r.topic == "summons_status" and r.month is not None:
            over_time[r.month.strftime("%Y-%m")][r.key] += r.people
    tables = {
        "summons_status": _sum(rows, "summons_status"), "measure_kind": _sum(rows, "measure_kind"),
        "application_status": _sum(rows, "application_status"), "service_level": _sum(rows, "service_level"),
    }
    months = {m: dict(sorted(v.items())) for m, v in sorted(over_time.items())}
    hidden = str(actor.role) == "auditor"
    if hidden:
        tables = {k: suppress_all(v) for k, v in tables.items()}  # type: ignore[misc]
        months = {m: suppress_all(v) for m, v in months.items()}  # type: ignore[misc]
    status = tables["summons_status"]
    appeared, missed = status.get("appeared", 0), status.get("missed", 0)
    met, late = tables["service_level"].get("met", 0), tables["service_level"].get("missed", 0)
    return {"district": district, "suppressed": hidden, "tables": tables, "months": months,
            "appearance_rate": rate(appeared, None if appeared is None or missed is None else appeared + missed),
            "service_level_rate": rate(met, None if met is None or late is None else met + late)}
