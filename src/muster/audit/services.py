"""The audit trail for every interface: verify it, seal the access log and publish a checkpoint.
A person's own view of their access log is muster.citizen.services.who_viewed (offices and roles,
never an officer's name)."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from muster.audit import access, checkpoints, roles, sealing, spool, verification
from muster.kernel.actor import Actor
from muster.rules import access as rules

log = logging.getLogger("muster.audit")
SigningKeyMissing = checkpoints.SigningKeyMissing
SpoolProblem = spool.SpoolProblem


def check_spool() -> None:
    """Before the server or the worker starts: the spool directory is Muster's alone (SpoolProblem)."""
    spool.check_directory(Path(settings.MUSTER_SPOOL_DIR))


def verify(actor: Actor, now: datetime) -> verification.Report:
    """The chain, the seals of the access log and the published checkpoints (see verification)."""
    access.require(rules.may_read_statistics(actor))
    return verification.verify(now)


def seal(actor: Actor, now: datetime) -> dict[str, Any]:
    """Seal the access log's new rows into the chain and publish a signed checkpoint of its head."""
    access.require(rules.may_administer(actor))
    return seal_and_publish(now, strict=True)


def seal_and_publish(now: datetime, *, strict: bool = False) -> dict[str, Any]:
    """The engine's step (its actor is the system): seal, then checkpoint the head. Without a signing
    key (production, none configured) or a writable checkpoints file, the engine logs it and goes on
    (verify then shows the chain's head unpublished); `strict` (`muster audit seal`) raises instead,
    and seals everything rather than a turn's batch."""
    sealed = sealing.seal(batch=None if strict else sealing.TURN_BATCH)
    try:
        published = checkpoints.publish(now)
    except (checkpoints.SigningKeyMissing, OSError):
        if strict:
            raise
        log.error("no audit checkpoint published", exc_info=True)
        published = None
    return {"sealed": sealed, "checkpoint": published.record_id if published else None}


def prepare() -> dict[str, Any]:
    """For `muster init`: the checkpoints' signing key (made outside production if missing), and on
    PostgreSQL the application's role, which may not change audit rows."""
    try:
        key = "created" if checkpoints.ensure_signing_key() else "present"
    except checkpoints.SigningKeyMissing as exc:
        key = f"missing: {exc}"
    return {"signing_key": key, "database_role": roles.grant_app_role(settings.MUSTER_APP_ROLE)}
