from django.db import migrations, models


class Migration(migrations.Migration):
    """The unchained access log also holds officers' bulk reads: each row names the actor's role.
    A database default, so the partner checks' statements need not name it."""

    dependencies = [("audit", "0003_spoolfile")]

    operations = [
        migrations.AddField(model_name="partnerread", name="role",
                            field=models.CharField(db_default="partner", max_length=30)),
    ]
