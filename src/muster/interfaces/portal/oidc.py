"""Sign-in through the national identity provider (OpenID Connect, authorization code flow).

Authlib's Django client does the protocol: the provider's metadata by discovery, a fresh state,
nonce and PKCE verifier (S256) kept in the session per sign-in, the code exchanged once, and the
ID token's signature, issuer, audience, expiry and nonce checked. This module maps the configured
claim to a person of the registry and logs out at the provider too (RP-initiated logout).
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from joserfc.errors import JoseError

from muster.interfaces.clients import client_address, count_hit
from muster.interfaces.portal import session
from muster.kernel import clock
from muster.policy import services as policy
from muster.registry import services as registry
from muster.rules.clients import limit_key, minute_window

_clients: dict[tuple[str, str], DjangoOAuth2App] = {}
_lock = threading.Lock()


class ProviderUnavailable(RuntimeError):
    """The provider cannot be reached, or says it is another issuer than the one configured."""


def provider() -> DjangoOAuth2App:
    """The provider's client, its metadata discovered once per process; a provider whose metadata
    names another issuer is refused (a mix-up of providers)."""
    cfg = settings.MUSTER_OIDC
    if cfg.issuer is None:
        raise ProviderUnavailable("no MUSTER_OIDC_ISSUER is configured")
    key = (cfg.issuer, cfg.client_id)
    with _lock:
        client = _clients.get(key)
        if client is None:
            oauth = OAuth()
            oauth.register("idp", client_id=cfg.client_id, client_secret=cfg.client_secret,
                           server_metadata_url=f"{cfg.issuer}/.well-known/openid-configuration",
                           client_kwargs={"scope": cfg.scopes, "code_challenge_method": "S256", "timeout": 10})
            client = oauth.create_client("idp")
            try:
                metadata = client.load_server_metadata()
            except (requests.RequestException, ValueError) as exc:
                raise ProviderUnavailable(f"the provider's metadata could not be read: {type(exc).__name__}") from None
            if metadata.get("issuer") != cfg.issuer:
                raise ProviderUnavailable("the provider's metadata names another issuer")
            _clients[key] = client
    return client


def _over_limit(request: HttpRequest) -> bool:
    """Sign-in starts and returns per client (an address, or an IPv6 /64) in a one-minute window."""
    key = f"portal-signin:{limit_key(client_address(request))}:{minute_window(clock.now())}"
    return count_hit(key, 120) > settings.MUSTER_OIDC.signin_rate_per_minute


def _problem(request: HttpRequest, status: int, title: str, detail: str) -> HttpResponse:
    response = render(request, "portal/problem.html", {"title": title, "detail": detail}, status=status)
    return response


def _too_many(request: HttpRequest) -> HttpResponse:
    return _problem(request, 429, _("Too many attempts to sign in"),
                    _("Please wait a minute, then try again."))


def _unavailable(request: HttpRequest) -> HttpResponse:
    return _problem(request, 503, _("Signing in is not available"),
                    _("The identity provider cannot be reached just now. Please try again later."))


@never_cache
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Off to the provider, with a new state, nonce and PKCE challenge."""
    if _over_limit(request):
        return _too_many(request)
    try:
        client = provider()
    except ProviderUnavailable:
        return _unavailable(request)
    response: HttpResponse = client.authorize_redirect(request, request.build_absolute_uri("/portal/callback/"))
    return response


def _failed(request: HttpRequest) -> HttpResponse:
    return _problem(request, 400, _("Signing in did not work"),
                    _("The answer from the identity provider could not be accepted. Please sign in again."))


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Back from the provider: the state must be this browser's, the code is exchanged (once), the
    ID token checked; then the configured claim names the person."""
    if _over_limit(request):
        return _too_many(request)
    try:
        client = provider()
    except ProviderUnavailable:
        return _unavailable(request)
    try:
        token: dict[str, Any] = client.authorize_access_token(request)
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError):
        return _failed(request)
    claims = token.get("userinfo") or {}
    national_id = claims.get(settings.MUSTER_OIDC.national_id_claim)
    if not isinstance(national_id, str) or not national_id.strip():
        return _failed(request)
    pack = policy.get_pack(settings.MUSTER_DEFAULT_PACK)
    person_id = registry.person_signing_in(national_id, pack)
    if person_id is None:
        request.session.flush()  # nobody is signed in; the page says so and nothing more
        return render(request, "portal/not_registered.html", status=403)
    session.sign_in(request, session.Citizen(person_id=person_id, national_id=national_id,
                                             acr=str(claims.get("acr") or ""), id_token=str(token.get("id_token", ""))))
    return HttpResponseRedirect("/portal/record/")


@never_cache
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Out here and at the provider (its end_session_endpoint), back to the signed-out page."""
    person = session.citizen(request)
    request.session.flush()
    back = request.build_absolute_uri("/portal/signed-out/")
    try:
        client = provider()
    except ProviderUnavailable:
        return HttpResponseRedirect(back)
    if person is None or not client.load_server_metadata().get("end_session_endpoint"):
        return HttpResponseRedirect(back)
    url = client.create_logout_url(post_logout_redirect_uri=back, id_token_hint=person.id_token,
                                   client_id=settings.MUSTER_OIDC.client_id)["url"]
    return HttpResponseRedirect(url)
