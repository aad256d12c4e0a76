"""The console's second factor: a TOTP device per officer account (django-otp).

An account without a confirmed device is enrolled at its first sign-in: the secret is shown once
(as a QR code and an otpauth URL) and the device counts only once a first code from it verifies.
A code verifies at most once (django-otp keeps the last time step used), so a replayed code fails.
An administrator resets a lost device (`muster user totp-reset NAME`); the next sign-in enrols anew.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from muster.audit import access, trail
from muster.kernel.actor import Actor
from muster.rules import access as rules

DEVICE_NAME = "console"
ISSUER = "Muster"


class SecondFactorError(ValueError):
    """The code or the account's state does not allow this step; the message says which."""


def _user(user_id: int) -> Any:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise SecondFactorError("account: no such active account")
    return user


def account_signing_in(user_id: int) -> Any:
    """The account whose password and code were just checked, for Django's login (SecondFactorError
    if it was deactivated in between)."""
    return _user(user_id)


def is_enrolled(user_id: int) -> bool:
    return TOTPDevice.objects.filter(user_id=user_id, confirmed=True).exists()


def enrolment(user_id: int) -> dict[str, str]:
    """The secret of the account's device awaiting its first code (made now if there is none):
    base32 for typing in, and the otpauth URL an authenticator app reads from a QR code."""
    user = _user(user_id)
    if is_enrolled(user_id):
        raise SecondFactorError("account: the second factor is set up already")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return {"secret": b32encode(device.bin_key).decode("ascii").rstrip("="), "otpauth_url": device.config_url}


def confirm_enrolment(user_id: int, code: str) -> str:
    """The first code from the new device: it counts from now on. Returns the device's id for the
    session (django_otp.login)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user_id=user_id, confirmed=False).first()
        if device is None:
            raise SecondFactorError("code: start the set-up again")
        if not _clean(code) or not device.verify_token(_clean(code)):
            raise SecondFactorError("code: the code is not right")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        trail.record(Actor.system("console"), "account.totp_enrolled", "user", str(_user(user_id)))
    return str(device.persistent_id)


def verify(user_id: int, code: str) -> str:
    """Check a code from the account's confirmed device; each code works once. Returns the device's
    id for the session."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user_id=user_id, confirmed=True).first()
        if device is None:
            raise SecondFactorError("code: the account has no second factor set up")
        if not _clean(code) or not device.verify_token(_clean(code)):
            raise SecondFactorError("code: the code is not right, or was used already")
    return str(device.persistent_id)


def enrol_for_demo(user_id: int) -> str:
    """A confirmed device at once, for the demo's accounts: its otpauth URL (printed once by
    `muster demo`, for an authenticator app). Never for a real account, which confirms a first code."""
    user = _user(user_id)
    TOTPDevice.objects.filter(user=user).delete()
    return str(TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True).config_url)


def device_is_current(user_id: int, persistent_id: str | None) -> bool:
    """The device a session verified still belongs to the account (a reset ends such sessions)."""
    if not persistent_id:
        return False
    device = TOTPDevice.from_persistent_id(persistent_id, for_verify=False)
    return device is not None and device.user_id == user_id and bool(device.confirmed)


def reset(actor: Actor, username: str) -> dict[str, Any]:
    """Remove an account's devices (lost phone): its next sign-in enrols a new one."""
    access.require(rules.may_administer(actor))
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise LookupError(f"no user {username!r}")
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        trail.record(actor, "account.totp_reset", "user", username)
    return {"username": username, "devices_removed": removed}


def _clean(code: str) -> str:
    code = code.replace(" ", "").strip()
    return code if code.isdigit() and len(code) == 6 else ""
