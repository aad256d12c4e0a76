"""Upgrading a trail chained before the key (bare SHA-256): migration 0007 re-chains it with the
HMAC only if the old chain holds, so tampering done before the upgrade is never laundered."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps

from muster.audit import verification
from muster.audit.models import AuditRecord
from muster.rules.audit_chain import GENESIS, unkeyed_hash
from tests.functional.audit_attack import superuser_tampering

rechain = importlib.import_module("muster.audit.migrations.0007_keyed_chain").rechain
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _old_chain(n: int) -> list[AuditRecord]:
    prev, made = GENESIS, []
    for i in range(n):
        fields = {"at": AT.isoformat(), "actor": "cli:old", "action": "person.read", "object_type": "person",
                  "object_id": str(i), "person_id": None, "purpose": "appeal"}
        own = unkeyed_hash(prev, fields)
        made.append(AuditRecord.objects.create(at=AT, actor="cli:old", action="person.read", object_type="person",
                                               object_id=str(i), purpose="appeal", prev_hash=prev, hash=own))
        prev = own
    return made


def test_an_intact_old_chain_is_rechained_with_the_key(db):
    _old_chain(4)
    assert verification.verify(AT).broken_at is not None  # unkeyed: not valid under the key
    with superuser_tampering():
        rechain(apps, None)
    report = verification.verify(AT)
    assert report.intact and report.checked == 4
    with superuser_tampering():
        rechain(apps, None)  # a second run finds it keyed and leaves it
    assert verification.verify(AT).intact


def test_a_broken_old_chain_stops_the_upgrade(db):
    made = _old_chain(4)
    with superuser_tampering() as cur:
        cur.execute("UPDATE audit_auditrecord SET purpose = 'nothing' WHERE id = %s", [made[1].id])
        with pytest.raises(RuntimeError, match=f"broken at record {made[1].id}"):
            rechain(apps, None)
