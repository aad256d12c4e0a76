"""The dashboard page over muster.casework.dashboard.read: per district or overall, each chart an
SVG picture of the data table beside it, each table also as CSV. Who may count which districts,
and an auditor's hidden small cells, are decided in the service, never here."""

from __future__ import annotations

import csv
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from muster.casework import dashboard
from muster.interfaces.console.charts import bars
from muster.interfaces.console.guard import officer_page

TITLES = {
    "summons_status": gettext_lazy("Summonses by status"),
    "measure_kind": gettext_lazy("Measures in force by kind"),
    "application_status": gettext_lazy("Applications by outcome"),
    "service_level": gettext_lazy("Service levels"),
}


def _district(request: HttpRequest) -> str | None:
    actor = request.actor  # type: ignore[attr-defined]
    chosen = request.GET.get("district", "").strip().upper()[:20]
    if chosen == "ALL":
        return None
    if not chosen and not actor.all_districts and str(actor.role) != "auditor" and actor.districts:
        return sorted(actor.districts)[0]
    return chosen or None


@require_GET
@officer_page
def dashboard_page(request: HttpRequest) -> HttpResponse:
    district = _district(request)
    data = dashboard.read(request.actor, district)  # type: ignore[attr-defined]
    charts = [{"name": name, "title": TITLES[name], "cells": cells, "svg": bars(cells)}
              for name, cells in data["tables"].items()]
    statuses = sorted({s for cells in data["months"].values() for s in cells})
    return render(request, "console/dashboard.html", {
        "data": data, "charts": charts, "district": district or "ALL", "statuses": statuses,
        "months": [(m, [cells.get(s, 0) for s in statuses]) for m, cells in data["months"].items()]})


@require_GET
@officer_page
def dashboard_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in TITLES and table != "summons_by_month":
        raise Http404
    district = _district(request)
    data: dict[str, Any] = dashboard.read(request.actor, district)  # type: ignore[attr-defined]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table}-{district or "all"}.csv"'
    writer = csv.writer(response)
    if table == "summons_by_month":
        writer.writerow(["month", "status", "count"])
        for month, cells in data["months"].items():
            for status, n in cells.items():
                writer.writerow([month, status, "" if n is None else n])
    else:
        writer.writerow(["key", "count"])
        for key, n in data["tables"][table].items():
            writer.writerow([key, "" if n is None else n])
    return response
