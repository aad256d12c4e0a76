"""What every console page checks before its view runs: a signed-in officer who passed the second
factor in this session, idle for less than 15 minutes; and what every answer carries: no-store.

The session's own expiry (SESSION_COOKIE_AGE, moved on by every request) already ends an idle
session; the console also keeps the time of the last request in the session and refuses one that
comes later than that, so the limit holds whatever the cookie or the session store do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django_otp import DEVICE_ID_SESSION_KEY

from muster.accounts import second_factor
from muster.accounts import services as accounts
from muster.audit.access import AccessDenied

LAST_SEEN = "console_last_seen"
View = Callable[..., HttpResponse]


def idle_limit() -> int:
    return int(settings.SESSION_COOKIE_AGE)


def no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


def refused(request: HttpRequest, status: int) -> HttpResponse:
    """403 and 404 look alike to a caller outside their scope: no hint what exists."""
    return no_store(render(request, "console/refused.html", {"status": status}, status=status))


def officer_page(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or not second_factor.device_is_current(
                user.pk, request.session.get(DEVICE_ID_SESSION_KEY)):
            return no_store(redirect("console:sign_in"))
        now = time.time()
        if now - float(request.session.get(LAST_SEEN, now)) > idle_limit():
            logout(request)
            return no_store(redirect("/console/sign-in?expired=1"))
        request.session[LAST_SEEN] = now
        try:
            request.actor = accounts.actor_for(user.get_username())  # type: ignore[attr-defined]
        except accounts.NoAccount:
            logout(request)
            return refused(request, 403)
        try:
            response = view(request, *args, **kwargs)
        except AccessDenied:
            response = refused(request, 403)
        except LookupError:  # PersonNotFound, ApplicationNotFound: no such record, or not in one's districts
            response = refused(request, 404)
        return no_store(response)
    return wrapped
