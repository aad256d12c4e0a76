"""The public status page: registry counts only, never anything about a person."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from muster.policy import services as policy
from muster.registry.services import public_counts


def status(request: HttpRequest) -> HttpResponse:
    return render(request, "public/status.html", {"counts": {**public_counts(), "packs": [p["code"] for p in policy.installed()]}})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
