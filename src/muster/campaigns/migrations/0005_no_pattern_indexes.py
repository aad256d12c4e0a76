"""No query runs LIKE 'prefix%' on these columns: drop PostgreSQL's "_like" indexes beside them."""

from django.db import migrations

from muster.kernel.db import drop_pattern_indexes


class Migration(migrations.Migration):

    dependencies = [("notices", "0004_vocabulary_choices")]

    operations = [drop_pattern_indexes("notices_campaign")]
