"""Partner accounts and their credentials: API keys shown once and kept hashed; webhook secrets."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from muster.audit import trail
from muster.delivery import ports
from muster.kernel import db
from muster.kernel.actor import Actor
from muster.measures.replica import KEYS_CHANNEL
from muster.partners import feed, webhooks
from muster.partners.models import ApiKey, Partner
from muster.policy import loader
from muster.rules import destinations
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
    if not kinds and not submit_fields:
        raise PartnerError("--kinds: name at least one measure kind the partner enforces, or give --submit for a "
                           "partner that only submits (a register); a partner with neither has nothing to do")
    unknown = sorted(set(kinds) - known_kinds())
    if unknown:
        raise PartnerError(f"--kinds: unknown measure kind(s) {', '.join(unknown)}; "
                           f"the packs know {', '.join(sorted(known_kinds()))}")
    if webhook_url:
        check_webhook(webhook_url)
    with transaction.atomic():
        if Partner.objects.filter(name=name).exists():
            raise PartnerError(f"a partner named {name!r} already exists")
        partner = Partner.objects.create(name=name, kinds=sorted(set(kinds)), webhook_url=webhook_url,
                                         webhook_secret=new_webhook_secret() if webhook_url else "",
                                         submit=submit_fields)
        key = _issue_key(partner)
        feed.backfill(partner)
        partner.refresh_from_db()
        trail.record(actor, "partner.add", "partner", str(partner.pk), purpose=f"{name}: {','.join(partner.kinds) or 'no measure kinds'}; "
                                                                             f"submits {','.join(partner.submit) or 'nothing'}")
    return {**describe(partner), "api_key": key, "webhook_secret": partner.webhook_secret or None}


def check_webhook(url: str) -> None:
    """PartnerError unless `url` is an http(s) URL (https in production) whose host resolves to
    public addresses only (MUSTER_WEBHOOK_ALLOW_PRIVATE admits loopback and private ones, for
    development and tests). The sender checks the address again at every delivery."""
    parts = urlsplit(url)
    problem = destinations.webhook_scheme_problem(parts.scheme, settings.MUSTER_ENV == "production")
    if problem:
        raise PartnerError(f"--webhook {url!r}: {problem}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise PartnerError(f"--webhook {url!r}: the port is not a number from 0 to 65535") from None
    if not parts.hostname:
        raise PartnerError(f"--webhook {url!r}: names no host")
    try:
        ports.destination(parts.hostname, port, settings.MUSTER_WEBHOOK_ALLOW_PRIVATE)
    except ports.DestinationRefused as exc:
        raise PartnerError(f"--webhook {url!r}: {exc}; webhooks go only to public addresses") from None


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
    """A new key; every older key stops working at once, in every server worker (`_announce`).
    A partner that was locked out (`revoke`) gets, on its pull feed, the events it missed
    meanwhile; its webhooks carry what happens from now on (as for a new partner)."""
    get(name)
    with transaction.atomic():
        published = feed.hold_publication()
        partner = _locked(name)
        locked_out = not ApiKey.objects.filter(partner=partner, revoked_at=None).exists()
        ApiKey.objects.filter(partner=partner, revoked_at=None).update(revoked_at=timezone.now())
        key = _issue_key(partner)
        caught_up = feed.catch_up(partner, published) if locked_out else 0
        trail.record(actor, "partner.rotate_key", "partner", str(partner.pk), purpose=name)
        _announce()
    partner.refresh_from_db()
    return {**describe(partner), "api_key": key, "feed_caught_up": caught_up}


def revoke(name: str, *, actor: Actor) -> dict[str, Any]:
    """Revoke every key: the partner is locked out until a rotation gives it a new one. Its
    feed takes no new events and its queued webhooks are given up ("partner revoked", dead
    letters an operator may replay once the partner has a key again); every server worker
    stops taking its keys within moments (`_announce`)."""
    with transaction.atomic():
        partner = _locked(name)
        revoked = ApiKey.objects.filter(partner=partner, revoked_at=None).update(revoked_at=timezone.now())
        given_up = webhooks.give_up_all(partner.pk)
        trail.record(actor, "partner.revoke_keys", "partner", str(partner.pk), purpose=f"{name}: {revoked} key(s)")
        _announce()
    return {**describe(partner), "revoked": revoked, "webhooks_given_up": given_up}


def _locked(name: str) -> Partner:
    """The partner, its row locked until the transaction ends (the feed's fan-out takes it too)."""
    get(name)
    return Partner.objects.select_for_update().get(name=name)


def _announce() -> None:
    """Tell every server worker's replica to re-read the keys (delivered as the transaction
    commits). Only where a replica can follow the database; elsewhere keys are read per check."""
    if db.features().replica:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_notify(%s, '')", [KEYS_CHANNEL])


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
