"""The public status page: registry counts only, never anything about a person."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from muster.policy import services as policy
from muster.registry.services import public_counts


def status(request: HttpRequest) -> HttpResponse:
    counts = {**public_counts(), "packs": [p["code"] for p in policy.installed()]}
    # The public page links the admin only in development: in production it lives on an internal host.
    return render(request, "public/status.html", {"counts": counts, "admin_link": settings.MUSTER_ENV != "production"})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
