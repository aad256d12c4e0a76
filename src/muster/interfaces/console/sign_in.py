"""Signing in to the console: a password, then a TOTP code (set up at the first sign-in).

Failures of either step count towards django-axes' lockout for the user name and the address
(a wrong code is reported to axes as a failed login), and a locked-out account is refused at both
steps. Only after the code does the session belong to the officer (django.contrib.auth.login).
"""

from __future__ import annotations

import base64
import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, login, logout, user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

from muster.accounts import second_factor
from muster.accounts import services as accounts
from muster.interfaces.console.guard import LAST_SEEN, no_store

PENDING_USER = "console_pending_user"
PENDING_NAME = "console_pending_name"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return no_store(render(request, template, context, status=status))


def _locked(request: HttpRequest, username: str) -> bool:
    return bool(getattr(request, "axes_locked_out", False)) or \
        AxesProxyHandler.is_locked(request, {"username": username})


def _locked_page(request: HttpRequest) -> HttpResponse:
    """The console's own 429 page (translated, no-store) in place of axes' plain message."""
    request.axes_locked_out = False  # type: ignore[attr-defined]
    return _page(request, "console/locked.html", {}, status=429)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"expired": request.GET.get("expired") == "1"}
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        password = request.POST.get("password", "")[:1000]
        user = authenticate(request, username=username, password=password)
        if _locked(request, username):
            return _locked_page(request)
        if user is not None:
            try:
                accounts.actor_for(user.get_username())
            except accounts.NoAccount:
                user = None
        if user is None:
            context.update(error=_("The user name or password is not right."), username=username)
            return _page(request, "console/sign_in.html", context, status=400)
        logout(request)
        request.session.cycle_key()
        request.session[PENDING_USER] = user.pk
        request.session[PENDING_NAME] = user.get_username()
        return no_store(redirect("console:code" if second_factor.is_enrolled(user.pk) else "console:enrol"))
    return _page(request, "console/sign_in.html", context)


def _pending(request: HttpRequest) -> tuple[int, str] | None:
    user_id, name = request.session.get(PENDING_USER), request.session.get(PENDING_NAME)
    return (int(user_id), str(name)) if user_id and name else None


def _finish(request: HttpRequest, user_id: int, device_id: str) -> HttpResponse:
    try:
        user = second_factor.account_signing_in(user_id)
    except second_factor.SecondFactorError:  # deactivated between the password and the code
        return no_store(redirect("console:sign_in"))
    for key in (PENDING_USER, PENDING_NAME):
        request.session.pop(key, None)
    login(request, user, backend=BACKEND)  # a new session key; axes resets the failures
    request.session[DEVICE_ID_SESSION_KEY] = device_id
    request.session[LAST_SEEN] = time.time()
    return no_store(redirect("console:home"))


def _count_failure(request: HttpRequest, name: str) -> HttpResponse | None:
    """A wrong code counts towards the lockout like a wrong password; the locked page if it is
    reached now, else None (the page shows the error)."""
    user_login_failed.send(sender=__name__, credentials={"username": name}, request=request)
    return _locked_page(request) if _locked(request, name) else None


@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return no_store(redirect("console:sign_in"))
    user_id, name = pending
    if _locked(request, name):
        return _locked_page(request)
    context: dict[str, Any] = {}
    if request.method == "POST":
        try:
            device_id = second_factor.verify(user_id, request.POST.get("code", "")[:20])
        except second_factor.SecondFactorError:
            if (locked := _count_failure(request, name)) is not None:
                return locked
            context["error"] = _("The code is not right, or was used already. Wait for the next code.")
            return _page(request, "console/code.html", context, status=400)
        return _finish(request, user_id, device_id)
    return _page(request, "console/code.html", context)


def qr_data_url(text: str) -> str:
    """The QR code of `text` as an SVG data URL (an <img>, so the CSP needs no inline style)."""
    widget = QrCodeWidget(text)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(200, 200, transform=[200 / (x1 - x0), 0, 0, 200 / (y1 - y0), 0, 0])
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return no_store(redirect("console:sign_in"))
    user_id, name = pending
    if _locked(request, name):
        return _locked_page(request)
    if second_factor.is_enrolled(user_id):
        return no_store(redirect("console:code"))
    context: dict[str, Any] = {}
    if request.method == "POST":
        try:
            device_id = second_factor.confirm_enrolment(user_id, request.POST.get("code", "")[:20])
        except second_factor.SecondFactorError:
            if (locked := _count_failure(request, name)) is not None:
                return locked
            context["error"] = _("The code is not right. Enter the code the app shows now.")
        else:
            return _finish(request, user_id, device_id)
    setup = second_factor.enrolment(user_id)
    context.update(secret=setup["secret"], otpauth_url=setup["otpauth_url"], qr=qr_data_url(setup["otpauth_url"]))
    return _page(request, "console/enrol.html", context, status=400 if "error" in context else 200)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return no_store(redirect("console:sign_in"))


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the console's language (a cookie LocaleMiddleware reads); back to the console only."""
    chosen = request.POST.get("language", "")
    back = request.POST.get("next", "")
    response = redirect(back if back.startswith("/console/") and "//" not in back else "console:home")
    if chosen in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, chosen, samesite="Lax", httponly=True)
    return no_store(response)


__all__ = ["code", "enrol", "language", "sign_in", "sign_out"]
