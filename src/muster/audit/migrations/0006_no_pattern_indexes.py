"""No query runs LIKE 'prefix%' on these columns: drop PostgreSQL's "_like" indexes beside them."""

from django.db import migrations

from muster.kernel.db import drop_pattern_indexes


class Migration(migrations.Migration):

    dependencies = [("audit", "0005_feedread")]

    operations = [drop_pattern_indexes("audit_auditrecord", "audit_spoolfile")]
