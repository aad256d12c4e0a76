"""A real OpenID provider on loopback for the portal's tests (oidc-provider-mock, in a thread),
and signing in through it as a browser would: to the provider, the form, back with the code."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from django.conf import settings
from django.test import Client


@pytest.fixture(scope="module")
def provider_url() -> Iterator[str]:
    import oidc_provider_mock

    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def provider(provider_url, settings) -> str:
    """The portal pointed at the loopback provider, with room for the tests' many sign-ins."""
    settings.MUSTER_OIDC = dataclasses.replace(settings.MUSTER_OIDC, issuer=provider_url, signin_rate_per_minute=1000)
    return provider_url


def english_client(**defaults: str) -> Client:
    """A browser whose person chose English (the ru pack's portal speaks Russian by default)."""
    client = Client(**defaults)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def add_identity(provider_url: str, sub: str, **claims: str) -> None:
    """The provider's user `sub` with these claims in the ID token (e.g. national_id, acr)."""
    response = requests.put(f"{provider_url}/users/{quote(sub, safe='')}", json=claims, timeout=10)
    assert response.status_code == 204, response.text


def authorize(authorize_url: str, sub: str) -> str:
    """The person signs in at the provider: its form posted; returns our callback URL with the code."""
    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def start(client) -> str:
    response = client.get("/portal/sign-in/")
    assert response.status_code == 302, response.content
    return response["Location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in(client, provider_url: str, national_id: str, sub: str | None = None, **claims: str):
    """Sign in all the way; returns the portal's answer to the callback."""
    sub = sub or f"user-{national_id}"
    add_identity(provider_url, sub, national_id=national_id, **claims)
    return client.get(callback_path(authorize(start(client), sub)))


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
