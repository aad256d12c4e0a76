from django.db import migrations, models


def backfill(apps, schema_editor):
    """The person of each entry written before this column, from the national id it carries."""
    from muster.kernel import db

    national_id = db.json_text("partners_feedentry.payload", "national_id")
    schema_editor.execute(f"UPDATE partners_feedentry SET person_id = (SELECT p.id FROM registry_person p "
                          f"WHERE p.national_id = {national_id}) WHERE person_id IS NULL")


class Migration(migrations.Migration):
    """Feed entries name their person, so that a person's access log finds every feed page and webhook
    delivery that carried them (muster.audit.models.FeedRead)."""

    dependencies = [("partners", "0002_vocabulary_choices"), ("registry", "0001_initial")]

    operations = [
        migrations.AddField(model_name="feedentry", name="person_id", field=models.BigIntegerField(null=True)),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(model_name="feedentry", index=models.Index(
            condition=models.Q(person_id__isnull=False), fields=["person_id"], name="feed_person")),
    ]
