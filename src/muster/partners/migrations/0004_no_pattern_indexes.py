"""No query runs LIKE 'prefix%' on these columns: drop PostgreSQL's "_like" indexes beside them."""

from django.db import migrations

from muster.kernel.db import drop_pattern_indexes


class Migration(migrations.Migration):

    dependencies = [("partners", "0003_feedentry_person")]

    operations = [drop_pattern_indexes("partners_partner", "partners_apikey")]
