"""Helpers for the officer console's tests: accounts of each role, real TOTP codes from the
device's secret, and a signed-in test client."""

from __future__ import annotations

import re
from base64 import b32decode

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from muster.accounts import services as accounts
from muster.kernel.actor import Actor

PASSWORD = "correct horse battery staple 7"
ROLES = ["registration_officer", "data_steward", "board_member", "auditor", "administrator"]


def make_officer(name: str, role: str = "registration_officer", districts: list[str] | None = None) -> str:
    accounts.add_user(Actor.officer("t"), name, PASSWORD, False, role=role,
                      districts=["RU-RYA"] if districts is None else districts)
    return name


def code_for(secret_b32: str, offset: int = 0) -> str:
    key = b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    return f"{totp(key, drift=offset):06d}"


def secret_of(username: str) -> str:
    from base64 import b32encode

    device = TOTPDevice.objects.get(user__username=username)
    return b32encode(device.bin_key).decode().rstrip("=")


def enrol(client: Client, username: str, password: str = PASSWORD) -> str:
    """Sign in for the first time: password, the set-up page's secret, its first code. Returns the
    secret (the officer's authenticator app)."""
    response = client.post("/console/sign-in", {"username": username, "password": password})
    assert response.status_code == 302 and response["Location"].endswith("/console/set-up"), response
    page = client.get("/console/set-up").content.decode()
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)  # type: ignore[union-attr]
    response = client.post("/console/set-up", {"code": code_for(secret)})
    assert response.status_code == 302 and response["Location"].endswith("/console/"), response.content
    return secret


def signed_in(username: str, role: str = "registration_officer", districts: list[str] | None = None) -> Client:
    make_officer(username, role, districts)
    client = Client()
    enrol(client, username)
    return client
