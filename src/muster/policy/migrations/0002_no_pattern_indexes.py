"""No query runs LIKE 'prefix%' on these columns: drop PostgreSQL's "_like" indexes beside them."""

from django.db import migrations

from muster.kernel.db import drop_pattern_indexes


class Migration(migrations.Migration):

    dependencies = [("policy", "0001_initial")]

    operations = [drop_pattern_indexes("policy_packrecord", "policy_policyversionrecord")]
