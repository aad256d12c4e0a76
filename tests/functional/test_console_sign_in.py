"""Signing in to the officer console: password plus a mandatory TOTP code (real codes from the
device's secret), a replayed or wrong code, lockout after failures (of either step), the
15-minute idle limit, CSRF, and the headers every page carries."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from muster.accounts import second_factor
from muster.interfaces.console.guard import LAST_SEEN
from muster.kernel.actor import Actor, Role
from tests.functional.console_helpers import (
    PASSWORD,
    code_for,
    enrol,
    make_officer,
    secret_of,
    signed_in,
)

pytestmark = pytest.mark.django_db


def _password(client: Client, name: str, password: str = PASSWORD):
    return client.post("/console/sign-in", {"username": name, "password": password})


def test_first_sign_in_enrols_a_device_shown_once_and_confirmed_by_a_code(packs):
    make_officer("olga")
    client = Client()
    secret = enrol(client, "olga")
    assert client.get("/console/").status_code == 200
    assert second_factor.is_enrolled(int(client.session["_auth_user_id"]))
    # Signed out and in again: the code page, no set-up (the secret is not shown again).
    client.post("/console/sign-out")
    assert _password(client, "olga")["Location"].endswith("/console/code")
    assert client.get("/console/set-up")["Location"].endswith("/console/code")
    assert secret == secret_of("olga")


def test_the_password_alone_opens_nothing(packs):
    make_officer("olga")
    client = Client()
    enrol(Client(), "olga")
    _password(client, "olga")
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].endswith("/console/sign-in")


def test_a_right_code_signs_in_and_the_same_code_replayed_is_refused(packs):
    make_officer("olga")
    secret = enrol(Client(), "olga")
    code = code_for(secret, offset=1)  # the next step's code: the set-up used this step's
    client = Client()
    _password(client, "olga")
    assert client.post("/console/code", {"code": code})["Location"].endswith("/console/")
    other = Client()
    _password(other, "olga")
    response = other.post("/console/code", {"code": code})
    assert response.status_code == 400
    assert "used already" in response.content.decode()
    assert other.get("/console/").status_code == 302


@pytest.mark.parametrize("bad", ["000000", "12345", "abcdef", "", "1" * 10_000])
def test_a_wrong_code_is_refused(packs, bad):
    make_officer("olga")
    secret = enrol(Client(), "olga")
    client = Client()
    _password(client, "olga")
    if bad == "000000" and code_for(secret) == bad:
        bad = "000001"
    response = client.post("/console/code", {"code": bad})
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302


def test_wrong_passwords_lock_the_account_out(packs, settings):
    make_officer("olga")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert _password(client, "olga", "wrong password!!").status_code in (400, 429)
    response = _password(client, "olga")  # the right password, too late
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_wrong_codes_count_towards_the_lockout(packs, settings):
    make_officer("olga")
    secret = enrol(Client(), "olga")
    client = Client()
    _password(client, "olga")
    statuses = [client.post("/console/code", {"code": "999999" if code_for(secret) != "999999" else "999998"}).status_code
                for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429
    response = client.post("/console/code", {"code": code_for(secret, offset=1)})  # right, but locked out
    assert response.status_code == 429
    assert client.get("/console/").status_code == 302


def test_an_account_without_an_officer_role_cannot_sign_in(packs):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("plain", password=PASSWORD)
    response = _password(Client(), "plain")
    assert response.status_code == 400


def test_a_session_idle_for_15_minutes_ends(packs):
    client = signed_in("olga")
    assert client.get("/console/").status_code == 200
    session = client.session
    session[LAST_SEEN] = time.time() - 901
    session.save()
    response = client.get("/console/")
    assert response.status_code == 302 and "expired=1" in response["Location"]
    assert client.get("/console/").status_code == 302  # signed out for good


def test_activity_keeps_the_session_and_the_cookie_age_is_15_minutes(packs, settings):
    assert settings.SESSION_COOKIE_AGE == 900 and settings.SESSION_SAVE_EVERY_REQUEST
    client = signed_in("olga")
    session = client.session
    session[LAST_SEEN] = time.time() - 800
    session.save()
    assert client.get("/console/").status_code == 200
    assert client.get("/console/").status_code == 200


def test_posts_need_the_sessions_own_csrf_token(packs):
    make_officer("olga")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/console/sign-in", {"username": "olga", "password": PASSWORD}).status_code == 403
    other = Client(enforce_csrf_checks=True)
    other.get("/console/sign-in")
    foreign = other.cookies["csrftoken"].value
    client.get("/console/sign-in")
    response = client.post("/console/sign-in", {"username": "olga", "password": PASSWORD,
                                                "csrfmiddlewaretoken": foreign})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/console/sign-in", "/console/"])
def test_pages_are_never_cached_and_carry_the_csp(packs, path):
    client = signed_in("olga")
    response = client.get(path)
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_an_administrator_resets_a_lost_device_and_the_next_sign_in_enrols_again(packs):
    client = signed_in("olga")
    result = second_factor.reset(Actor.officer("t"), "olga")
    assert result["devices_removed"] == 1
    assert client.get("/console/").status_code == 302  # the session's device is gone
    assert _password(Client(), "olga")["Location"].endswith("/console/set-up")


def test_only_an_administrator_resets_a_device(packs):
    from muster.audit.access import AccessDenied

    signed_in("olga")
    with pytest.raises(AccessDenied):
        second_factor.reset(Actor.officer("x", role=Role.REGISTRATION_OFFICER), "olga")


def test_muster_user_totp_reset(cli_run):
    import json

    signed_in("olga")
    result = cli_run("user", "totp-reset", "olga", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"username": "olga", "devices_removed": 1}
    assert _password(Client(), "olga")["Location"].endswith("/console/set-up")
    assert cli_run("user", "totp-reset", "nobody", "--json").exit_code != 0


def test_the_demo_makes_a_console_account_per_role_that_signs_in_with_its_printed_secret(packs):
    import re

    from muster.accounts import services as accounts

    made = accounts.ensure_demo_officers()
    assert [a["role"] for a in made] == ["registration_officer", "data_steward", "board_member", "auditor",
                                         "administrator"]
    assert accounts.ensure_demo_officers() == []  # once
    officer = made[0]
    secret = re.search(r"secret=([A-Z2-7]+)", officer["otpauth_url"]).group(1)  # type: ignore[union-attr]
    client = Client()
    assert _password(client, officer["username"], officer["password"])["Location"].endswith("/console/code")
    assert client.post("/console/code", {"code": code_for(secret)})["Location"].endswith("/console/")
    assert client.get("/console/").status_code == 200
