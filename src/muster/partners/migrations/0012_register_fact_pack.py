from django.conf import settings
from django.db import migrations, models

import muster.partners.models


def default_pack(apps, schema_editor):
    """The facts kept so far came through the API, which submits under the default pack."""
    apps.get_model("partners", "RegisterFact").objects.filter(pack_code="").update(
        pack_code=settings.MUSTER_DEFAULT_PACK)


class Migration(migrations.Migration):
    """A register fact names the pack whose policy decides it (muster.partners.stp_batch)."""

    dependencies = [
        ('partners', '0011_register_fact_queue'),
    ]

    operations = [
        migrations.AddField(
            model_name='registerfact',
            name='pack_code',
            field=models.CharField(blank=True, default=muster.partners.models.default_pack, max_length=40),
        ),
        migrations.RunPython(default_pack, migrations.RunPython.noop),
    ]
