"""No query runs LIKE 'prefix%' on these columns: drop PostgreSQL's "_like" indexes beside them."""

from django.db import migrations

from muster.kernel.db import drop_pattern_indexes


class Migration(migrations.Migration):

    dependencies = [("measures", "0005_vocabulary_choices")]

    operations = [drop_pattern_indexes("measures_legalbasis")]
