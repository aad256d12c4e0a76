"""No query runs LIKE 'prefix%' on these columns: drop PostgreSQL's "_like" indexes beside them."""

from django.db import migrations

from muster.kernel.db import drop_pattern_indexes


class Migration(migrations.Migration):

    dependencies = [("registry", "0001_initial")]

    operations = [drop_pattern_indexes("registry_person", "registry_district", "registry_source")]
