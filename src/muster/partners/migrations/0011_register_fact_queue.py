from django.db import migrations, models


class Migration(migrations.Migration):
    """Facts no rule decides become applications in the officer's queue (muster.casework.stp): an
    index for those not yet taken, and one from an application to the facts behind it."""

    dependencies = [
        ('partners', '0010_register_fact_application'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='registerfact',
            index=models.Index(condition=models.Q(('application_number', ''), ('outcome', 'officer')),
                               fields=['id'], name='register_fact_unqueued'),
        ),
        migrations.AddIndex(
            model_name='registerfact',
            index=models.Index(condition=models.Q(('application_number', ''), _negated=True),
                               fields=['application_number'], name='register_fact_application'),
        ),
    ]
