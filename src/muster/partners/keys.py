"""Partner accounts and their credentials: API keys shown once and kept hashed; webhook secrets."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from muster.audit import trail
from muster.kernel.actor import Actor
from muster.partners import feed
from muster.partners.models import ApiKey, Partner
from muster.policy import loader
from muster.rules.api_keys import KEY_PREFIX, digest, parse_key
from muster.rules.submissions import parse_grant


class PartnerError(ValueError):
    pass


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def known_kinds() -> set[str]:
    from muster.policy.models import PackRecord

    return {m.kind for code in PackRecord.objects.values_list("code", flat=True)
            for v in loader.get_pack(code).versions for m in v.measures}


def _issue_key(partner: Partner) -> str:
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    ApiKey.objects.create(partner=partner, key_id=key_id, digest=digest(secret))
    return f"{KEY_PREFIX}_{key_id}_{secret}"


def _grant(submit: list[str]) -> list[str]:
    """A submission grant from kinds and fields (muster.rules.submissions.parse_grant), or PartnerError."""
    fields, problems = parse_grant(submit)
    if problems:
        raise PartnerError("; ".join(f"{p.column}: {p.reason}" for p in problems))
    return list(fields)


def grant(name: str, submit: list[str], *, actor: Actor) -> dict[str, Any]:
    """Set what a partner may submit (replacing its grant; empty: nothing)."""
    fields = _grant(submit)
    with transaction.atomic():
        partner = get(name)
        partner.submit = fields
        partner.save(update_fields=["submit"])
        trail.record(actor, "partner.grant", "partner", str(partner.pk),
                     purpose=f"{name} may submit: {','.join(fields) or 'nothing'}")
    return describe(partner)


def add(name: str, kinds: list[str], webhook_url: str, *, actor: Actor, submit: list[str] | None = None
        ) -> dict[str, Any]:
    submit_fields = _grant(submit or [])
    name = name.strip()
    if not name:
        raise PartnerError("the partner needs a name")
    if not kinds:
        raise PartnerError("--kinds: name at least one measure kind the partner enforces")
    unknown = sorted(set(kinds) - known_kinds())
    if unknown:
        raise PartnerError(f"--kinds: unknown measure kind(s) {', '.join(unknown)}; "
                           f"the packs know {', '.join(sorted(known_kinds()))}")
    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        raise PartnerError(f"--webhook: {webhook_url!r} is not an http(s) URL")
    if webhook_url.startswith("http://") and settings.MUSTER_ENV == "production":
        raise PartnerError("--webhook: production sends personal data only over https")
    with transaction.atomic():
        if Partner.objects.filter(name=name).exists():
            raise PartnerError(f"a partner named {name!r} already exists")
        partner = Partner.objects.create(name=name, kinds=sorted(set(kinds)), webhook_url=webhook_url,
                                         webhook_secret=new_webhook_secret() if webhook_url else "",
                                         submit=submit_fields)
        key = _issue_key(partner)
        feed.backfill(partner)
        partner.refresh_from_db()
        trail.record(actor, "partner.add", "partner", str(partner.pk), purpose=f"{name}: {','.join(partner.kinds)}")
    return {**describe(partner), "api_key": key, "webhook_secret": partner.webhook_secret or None}


def describe(partner: Partner) -> dict[str, Any]:
    keys = list(partner.keys.order_by("id"))
    return {"name": partner.name, "kinds": partner.kinds, "submit": partner.submit,
            "webhook": partner.webhook_url or None,
            "feed_length": partner.feed_length,
            "keys": [{"key_id": k.key_id, "created_at": k.created_at.isoformat(),
                      "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None} for k in keys]}


def get(name: str) -> Partner:
    partner = Partner.objects.filter(name=name).first()
    if partner is None:
        raise LookupError(f"no partner named {name!r}")
    return partner


def rotate(name: str, *, actor: Actor) -> dict[str, Any]:
    """A new key; every older key stops working at once."""
    with transaction.atomic():
        partner = get(name)
        ApiKey.objects.filter(partner=partner, revoked_at=None).update(revoked_at=timezone.now())
        key = _issue_key(partner)
        trail.record(actor, "partner.rotate_key", "partner", str(partner.pk), purpose=name)
    return {**describe(partner), "api_key": key}


def revoke(name: str, *, actor: Actor) -> dict[str, Any]:
    """Revoke every key: the partner is locked out until a rotation gives it a new one."""
    with transaction.atomic():
        partner = get(name)
        revoked = ApiKey.objects.filter(partner=partner, revoked_at=None).update(revoked_at=timezone.now())
        trail.record(actor, "partner.revoke_keys", "partner", str(partner.pk), purpose=f"{name}: {revoked} key(s)")
    return {**describe(partner), "revoked": revoked}


def authenticate(key: str) -> Actor | None:
    """The partner a bearer key belongs to, or None for a malformed, unknown or revoked key."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    with connection.cursor() as cur:  # raw SQL: this runs on every API request
        cur.execute("SELECT k.digest, p.id, p.name, p.kinds FROM partners_apikey k JOIN partners_partner p "
                    "ON p.id = k.partner_id WHERE k.key_id = %s AND k.revoked_at IS NULL", [parsed[0]])
        row = cur.fetchone()
    if row is None or not hmac.compare_digest(row[0], parsed[1]):
        return None
    kinds = json.loads(row[3]) if isinstance(row[3], str) else row[3]
    return Actor.partner(row[1], row[2], frozenset(kinds))
