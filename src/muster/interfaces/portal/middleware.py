"""The portal's language: the person's choice (the language cookie, set by the switch on every
page), else the default pack's first language; the browser's Accept-Language is not asked, so a
Russian browser still gets English when the person chose English."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

PORTAL_PREFIX = "/portal/"


def _pack_language() -> str:
    from muster.policy import services as policy

    try:
        languages = policy.get_pack(settings.MUSTER_DEFAULT_PACK).languages
    except LookupError:  # no pack installed yet: the site's language
        return settings.LANGUAGE_CODE
    return next((lang for lang in languages if lang in dict(settings.LANGUAGES)), settings.LANGUAGE_CODE)


def language_of(request: HttpRequest) -> str:
    """The person's choice (the language cookie), else the pack's."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(settings.LANGUAGES) else _pack_language()


class PortalLanguage:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(PORTAL_PREFIX):
            language = language_of(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class ProviderFormAction:
    """Signing out posts to the portal, which sends the browser on to the provider's end of
    session; browsers hold that redirect to the page's CSP form-action, so the portal's pages
    allow the provider's origin there too (and nothing else is loosened)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        issuer = settings.MUSTER_OIDC.issuer
        if issuer and request.path.startswith(PORTAL_PREFIX):
            parts = urlsplit(issuer)
            response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
        return response
