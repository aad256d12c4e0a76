"""The public status page: registry counts only, never anything about a person."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from muster.registry.stats import registry_counts


def status(request: HttpRequest) -> HttpResponse:
    return render(request, "public/status.html", {"counts": registry_counts()})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
