"""The audit chain keyed with MUSTER_AUDIT_KEY (an HMAC instead of a bare SHA-256), and the audit
tables append-only in the database itself (muster.audit.roles).

Records chained before the key are re-chained once, only if their old chain holds: a broken old
chain stops the migration, so that tampering is never laundered into a valid chain."""

from django.conf import settings
from django.db import migrations

from muster.audit.roles import install_triggers
from muster.rules.audit_chain import GENESIS, chain_hash, unkeyed_hash


def _fields(r):
    from datetime import UTC

    return {"at": r.at.astimezone(UTC).isoformat(), "actor": r.actor, "action": r.action,
            "object_type": r.object_type, "object_id": r.object_id, "person_id": r.person_id,
            "purpose": r.purpose}


def rechain(apps, schema_editor):
    AuditRecord = apps.get_model("audit", "AuditRecord")
    key = bytes(settings.MUSTER_AUDIT_KEY)
    old_prev, new_prev, changed = GENESIS, GENESIS, []
    for record in AuditRecord.objects.order_by("id").iterator(chunk_size=5000):
        fields = _fields(record)
        if record.prev_hash != old_prev or unkeyed_hash(old_prev, fields) != record.hash:
            if record.prev_hash == new_prev and chain_hash(key, new_prev, fields) == record.hash:
                return  # keyed already (the migration ran on a copy): nothing to do
            raise RuntimeError(f"the audit trail is broken at record {record.id} (before its chain was keyed); "
                               "restore it from a backup before upgrading")
        old_prev = record.hash
        record.prev_hash, record.hash = new_prev, chain_hash(key, new_prev, fields)
        new_prev = record.hash
        changed.append(record)
    AuditRecord.objects.bulk_update(changed, ["prev_hash", "hash"], batch_size=5000)


def triggers(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        install_triggers(cur)


class Migration(migrations.Migration):

    dependencies = [("audit", "0006_no_pattern_indexes")]

    operations = [migrations.RunPython(rechain, migrations.RunPython.noop),
                  migrations.RunPython(triggers, migrations.RunPython.noop)]
