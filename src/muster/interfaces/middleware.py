"""Request guards that hold for every page: the body-size limit, dates out of range, the admin's host.

A body larger than MUSTER_MAX_BODY_BYTES is answered 413 before anything reads it (Django alone
would raise RequestDataTooBig when the body is first read, and answer 400 or, inside the partner
API, 500). A date that parses but falls off the calendar (OverflowError) is 422, never 500. The
partner API answers with a problem document (its own handlers do the same inside it: problems.py),
other pages with a plain one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import split_domain_port

from muster.interfaces.partner_api.problems import OUT_OF_RANGE, TITLES, problem

API_PREFIX = "/api/"
# The portal's evidence upload: one file up to the evidence limit (MUSTER_PORTAL_UPLOAD_MAX_BYTES).
PORTAL_UPLOAD = re.compile(r"^/portal/apply/\d+/evidence/$")
Handler = Callable[[HttpRequest], HttpResponse]


def _refusal(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return problem(status, TITLES[status], detail, [("body", detail)])
    return HttpResponse(f"{status} {TITLES[status]}: {detail}.\n", status=status,
                        content_type="text/plain; charset=utf-8")


def too_large(request: HttpRequest) -> HttpResponse:
    return _refusal(request, 413, f"the request body is larger than {settings.MUSTER_MAX_BODY_BYTES} bytes")


class RequestLimits:
    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot size
        upload = PORTAL_UPLOAD.match(request.path) is not None
        if length > (settings.MUSTER_PORTAL_UPLOAD_MAX_BYTES if upload else settings.MUSTER_MAX_BODY_BYTES):
            if upload:  # the person's page, in their language, naming the field
                from muster.interfaces.portal.apply import upload_too_large

                return upload_too_large(request)
            return too_large(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return too_large(request)
        if isinstance(exception, OverflowError):
            return _refusal(request, 422, OUT_OF_RANGE)
        return None


class AdminHostOnly:
    """With MUSTER_ADMIN_HOST set, /admin/ exists only for requests to that host (an internal
    name the public cannot reach); any other host gets 404, as if there were no admin."""

    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        admin_host = settings.MUSTER_ADMIN_HOST
        if admin_host and request.path.startswith("/admin/") \
                and split_domain_port(request.get_host())[0] != split_domain_port(admin_host)[0]:
            raise Http404("no such page")
        return self.get_response(request)
