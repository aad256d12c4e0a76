"""Accounts for the web pages (the admin today; officers' accounts with roles and districts come
with the console). The command line's operator creates them."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import ValidationError, validate_password

from muster.audit import access, trail
from muster.kernel.actor import Actor
from muster.rules import access as rules
from muster.rules import limits


class AccountError(ValueError):
    pass


def add_user(actor: Actor, username: str, password: str, superuser: bool) -> dict[str, Any]:
    access.require(rules.may_administer(actor))
    limits.check("username", username, "NAME")
    User: Any = get_user_model()
    if User.objects.filter(username=username).exists():
        raise AccountError(f"user {username!r} exists already")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise AccountError("password: " + " ".join(exc.messages)) from None
    if superuser:
        User.objects.create_superuser(username=username, password=password)
    else:
        User.objects.create_user(username=username, password=password, is_staff=True)
    trail.record(actor, "account.add", "user", username, purpose="superuser" if superuser else "staff")
    return {"username": username, "superuser": superuser}


def ensure_demo_admin() -> str | None:
    """A 'demo' superuser with a random password, created once; returns the password if new."""
    User: Any = get_user_model()
    if User.objects.filter(username="demo").exists():
        return None
    password = os.environ.get("MUSTER_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    User.objects.create_superuser(username="demo", password=password)
    return password


def set_password(actor: Actor, username: str, password: str) -> dict[str, Any]:
    """A new password for an existing account (e.g. the demo's administrator, whose first password
    is shown only once); the same rules as a new account's."""
    access.require(rules.may_administer(actor))
    User: Any = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise LookupError(f"no user {username!r}")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("password: " + " ".join(exc.messages)) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    trail.record(actor, "account.password", "user", username)
    return {"username": username, "password_changed": True}
