"""Officers' accounts: Django's users with a Muster role and districts (muster.accounts.models).

The command line acts as the account named by the operating-system user or MUSTER_ACTOR
(`actor_for`); `muster init` makes the user who runs it the first operator, in every district,
when no account exists yet (as initdb does), and that operator adds the others (`add_user`)."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import ValidationError, validate_password
from django.db import transaction

from muster.accounts.models import Officer
from muster.audit import access, trail
from muster.kernel.actor import OFFICER_ROLES, Actor, Role
from muster.registry.models import District
from muster.rules import access as rules
from muster.rules import limits


class AccountError(ValueError):
    pass


class NoAccount(PermissionError):
    """The command line's user has no officer account; the message says how to get one."""


def _role(role: str | None, superuser: bool) -> Role:
    if role is None:
        return Role.ADMINISTRATOR if superuser else Role.REGISTRATION_OFFICER
    if role not in OFFICER_ROLES:
        raise AccountError(f"--role: expected one of {', '.join(sorted(OFFICER_ROLES))}, got {role!r}")
    return Role(role)


def add_user(actor: Actor, username: str, password: str | None, superuser: bool, role: str | None = None,
             districts: list[str] | None = None) -> dict[str, Any]:
    """An account with a role and districts (none given: every district). `password` None: an
    account for the command line only, which cannot log in to the web pages."""
    access.require(rules.may_administer(actor))
    limits.check("username", username, "NAME")
    User: Any = get_user_model()
    officer_role = _role(role, superuser)
    if not username or ":" in username or len(username) > 150:
        raise AccountError(f"user name {username!r}: 1 to 150 characters, no ':'")
    if User.objects.filter(username=username).exists():
        raise AccountError(f"user {username!r} exists already")
    wanted = sorted(set(districts or []))
    unknown = sorted(set(wanted) - set(District.objects.filter(code__in=wanted).values_list("code", flat=True)))
    if unknown:
        raise AccountError(f"--district: unknown district {', '.join(unknown)}")
    if password is not None:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise AccountError("password: " + " ".join(exc.messages)) from None
    with transaction.atomic():
        if superuser:
            user = User.objects.create_superuser(username=username, password=password)
        else:
            user = User.objects.create_user(username=username, password=password, is_staff=password is not None)
        Officer.objects.create(user=user, role=officer_role, all_districts=not wanted, districts=wanted)
        where = ", ".join(wanted) or "all districts"
        trail.record(actor, "account.add", "user", username,
                     purpose=f"{'superuser' if superuser else 'staff'}; {officer_role} in {where}")
    return {"username": username, "superuser": superuser, "role": str(officer_role),
            "districts": wanted or "all", "password": password is not None}


def actor_for(name: str, purpose: str = "") -> Actor:
    """The command line's actor: the officer account `name` (its role and districts)."""
    if ":" in name:
        if not name.startswith("cli:"):
            raise NoAccount(f"the command line acts only as an officer's account, not as {name!r} "
                            "(MUSTER_ACTOR names an account, e.g. MUSTER_ACTOR=alice)")
        name = name.removeprefix("cli:")
    hint = f"; ask an administrator: muster user add {name} --role ROLE [--district CODE ...]"
    officer = Officer.objects.filter(user__username=name, user__is_active=True).first()
    if officer is None:
        raise NoAccount(f"no Muster account named {name!r}{hint}")
    districts = None if officer.all_districts else frozenset(officer.districts)
    return Actor.officer(f"cli:{name}", Role(officer.role), districts, purpose=purpose)


def ensure_first_operator(name: str) -> bool:
    """The first account, for the user who runs `muster init`: an operator in every district. Only
    when there is no officer account yet; True if it was made."""
    User: Any = get_user_model()
    with transaction.atomic():
        if Officer.objects.exists():
            return False
        user = User.objects.filter(username=name).first()
        if user is None:
            user = User.objects.create_user(username=name, password=None)
        Officer.objects.create(user=user, role=Role.OPERATOR, all_districts=True)
        trail.record(Actor.system("init"), "account.add", "user", name, purpose="first operator, all districts")
    return True


def ensure_demo_admin() -> str | None:
    """A 'demo' superuser (an administrator in every district) with a random password, created
    once; returns the password if new."""
    User: Any = get_user_model()
    if User.objects.filter(username="demo").exists():
        return None
    password = os.environ.get("MUSTER_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User.objects.create_superuser(username="demo", password=password)
        Officer.objects.create(user=user, role=Role.ADMINISTRATOR, all_districts=True)
    return password


DEMO_CONSOLE_ROLES = (Role.REGISTRATION_OFFICER, Role.DATA_STEWARD, Role.BOARD_MEMBER, Role.AUDITOR,
                      Role.ADMINISTRATOR)


def ensure_demo_officers() -> list[dict[str, str]]:
    """One console account per role (`demo-registration-officer`, ...; every district), each with a
    random password and a TOTP device set up, created once; returns the new ones with their
    password and otpauth URL, for `muster demo` to print once (only digests are kept)."""
    from muster.accounts import second_factor  # django-otp's models: the web's accounts only

    User: Any = get_user_model()
    made = []
    for role in DEMO_CONSOLE_ROLES:
        username = "demo-" + str(role).replace("_", "-")
        if User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password)
            Officer.objects.create(user=user, role=role, all_districts=True)
            otpauth_url = second_factor.enrol_for_demo(user.pk)
            trail.record(Actor.system("demo"), "account.add", "user", username, purpose=f"{role} in all districts")
        made.append({"username": username, "role": str(role), "password": password, "otpauth_url": otpauth_url})
    return made


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
