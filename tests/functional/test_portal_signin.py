"""Signing in to the citizen portal through a real OpenID provider on loopback (never mocked):
state, nonce and PKCE; the configured claim names the person; a stranger sees a plain page;
a tampered state, a replayed code, an idle session and too many attempts are refused; signing
out ends the session at the provider too."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import requests
from django.contrib.sessions.models import Session
from django.utils import timezone

from muster.audit.models import AuditRecord
from muster.registry.models import Person
from tests.conftest import snils
from tests.functional.portal_support import (
    add_identity,
    authorize,
    callback_path,
    english_client,
    query,
    sign_in,
    start,
)

pytestmark = pytest.mark.django_db


def test_sign_in_end_to_end_with_state_nonce_and_pkce(world, provider):
    national_id = world["ids"][0]
    client = english_client()
    add_identity(provider, "alice", national_id=national_id)
    to_provider = start(client)
    asked = query(to_provider)
    assert to_provider.startswith(provider + "/")
    assert asked["state"] and asked["nonce"] and asked["code_challenge"] and asked["code_challenge_method"] == "S256"
    assert asked["redirect_uri"] == "http://testserver/portal/callback/" and "openid" in asked["scope"]
    back = client.get(callback_path(authorize(to_provider, "alice")))
    assert back.status_code == 302 and back["Location"] == "/portal/record/"
    page = client.get("/portal/record/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "default-src 'self'" in page["Content-Security-Policy"]
    person = Person.objects.get(national_id=national_id)
    assert person.family_name in page.content.decode()
    # the page view is the person's own read, in their access log
    assert AuditRecord.objects.filter(person_id=person.pk, actor=f"person:{person.pk}", action="person.read").exists()


def test_the_claim_that_holds_the_national_id_is_configured(world, provider, settings):
    settings.MUSTER_OIDC = dataclasses.replace(settings.MUSTER_OIDC, national_id_claim="snils")
    client = english_client()
    assert sign_in(client, provider, world["ids"][1], sub="bob", snils=world["ids"][1])["Location"] == "/portal/record/"
    other = english_client()
    response = sign_in(other, provider, world["ids"][1], sub="carol")  # national_id, but not snils
    assert response.status_code == 400 and other.get("/portal/record/").status_code == 302


def test_someone_the_registry_does_not_hold_sees_a_plain_page(world, provider):
    client = english_client()
    response = sign_in(client, provider, snils(999))
    assert response.status_code == 403
    text = response.content.decode()
    assert "We do not hold a record for you" in text
    for national_id in world["ids"]:
        assert national_id not in text
    assert snils(999) not in text
    assert client.get("/portal/record/")["Location"].startswith("/portal/")


def test_a_tampered_state_is_refused(world, provider):
    client = english_client()
    add_identity(provider, "alice", national_id=world["ids"][0])
    back = authorize(start(client), "alice")
    tampered = back.replace("state=", "state=x")
    response = client.get(callback_path(tampered))
    assert response.status_code == 400 and "Signing in did not work" in response.content.decode()
    assert client.get("/portal/record/").status_code == 302


def test_a_replayed_code_is_refused(world, provider):
    client = english_client()
    add_identity(provider, "alice", national_id=world["ids"][0])
    back = authorize(start(client), "alice")
    assert client.get(callback_path(back)).status_code == 302
    assert client.post("/portal/sign-out/").status_code == 302
    # the same callback again: its state was used up
    again = client.get(callback_path(back))
    assert again.status_code == 400
    # the old code with a fresh state of this browser: the provider refuses the code
    fresh = query(start(client))["state"]
    replay = callback_path(back).replace(f"state={query(back)['state']}", f"state={fresh}")
    response = client.get(replay)
    assert response.status_code == 400 and client.get("/portal/record/").status_code == 302


def test_a_session_idle_for_15_minutes_has_ended_mid_form(world, provider, settings):
    assert settings.SESSION_COOKIE_AGE == 900 and settings.SESSION_SAVE_EVERY_REQUEST
    client = english_client()
    sign_in(client, provider, world["ids"][0])
    assert client.get("/portal/access-log/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))  # 15 minutes went by
    response = client.get("/portal/access-log/?from=2026-01-01&to=2026-12-31")
    assert response.status_code == 302 and response["Location"] == "/portal/?ended=1"
    assert "15 minutes" in client.get(response["Location"]).content.decode()


def test_sign_in_is_rate_limited_per_client(world, provider, settings):
    settings.MUSTER_OIDC = dataclasses.replace(settings.MUSTER_OIDC, signin_rate_per_minute=3)
    client = english_client(REMOTE_ADDR="203.0.113.9")
    codes = [client.get("/portal/sign-in/").status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert english_client(REMOTE_ADDR="203.0.113.10").get("/portal/sign-in/").status_code == 302


def test_signing_out_ends_the_session_here_and_at_the_provider(world, provider):
    client = english_client()
    sign_in(client, provider, world["ids"][0])
    response = client.post("/portal/sign-out/")
    assert response.status_code == 302
    end = response["Location"]
    assert end.startswith(provider) and "end_session" in end
    asked = query(end)
    assert asked["id_token_hint"] and asked["post_logout_redirect_uri"] == "http://testserver/portal/signed-out/"
    assert client.get("/portal/record/").status_code == 302
    assert client.get("/portal/sign-out/").status_code == 405  # a GET (a link, an image) signs nobody out


def test_signing_out_needs_the_csrf_token(world, provider):
    client = english_client(enforce_csrf_checks=True)
    sign_in(client, provider, world["ids"][0])
    assert client.post("/portal/sign-out/").status_code == 403
    assert client.get("/portal/record/").status_code == 200


def test_an_unreachable_provider_is_a_plain_page(world, settings):
    settings.MUSTER_OIDC = dataclasses.replace(settings.MUSTER_OIDC, issuer="http://127.0.0.1:9", signin_rate_per_minute=1000)
    response = english_client().get("/portal/sign-in/")
    assert response.status_code == 503 and "not available" in response.content.decode()


def test_the_level_of_assurance_is_kept_for_submitting(world, provider, settings):
    """Reading needs a signed-in person; submitting (the application pages) will need the
    configured level of assurance, asserted by the provider as `acr`."""
    from muster.interfaces.portal.session import SESSION_KEY, Citizen

    settings.MUSTER_OIDC = dataclasses.replace(settings.MUSTER_OIDC, required_acr="high")
    low, high = english_client(), english_client()
    sign_in(low, provider, world["ids"][0], sub="low", acr="low")
    sign_in(high, provider, world["ids"][0], sub="high", acr="high")
    assert low.get("/portal/record/").status_code == 200  # reading is allowed at any level
    assert not Citizen(**low.session[SESSION_KEY]).may_submit
    assert Citizen(**high.session[SESSION_KEY]).may_submit


def test_a_refusal_at_the_provider_signs_nobody_in(world, provider):
    client = english_client()
    refused = requests.post(start(client), data={"action": "deny"}, allow_redirects=False, timeout=10)
    back = refused.headers["Location"]
    assert "error=access_denied" in back
    response = client.get(callback_path(back))
    assert response.status_code == 400 and "Signing in did not work" in response.content.decode()
    assert client.get("/portal/record/").status_code == 302
