"""Legal bases as rows of their own; a person's measures found through their summonses."""

import django.db.models.deletion
from django.db import migrations, models


def fill_bases(apps, schema_editor):
    LegalBasis = apps.get_model("measures", "LegalBasis")
    Measure = apps.get_model("measures", "Measure")
    texts = sorted(set(Measure.objects.values_list("legal_basis", flat=True).distinct()))
    LegalBasis.objects.bulk_create([LegalBasis(text=t) for t in texts])
    for basis in LegalBasis.objects.all():
        Measure.objects.filter(legal_basis=basis.text).update(basis=basis)


class Migration(migrations.Migration):

    dependencies = [
        ("measures", "0003_no_redundant_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="LegalBasis",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField(unique=True)),
            ],
            options={"verbose_name_plural": "legal bases"},
        ),
        migrations.AddField(
            model_name="measure",
            name="basis",
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="measures.legalbasis"),
        ),
        migrations.RunPython(fill_bases, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="measure",
            name="basis",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="measures.legalbasis"),
        ),
        migrations.RemoveField(model_name="measure", name="legal_basis"),
        migrations.RemoveIndex(model_name="measure", name="measure_person_status"),
        migrations.AddIndex(
            model_name="measure",
            index=models.Index(condition=models.Q(("status", "pending")), fields=["effective_from", "id"],
                               name="measure_pending"),
        ),
    ]
